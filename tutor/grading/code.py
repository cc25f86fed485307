"""Grade a `code` answer: run the submitted function in the sandbox, compare with `reference_impl`.

The parent (this process) makes every input deterministically on the CPU from the values seed,
computes the expected outputs with the question's `reference` (`module:function`), and keeps them:
the sandboxed child gets only the inputs and the code. What comes back (safetensors) is checked
here for exact type, dtype, shape (no broadcasting), finiteness and then closeness. On a CUDA
machine both the reference and the submission run on the GPU, with the question's `cuda`
tolerance; elsewhere on the CPU.

Entry points:

- `grade(variant, answer, expected=None, *, cancel_event=None, require_strong_sandbox=False,
  allow_weak_sandbox=False, device=None) -> Grade`: blocking; safe from any thread (runs on the
  shared worker are serialised). The TUI runs it in a worker thread and cancels by setting
  `cancel_event` (a `threading.Event`); a cancelled grading raises `GradingCancelled` promptly
  (the child is killed). Batch grading of others' code passes `require_strong_sandbox=True`: a
  machine with only the base layer then raises `WeakSandboxError` (say `--allow-weak-sandbox`
  to pass `allow_weak_sandbox=True`). `SandboxError` means the sandbox itself broke.
- `prestart()`: start the warm worker now (it imports torch, about 2 s), e.g. when a code question
  is shown, so the first grading is warm.
- `validate_question(question) -> list[str]`: what `tutor validate` reports for a code question
  (reference runs on every case, the model answer passes, every mutant fails at least one case,
  the accept/reject examples behave); empty when the question is sound.
"""

from __future__ import annotations

import ast
import importlib
import math
import operator
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

from tutor.bank.model import CodeCase, CodeQuestion, TensorArg
from tutor.bank.variant import Variant
from tutor.grading import refcache
from tutor.grading.grade import Grade, Status
from tutor.sandbox.client import Cancelled, Limits, RunResult, SandboxError, shared_worker
from tutor.sandbox.layers import detect
from tutor.sandbox.timing import robust_time

__all__ = ["GradingCancelled", "SandboxError", "WeakSandboxError", "grade", "prestart", "validate_question"]

_MAX_SOURCE = 100_000
_MAX_OUTPUT_LINES = 40
OUTPUT_PREFIX = "  │ "  # marks every line of the submission's own text: what it printed, its exceptions


class GradingCancelled(Exception):
    """The caller's `cancel_event` was set; the child was killed and nothing was graded."""


class WeakSandboxError(RuntimeError):
    """Strong isolation was required but this machine only offers the base layer."""


# --- dimensions: a tiny arithmetic evaluator over the case's named dimensions (bank text, no eval) ---

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod, ast.Pow: operator.pow, ast.Div: operator.truediv,
}


def eval_dim(expr: int | float | str, dims: dict[str, int]) -> int | float:
    """Evaluate a shape entry or value (`d`, `d // h`, `g * d / h`, `4`) over the case's dims."""
    if isinstance(expr, bool):
        raise ValueError(f"{expr!r} is not a dimension")
    if isinstance(expr, (int, float)):
        return expr
    tree = ast.parse(str(expr).replace("^", "**"), mode="eval")

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in dims:
                raise ValueError(f"{expr!r} uses {node.id!r}, which the case does not define")
            return dims[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        raise ValueError(f"{expr!r}: only numbers, case dimensions and + - * / // % ** are allowed")

    return ev(tree)


def _int_dim(expr: int | float | str, dims: dict[str, int]) -> int:
    value = eval_dim(expr, dims)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"dimension {expr!r} is {value} for {dims}, not a whole number")
        value = int(value)
    if value < 0:
        raise ValueError(f"dimension {expr!r} is negative for {dims}")
    return value


# --- preparing a variant: inputs, expected outputs, reference time ---

@dataclass(frozen=True)
class Prepared:
    """Everything the parent knows about one variant on one device. Expected outputs stay here."""

    device: str
    inputs: dict[str, Any]  # "c{i}.{arg}" -> CPU tensor
    cases: list[list[list[Any]]]  # per case: [["tensor", key] | ["value", v]] in argument order
    expected: list[Any]  # per case: a CPU tensor
    descriptions: list[str]  # per case: "x [2, 5, 16], num_heads=4"
    labels: list[str]
    largest: int  # index of the largest case
    values_seed: int  # the tensor values (and the drawn case's sizes) come from this
    timing: dict[str, float | None] = field(default_factory=dict, compare=False, repr=False)  # see reference_seconds


def pick_device() -> str:
    import torch  # deferred: loaded only when code is graded

    return "cuda" if torch.cuda.is_available() else "cpu"


def new_values_seed() -> int:
    """A fresh, non-reproducible seed for the case values of one grading (recorded in the grade)."""
    import secrets

    return secrets.randbelow(1 << 31)


def _seed(question: CodeQuestion, values_seed: int, case: int, arg: int) -> int:
    """The generator seed of one input tensor: from the values seed alone (TEAM.md, "fresh case values").

    Not from the variant seed: every submission graded with one values seed (a `tutor grade` run) gets
    the same inputs, so the reference's and the mutants' outputs are computed once and shared.
    """
    return zlib.crc32(f"{question.id}:{values_seed}:{case}:{arg}".encode())


def _reference(question: CodeQuestion) -> Callable[..., Any]:
    module, _, name = question.reference.partition(":")
    return getattr(importlib.import_module(module), name)


def _sync(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def make_tensor(arg: TensorArg, shape: list[int], dims: dict[str, int], gen: Any, *, zero: bool = False) -> Any:
    """One case's input for a tensor argument: random normal values times `scale`, zeros, or, for an
    integer dtype, random integers in `integers: [low, high]` or distinct ids from `permutation: N`."""
    import torch

    dtype = getattr(torch, arg.dtype)
    if zero:
        return torch.zeros(shape, dtype=dtype)
    if arg.integers is not None:
        low, high = (_int_dim(e, dims) for e in arg.integers)
        if low > high:
            raise ValueError(f"{arg.name}: integers [{low}, {high}] is empty for {dims}")
        return torch.randint(low, high + 1, shape, generator=gen, dtype=dtype)
    if arg.permutation is not None:
        count = _int_dim(arg.permutation, dims)
        size = math.prod(shape)
        if count < size:
            raise ValueError(f"{arg.name}: {size} distinct ids cannot come from 0..{count - 1} for {dims}")
        return torch.randperm(count, generator=gen)[:size].reshape(shape).to(dtype)
    return (torch.randn(shape, generator=gen, dtype=torch.float32) * arg.scale).to(dtype)


def vary_ranges(question: CodeQuestion) -> dict[str, tuple[int, int]]:
    """The dimensions the drawn case redraws, and their ranges (see `CodeQuestion.vary`)."""
    if question.vary:
        return {k: (v[0], v[1]) for k, v in question.vary.items()}
    if question.length:
        return {question.length: (1, max(c.dims[question.length] for c in question.cases) + 8)}
    return {}


def drawn_cases(question: CodeQuestion, values_seed: int, tries: int = 20) -> list[CodeCase]:
    """Candidates for the case drawn at grading time, first choice first (all from `values_seed`).

    Each takes the sizes of a case picked at random (not a zero case) and redraws the `vary`
    dimensions; the first candidate whose shapes are valid and on which the reference runs is used.
    """
    import random

    ranges = vary_ranges(question)
    if not ranges:
        return []
    rng = random.Random(values_seed)
    templates = [c for c in question.cases if not c.zero] or list(question.cases)
    out = []
    for _ in range(tries):
        template = rng.choice(templates)
        dims = dict(template.dims)
        dims.update({k: rng.randint(low, high) for k, (low, high) in ranges.items()})
        label = "drawn now: " + ", ".join(f"{k}={dims[k]}" for k in ranges)
        out.append(CodeCase(label=label, dims=dims))
    return out


def _make_case(question: CodeQuestion, values_seed: int, i: int, case: CodeCase, device: str,
               reference: Callable[..., Any]) -> tuple[dict[str, Any], list[list[Any]], Any, str, int]:
    import torch

    inputs: dict[str, Any] = {}
    call: list[list[Any]] = []
    args: list[Any] = []
    parts: list[str] = []
    size = 0
    for a, arg in enumerate(question.args):
        if isinstance(arg, TensorArg):
            shape = [_int_dim(s, case.dims) for s in arg.shape]
            gen = torch.Generator().manual_seed(_seed(question, values_seed, i, a))
            t = make_tensor(arg, shape, case.dims, gen, zero=arg.name in case.zero)
            key = f"c{i}.{arg.name}"
            inputs[key] = t
            call.append(["tensor", key])
            args.append(t.to(device))
            parts.append(f"{arg.name} {list(shape)}")
            size += t.numel()
        else:
            value = eval_dim(arg.value, case.dims)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            call.append(["value", value])
            args.append(value)
            parts.append(f"{arg.name}={value}")
    with torch.no_grad():
        out = reference(*args)
    if type(out) is not torch.Tensor:
        raise ValueError(f"{question.id}: the reference returned {type(out).__name__} on case {i + 1}")
    return inputs, call, out.detach().to("cpu"), ", ".join(parts), size


def prepare(question: CodeQuestion, seed: int, device: str, values_seed: int = 0) -> Prepared:
    """Make the inputs of every case (on the CPU, values from `values_seed`) and the reference's outputs.

    The bank's cases come first, then one case whose sizes are drawn from `values_seed` (see
    `drawn_cases`); `values_seed` alone fixes every tensor value (`seed`, the variant's, is kept in the
    signature for the callers; a code question's cases do not depend on it).
    """
    import torch

    # One intra-op thread, like the child: the cases are tiny, and on a loaded machine a second
    # thread's hand-offs made 10 us ops take milliseconds (and the reference's time swing 100x).
    # (This process uses torch only for grading.)
    torch.set_num_threads(1)
    reference = _reference(question)
    inputs: dict[str, Any] = {}
    cases: list[list[list[Any]]] = []
    expected: list[Any] = []
    descriptions: list[str] = []
    labels: list[str] = []
    sizes: list[int] = []

    def add(i: int, case: CodeCase) -> None:
        made = _make_case(question, values_seed, i, case, device, reference)
        inputs.update(made[0])
        cases.append(made[1])
        expected.append(made[2])
        descriptions.append(made[3])
        sizes.append(made[4])
        labels.append(case.label or f"case {i + 1}")

    for i, case in enumerate(question.cases):
        add(i, case)
    for candidate in drawn_cases(question, values_seed):
        try:
            add(len(question.cases), candidate)
            break
        except Exception:  # the drawn sizes do not suit the reference (e.g. a position past the cache): next
            continue
    largest = max(range(len(sizes)), key=sizes.__getitem__)
    return Prepared(device, inputs, cases, expected, descriptions, labels, largest, values_seed)


def reference_seconds(question: CodeQuestion, prepared: Prepared) -> float | None:
    """The reference's median time on the largest case (None: too noisy), measured on first use and
    kept in `prepared.timing`: a grading that shows no time (a failing submission) does not pay for it."""
    if "reference" not in prepared.timing:
        import torch

        reference = _reference(question)
        args = [prepared.inputs[v].to(prepared.device) if kind == "tensor" else v
                for kind, v in prepared.cases[prepared.largest]]
        with torch.no_grad():
            prepared.timing["reference"] = robust_time(lambda: reference(*args), lambda: _sync(prepared.device))
    return prepared.timing["reference"]


# --- comparing one output with the expected one ---

@dataclass(frozen=True)
class Comparison:
    ok: bool
    reason: str  # "" when ok
    details: tuple[str, ...] = ()
    max_abs: float | None = None  # the largest |actual - expected|, when values were compared
    max_rel: float | None = None  # the largest relative error where |expected| > atol


def _index(flat: int, shape: tuple[int, ...]) -> list[int]:
    idx = []
    for dim in reversed(shape):
        idx.append(flat % dim if dim else 0)
        flat = flat // dim if dim else 0
    return list(reversed(idx))


def compare(actual: Any, expected: Any, rtol: float, atol: float) -> Comparison:
    """Exact type, dtype, shape, finiteness, then |a - e| <= atol + rtol * |e| everywhere."""
    import torch

    if type(actual) is not torch.Tensor:
        return Comparison(False, f"the result is {type(actual).__name__}, not a torch.Tensor")
    shapes = f"expected {str(expected.dtype).removeprefix('torch.')} {list(expected.shape)}, " \
             f"got {str(actual.dtype).removeprefix('torch.')} {list(actual.shape)}"
    if actual.dtype != expected.dtype:
        return Comparison(False, "wrong dtype", (shapes,))
    if actual.shape != expected.shape:
        return Comparison(False, "wrong shape", (shapes,))
    if actual.numel() == 0:
        return Comparison(True, "")
    a, e = actual.double(), expected.double()
    finite = torch.isfinite(a)
    if not bool(finite.all()) and bool(torch.isfinite(e).all()):
        where = _index(int((~finite).flatten().nonzero()[0]), tuple(a.shape))
        return Comparison(False, "non-finite values", (shapes, f"the result has {a.flatten()[(~finite).flatten()][0].item()} at {where}"))
    diff = (a - e).abs()
    # Non-finite values match only themselves: NaN where the other has NaN, inf of the same sign (this
    # is how a submission is matched to a mutant that produces NaN; the reference is always finite).
    same_special = ~torch.isfinite(e) & ((a == e) | (torch.isnan(a) & torch.isnan(e)))
    close = (diff <= atol + rtol * e.abs()) & torch.isfinite(e)
    ok = bool((close | same_special).all())
    diff = torch.where(same_special, torch.zeros_like(diff), diff)
    flat = int(diff.flatten().argmax())
    where = _index(flat, tuple(a.shape))
    max_abs = diff.flatten()[flat].item()
    max_rel = None
    lines = [shapes, f"largest absolute error {max_abs:.3g} at {where} "
                     f"(expected {e.flatten()[flat].item():.6g}, got {a.flatten()[flat].item():.6g})"]
    significant = e.abs() > max(atol, 1e-12)
    if bool(significant.any()):
        rel = torch.where(significant, diff / e.abs().clamp_min(1e-300), torch.zeros_like(diff))
        rflat = int(rel.flatten().argmax())
        max_rel = rel.flatten()[rflat].item()
        lines.append(f"largest relative error {max_rel:.3g} at {_index(rflat, tuple(a.shape))}")
    lines.append(f"tolerance: rtol={rtol:g}, atol={atol:g}")
    return Comparison(ok, "" if ok else "wrong values", tuple(lines), max_abs, max_rel)


# --- running code in the sandbox ---

def _limits(question: CodeQuestion, expected_bytes: int, device: str = "cpu") -> Limits:
    return Limits(wall_seconds=question.time_limit, memory_mib=question.memory_limit,
                  fsize_bytes=max(16 << 20, 4 * expected_bytes + (1 << 20)),
                  group_memory_mib=enforced_budget(question, device))


def enforced_budget(question: CodeQuestion, device: str) -> int | None:
    """The question's memory budget (MiB) where this machine can enforce it, else None.

    The budget is the per-run cgroup's memory limit, so it needs a cgroup; and it counts host memory
    only, so on cuda (whose tensors live on the GPU) it checks nothing."""
    budget = question.memory_budget
    if budget is None or device != "cpu" or not detect().cgroup_version:
        return None
    return budget.mib


def _run(question: CodeQuestion, prepared: Prepared, programs: list[str],
         cancel_event: threading.Event | None, timed: bool = False, fresh: bool = False) -> RunResult:
    expected_bytes = sum(e.numel() * e.element_size() for e in prepared.expected) * len(programs)
    try:
        return shared_worker().run(programs, question.entry, prepared.inputs, prepared.cases,
                                   _limits(question, expected_bytes, prepared.device), prepared.device, cancel_event,
                                   timed_case=prepared.largest if timed else None, warm=not fresh)
    except Cancelled:
        raise GradingCancelled() from None


def _outputs(result: RunResult, program: int, n_cases: int) -> list[Any]:
    if result.programs is None:
        return [None] * n_cases
    return [result.tensors.get(f"p{program}.c{i}") for i in range(n_cases)]


def _prepared(question: CodeQuestion, seed: int, device: str, values_seed: int) -> Prepared:
    """The variant's inputs and reference outputs: from the reference cache, else computed and kept there."""
    key = refcache.entry_key(question, values_seed, device)
    hit = refcache.CACHE.get("prepared", key, _load_prepared)
    if hit is not None:
        return hit
    prepared = prepare(question, seed, device, values_seed)
    refcache.CACHE.put("prepared", key, prepared, _dump_prepared)
    return prepared


def _dump_prepared(p: Prepared) -> bytes:
    tensors = {f"in/{k}": v for k, v in p.inputs.items()}
    tensors.update({f"out/{i}": e for i, e in enumerate(p.expected)})
    meta = {"device": p.device, "cases": p.cases, "inputs": list(p.inputs), "descriptions": p.descriptions,
            "labels": p.labels, "largest": p.largest, "values_seed": p.values_seed}
    return refcache.dump(tensors, meta)


def _load_prepared(path: Any) -> Prepared:
    tensors, meta = refcache.load(path)
    # the reference's time is not kept: it is measured (once per process) when a grading first shows it
    return Prepared(meta["device"], {k: tensors[f"in/{k}"] for k in meta["inputs"]}, meta["cases"],
                    [tensors[f"out/{i}"] for i in range(len(meta["cases"]))], meta["descriptions"], meta["labels"],
                    meta["largest"], meta["values_seed"])


def _mutant_outputs(question: CodeQuestion, prepared: Prepared,
                    cancel_event: threading.Event | None, fresh: bool = False) -> list[list[Any]]:
    """Each mutant's outputs on every case: one sandboxed run for all of them, made only when a submission
    fails a case (to diagnose it), then kept in the reference cache beside the reference outputs."""
    if not question.mutants:
        return []
    key = refcache.entry_key(question, prepared.values_seed, prepared.device)
    hit = refcache.CACHE.get("mutants", key, _load_mutants)
    if hit is not None:
        return hit
    result = _run(question, prepared, [m.code for m in question.mutants], cancel_event, fresh=fresh)
    outputs = [_outputs(result, j, len(prepared.cases)) for j in range(len(question.mutants))]
    refcache.CACHE.put("mutants", key, outputs, _dump_mutants)
    return outputs


def _dump_mutants(outputs: list[list[Any]]) -> bytes:
    tensors = {f"m{j}/c{i}": t for j, outs in enumerate(outputs) for i, t in enumerate(outs) if t is not None}
    return refcache.dump(tensors, {"shape": [len(outs) for outs in outputs]})


def _load_mutants(path: Any) -> list[list[Any]]:
    tensors, meta = refcache.load(path)
    return [[tensors.get(f"m{j}/c{i}") for i in range(n)] for j, n in enumerate(meta["shape"])]


# --- the grade ---

def _module_names(tree: ast.Module) -> set[str]:
    """Names the module binds at its top level, also inside `if`/`try`/`with`/`for` blocks there.

    A conditional definition, an annotated or tuple assignment, a decorated function, a class or an
    import are all legitimate ways to provide the entry point; the bodies of functions, classes and
    lambdas are not looked into (their names are local to them).
    """
    names: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
            continue
        if isinstance(node, (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            continue  # their own scope
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _syntax_check(question: CodeQuestion, answer: str) -> Grade | None:
    """An answer we cannot read (no code, a syntax error, no such function) is invalid, not wrong."""
    expected = f"a function {question.entry}(...) matching {question.reference}"
    if not answer.strip():
        return Grade.invalid(f"write a function named {question.entry}", expected=expected)
    if answer.split() == question.starter.split():
        return Grade.invalid("this is the starter code, unchanged: write your implementation first",
                             expected=expected)
    if len(answer) > _MAX_SOURCE:
        return Grade.invalid(f"the code is {len(answer)} characters long; the limit is {_MAX_SOURCE}", expected=expected)
    try:
        tree = ast.parse(answer, filename="solution.py")  # parsing only: nothing runs here
    except SyntaxError as exc:
        line, col = exc.lineno or 1, exc.offset or 1
        lines = answer.splitlines(True)
        position = sum(len(s) for s in lines[: line - 1]) + max(col - 1, 0)
        return Grade.invalid(f"line {line}, column {col}: {exc.msg}", expected=expected,
                             position=min(position, len(answer)))
    except ValueError as exc:  # e.g. a NUL byte in the source
        return Grade.invalid(f"the code cannot be read: {exc}", expected=expected)
    if question.entry not in _module_names(tree):
        return Grade.invalid(f"define a function named {question.entry} at the top level of your code",
                             expected=expected)
    return None


def _run_problem(question: CodeQuestion, result: RunResult, result_device: str) -> str:
    """Why a run left no results, in the learner's terms."""
    import signal as sig

    if result.outcome == "timeout":
        return f"Stopped: your code ran past the time limit of {question.time_limit:g} s."
    if result.outcome == "signaled":
        if result.signal == sig.SIGXCPU:
            return f"Stopped: your code used more than its CPU-time limit (about {question.time_limit:g} s)."
        if result.signal == sig.SIGXFSZ:
            return "Stopped: your code wrote more than the file-size limit."
        if result.signal == sig.SIGKILL and question.memory_budget and enforced_budget(question, result_device):
            return (f"Stopped: your code used more than {question.memory_budget.mib} MiB: "
                    f"{question.memory_budget.rule}.")
        if result.signal == sig.SIGKILL:
            return f"Stopped: the process was killed (most likely over the memory limit of {question.memory_limit} MiB)."
        name = sig.Signals(result.signal).name if result.signal in set(sig.Signals) else str(result.signal)
        return f"Your code crashed the process ({name})."
    if result.problem:
        return f"The results could not be used: {result.problem}."
    from tutor.sandbox.child import SETUP_FAILED

    if result.exit_code == SETUP_FAILED and not result.programs:
        return ("The sandbox could not start your code (exit status 70); "
                "if your code calls sys.exit(70) or os._exit(70), it ended the process early.")
    return (f"Your code ended the process early (exit status {result.exit_code}) before returning its results "
            "(sys.exit or os._exit?): that counts as a failure.")


def _diagnose(question: CodeQuestion, actual: list[Any], passed: list[bool],
              mutants: list[list[Any]], tol: Any) -> str | None:
    """The diagnosis of the first mutant whose outputs the submission reproduces on every case."""
    if all(passed):
        return None
    for mutant, outs in zip(question.mutants, mutants):
        same, evidence = True, False
        for a, m, ok in zip(actual, outs, passed):
            if a is None or m is None:
                same = a is None and m is None
            else:
                same = compare(a, m, tol.rtol, tol.atol).ok
                evidence = evidence or not ok
            if not same:
                break
        if same and evidence:
            return mutant.diagnosis
    return None


def grade(variant: Variant, answer: str, expected: Any | None = None, *,
          cancel_event: threading.Event | None = None, require_strong_sandbox: bool = False,
          allow_weak_sandbox: bool = False, device: str | None = None, values_seed: int | None = None,
          timed: bool = True, fresh_sandbox: bool = False) -> Grade:
    """Grade a code answer (see the module docstring for cancelling and the sandbox flags).

    `timed=False` skips the timing of the largest case (its warm-up calls and repetitions, in the
    sandbox and for the reference): the verdict never depends on a time, and batch grading
    (`tutor grade`) has no use for one, so its gradebooks carry no time and two runs agree exactly.

    `fresh_sandbox=True` runs the code on the sandbox's per-run path (namespaces and view made for this
    run alone) instead of forking it from the warm sandbox (tutor/sandbox/zygote.py): `tutor grade
    --no-cache` and `--fresh-sandbox`, for comparison. The verdict is the same either way.

    `values_seed` fixes the tensor values and the drawn case's sizes; None draws a fresh one (from
    `secrets`), so a table of outputs precomputed for some seed does not pass. It is recorded in
    `details["values_seed"]`: grading again with it replays the same cases.
    """
    question = variant.question
    if not isinstance(question, CodeQuestion):
        raise TypeError(f"{question.id} is a {question.kind} question, not a code question")
    if require_strong_sandbox and not allow_weak_sandbox and not detect().strong:
        raise WeakSandboxError(
            "only the base sandbox layer is available here (no namespaces, no Landlock), which is too weak "
            "for grading other people's code; run `tutor doctor` for details, or pass --allow-weak-sandbox")
    answer = answer.removeprefix("\ufeff")  # a byte-order mark some editors write: not part of the code
    invalid = _syntax_check(question, answer)
    if invalid is not None:
        return invalid
    shared_worker()  # starts the worker (if cold) so that its torch import overlaps ours
    device = device or pick_device()
    if values_seed is None:
        values_seed = new_values_seed()
    prepared = _prepared(question, variant.seed, device, values_seed)
    expected_outputs = prepared.expected
    if expected is not None:
        model = _run(question, prepared, [str(expected)], cancel_event, fresh=fresh_sandbox)
        expected_outputs = _outputs(model, 0, len(prepared.cases))
        if any(e is None for e in expected_outputs):
            raise ValueError(f"{question.id}: the expected solution given to the grader fails to run")
    tol = question.tolerance.cuda if device == "cuda" else question.tolerance.cpu
    result = _run(question, prepared, [answer], cancel_event, timed=timed, fresh=fresh_sandbox)
    return _build_grade(question, variant, prepared, expected_outputs, result, tol, cancel_event, timed, fresh_sandbox)


def _build_grade(question: CodeQuestion, variant: Variant, prepared: Prepared, expected_outputs: list[Any],
                 result: RunResult, tol: Any, cancel_event: threading.Event | None, timed: bool = True,
                 fresh: bool = False) -> Grade:
    n = len(prepared.cases)
    actual = _outputs(result, 0, n)
    report = result.programs[0] if result.programs else None
    comparisons: list[Comparison] = []
    for i in range(n):
        error = None
        if report is not None:
            error = report.load_error or (report.cases[i].error if i < len(report.cases) else None)
        if report is None:
            comparisons.append(Comparison(False, "no result"))
        elif error is not None:
            comparisons.append(Comparison(False, "raised an exception", (error,)))
        elif actual[i] is None:
            comparisons.append(Comparison(False, "no result"))
        else:
            comparisons.append(compare(actual[i], expected_outputs[i], tol.rtol, tol.atol))
    passed = [c.ok for c in comparisons]
    n_passed = sum(passed)
    feedback = [f"Passed {n_passed} of {n} cases ({prepared.device})."]
    for i, c in enumerate(comparisons):
        mark = "pass" if c.ok else f"FAIL: {c.reason}"
        feedback.append(f"  {prepared.labels[i]} ({prepared.descriptions[i]}): {mark}")
    budget = question.memory_budget
    if budget is not None and enforced_budget(question, prepared.device) is None:
        where = "on cuda" if prepared.device == "cuda" else "on this machine (no per-run cgroup)"
        feedback.append(f"Not checked: the memory rule (at most {budget.mib} MiB; going over means {budget.rule}) "
                        f"cannot be enforced {where}, so only the outputs were compared.")
    if report is None:
        feedback.append(_run_problem(question, result, prepared.device))
    elif report.load_error:
        feedback.append("Your code raised an exception while it was loaded:")
        feedback.extend(OUTPUT_PREFIX + line for line in report.load_error.splitlines())
    first = next((i for i, ok in enumerate(passed) if not ok), None)
    diagnosis = None
    if first is not None and report is not None and not report.load_error:
        c = comparisons[first]
        feedback.append(f"First failure, {prepared.labels[first]}: arguments {prepared.descriptions[first]}.")
        if c.reason == "raised an exception":
            feedback.append("Your code raised an exception:")
            feedback.extend(OUTPUT_PREFIX + line for line in c.details[0].splitlines())
            if "MemoryError" in c.details[0] or "can't allocate memory" in c.details[0]:
                feedback.append(f"(The memory limit is {question.memory_limit} MiB.)")
        else:
            feedback.extend("  " + line for line in c.details)
        if question.mutants and any(a is not None for a in actual):
            mutants = _mutant_outputs(question, prepared, cancel_event, fresh)
            diagnosis = _diagnose(question, actual, passed, mutants, tol)
            if diagnosis:
                feedback.append(f"Diagnosis: {diagnosis}")
    if result.output.strip():
        # Every printed line carries a prefix, so printed text cannot pass for the grader's own lines.
        feedback.append("Your code printed:")
        lines = result.output.rstrip("\n").splitlines()
        feedback.extend(OUTPUT_PREFIX + line for line in lines[:_MAX_OUTPUT_LINES])
        if len(lines) > _MAX_OUTPUT_LINES:
            feedback.append(f"  ... ({len(lines) - _MAX_OUTPUT_LINES} more lines)")
    timing: dict[str, float] = {}
    if timed and report is not None and not report.load_error and passed[prepared.largest]:
        mine = report.cases[prepared.largest].seconds
        ref = reference_seconds(question, prepared) if mine is not None else None
        if mine is not None and ref is not None and ref > 0:  # both steady medians, else no time at all
            timing = {"submission_seconds": mine, "reference_seconds": ref}
            feedback.append(f"Time on the largest case ({prepared.labels[prepared.largest]}): yours "
                            f"{mine * 1e3:.2f} ms, the reference {ref * 1e3:.2f} ms ({mine / ref:.1f}x; "
                            "medians of repeated runs).")
        else:
            feedback.append("Time on the largest case: not shown (the repeated measurements varied too much to "
                            "compare, or one call took too long to repeat).")
    feedback.append(f"Case values drawn with values seed {prepared.values_seed} "
                    f"(to replay them: tutor check {question.id}{f' --seed {variant.seed}' if variant.seed else ''} "
                    f"--answer-file FILE --values-seed {prepared.values_seed}).")
    details = {
        "cases": [{"label": prepared.labels[i], "passed": passed[i], "reason": comparisons[i].reason,
                   "max_abs_error": comparisons[i].max_abs, "max_rel_error": comparisons[i].max_rel}
                  for i in range(n)],
        "device": prepared.device,
        "timing": timing,
        "values_seed": prepared.values_seed,
        "diagnosis": diagnosis,
        "memory_budget": None if budget is None else {
            "mib": budget.mib, "enforced": enforced_budget(question, prepared.device) is not None},
        "sandbox": detect().names(),
        "run": {"outcome": result.outcome, "exit_code": result.exit_code, "signal": result.signal, "path": result.path,
                "wall_seconds": round(result.wall_seconds, 4)},
    }
    return Grade.of(
        n_passed / n,
        interpreted=f"{question.entry}: {n_passed} of {n} cases pass",
        expected=f"the output of {question.reference} on every case, within rtol={tol.rtol:g}, atol={tol.atol:g}",
        feedback=feedback,
        details=details,
    )


def prestart() -> None:
    """Start the warm worker in the background (it imports torch) so the first grading is fast."""
    shared_worker()


# --- validation for `tutor validate` ---

def validate_question(question: CodeQuestion, device: str | None = None) -> list[str]:
    """Problems with a code question: reference, model answer, mutants and examples. [] when sound."""
    from tutor.bank.variant import make_variant

    problems: list[str] = []
    where = question.id
    for name, source in (("starter", question.starter), ("answer", question.answer)):
        try:
            ast.parse(source)
        except SyntaxError as exc:
            problems.append(f"{where}: {name} line {exc.lineno}: {exc.msg}")
    try:
        _reference(question)
    except (ImportError, AttributeError) as exc:
        return problems + [f"{where}: reference {question.reference!r} cannot be loaded: {exc}"]
    device = device or pick_device()
    try:
        prepared = _prepared(question, 0, device, 0)
    except Exception as exc:  # the reference or a case is broken: report it, keep validating the bank
        return problems + [f"{where}: the reference fails to run on the cases: {type(exc).__name__}: {exc}"]
    import torch

    for i, e in enumerate(prepared.expected):
        if e.is_floating_point() and not bool(torch.isfinite(e).all()):
            problems.append(f"{where}: the reference gives non-finite values on {prepared.labels[i]}")
    variant = make_variant(question, 0)
    tol = question.tolerance.cuda if device == "cuda" else question.tolerance.cpu
    g = grade(variant, question.answer, device=device, values_seed=0, timed=False)
    if g.status is not Status.CORRECT:
        problems.append(f"{where}: the model answer does not pass: " + " / ".join(g.feedback[:4]))
    problems += _drawn_case_problems(question, device, prepared)
    if question.mutants:
        for mutant, outs in zip(question.mutants, _mutant_outputs(question, prepared, None)):
            fixed = len(question.cases)  # the bank's own cases must reject it; the drawn one is a bonus
            if all(o is not None and compare(o, e, tol.rtol, tol.atol).ok
                   for o, e in zip(outs[:fixed], prepared.expected[:fixed])):
                problems.append(f"{where}: mutant {mutant.name!r} passes every case; add a case that rejects it")
    for k, code in enumerate(question.examples.accept):
        g = grade(variant, str(code), device=device, values_seed=0, timed=False)
        if g.status is not Status.CORRECT:
            problems.append(f"{where}: examples.accept[{k}] does not pass: " + " / ".join(g.feedback[:4]))
    for k, code in enumerate(question.examples.reject):
        g = grade(variant, str(code), device=device, values_seed=0, timed=False)
        if g.status is Status.CORRECT and enforced_budget(question, device) is None and question.memory_budget:
            continue  # it may break only the memory rule, which cannot be enforced here (the feedback says so)
        if g.status is Status.CORRECT:
            problems.append(f"{where}: examples.reject[{k}] passes every case")
    return problems



def _drawn_case_problems(question: CodeQuestion, device: str, first: Prepared, seeds: int = 8) -> list[str]:
    """The case drawn at grading time must exist and suit the reference for any values seed
    (`first`: values seed 0's preparation, already made by the caller)."""
    if not vary_ranges(question):
        return [f"{question.id}: no case is drawn at grading time: give `length:` (the sequence-length "
                "dimension) or `vary:` (dimensions and their [low, high] ranges)"]
    for values_seed in range(seeds):
        made = first if values_seed == 0 else prepare(question, 0, device, values_seed)
        if len(made.cases) != len(question.cases) + 1:
            ranges = ", ".join(f"{k} in {list(v)}" for k, v in vary_ranges(question).items())
            return [f"{question.id}: no drawn case ({ranges}) suits the reference for values seed {values_seed}; "
                    "narrow `vary:`"]
    return []
