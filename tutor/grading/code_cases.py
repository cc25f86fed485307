"""Do a code question's cases cover the lengths and head layouts a wrong answer could hide in?

A submission that is right only for the sizes the cases use (say, it skips the causal mask for
lengths 2-4 and >= 10) must meet a case that shows it. So `tutor validate` asks, statically (no
sandbox, no torch), that the cases cover, for every head layout the question allows (G = 1,
1 < G < H and G = H where both `h` and `g` are dimensions), the sequence lengths (`length:`):

- 1, a short one (2-4), a middle one (5-15) and a long one (>= 16);
- and that one case is longer than every other (>= 16), so a table keyed on the longest length
  cannot pass either.

Plus the case drawn at grading time (`length:` or `vary:`), checked where the sandbox runs
(`tutor.grading.code.validate_question`).
"""

from __future__ import annotations

import re

from tutor.bank.model import CodeCase, CodeQuestion, TensorArg

LENGTH_CLASSES = (("length 1", 1, 1), ("a short length (2-4)", 2, 4), ("a middle length (5-15)", 5, 15),
                  ("a long length (>= 16)", 16, None))


def layout(case: CodeCase) -> str:
    """`G = 1`, `1 < G < H` or `G = H` for a case with both `h` and `g`; '' when the layout is fixed."""
    h, g = case.dims.get("h"), case.dims.get("g")
    if h is None or g is None:
        return ""
    return "G = 1" if g == 1 else "G = H" if g == h else "1 < G < H"


def coverage_problems(question: CodeQuestion) -> list[str]:
    """What the cases fail to cover; [] when they cover every length class for every layout."""
    problems = []
    layouts = sorted({layout(c) for c in question.cases})
    if layouts != [""]:
        for name in ("G = 1", "1 < G < H", "G = H"):
            if name not in layouts:
                problems.append(f"no case has the head layout {name} (the cases have {', '.join(layouts)})")
    if question.length is None:
        return problems
    dim = question.length
    for name in layouts:
        lengths = {c.dims[dim] for c in question.cases if layout(c) == name and not c.zero}
        where = f" with {name}" if name else ""
        for label, low, high in LENGTH_CLASSES:
            if not any(low <= n and (high is None or n <= high) for n in lengths):
                problems.append(f"no case{where} has {label} for {dim} (have {sorted(lengths)})")
    longest = sorted((c.dims[dim] for c in question.cases), reverse=True)
    if longest[0] < 16 or (len(longest) > 1 and longest[1] == longest[0]):
        problems.append(f"one case must be longer than every other, with {dim} >= 16 (the longest: {longest[:2]})")
    return problems


_RETURN_DTYPE = re.compile(r"in the dtype of `(\w+)`")


def prompt_problems(question: CodeQuestion) -> list[str]:
    """Rules the grader enforces that the prompt must state (static; no sandbox).

    - The grader compares dtypes exactly, so the prompt names the one to return: "in the dtype of `x`",
      `x` a tensor argument (a float64 answer on float32 inputs is then wrong by the rule it was given).
    - A `memory_budget` enforces a structural rule: the prompt states the budget (`N MiB`) it is held to.
    """
    problems = []
    tensors = {a.name for a in question.args if isinstance(a, TensorArg)}
    named = _RETURN_DTYPE.findall(question.prompt)
    if not named:
        problems.append("the prompt does not say which dtype to return (the grader compares dtypes exactly): "
                        "write \"in the dtype of `x`\", x a tensor argument")
    for name in named:
        if name not in tensors:
            problems.append(f"the prompt says to return the dtype of `{name}`, which is not a tensor argument "
                            f"(they are {', '.join(sorted(tensors))})")
    budget = question.memory_budget
    if budget is not None and f"{budget.mib} MiB" not in question.prompt:
        problems.append(f"memory_budget is {budget.mib} MiB but the prompt does not state it "
                        f"(write \"{budget.mib} MiB\" where it states the rule the budget checks)")
    return problems
