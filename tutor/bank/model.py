"""The question-bank format: pydantic models at the YAML edge, frozen once loaded.

One model per `kind`; `Question` is the discriminated union of them. Every model
forbids unknown keys so that a typo in a bank file is reported, not ignored.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from tutor.bank.errors import did_you_mean

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
Topic = Literal["mha", "mqa", "gqa", "kv-cache", "attention"]
TOPICS: tuple[str, ...] = ("mha", "mqa", "gqa", "kv-cache", "attention")
KINDS: tuple[str, ...] = (
    "shape", "einsum", "numeric", "symbolic", "complexity", "choice", "text", "code", "statements", "multi",
)
Number = Union[int, float]
# A YAML scalar an instructor may write for an expression: `d/h`, `64`, `2*G*d^2/H`.
ExprText = Union[int, float, str]
PARAM_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Constraints live in the types (not in a validator over the whole dict) so that an
# error points at the one param that is wrong, and the JSON Schema states them too.
ParamName = Annotated[str, StringConstraints(pattern=PARAM_NAME_PATTERN)]
ParamValue = Union[Number, Annotated[list[Number], Field(min_length=1)]]


class _Strict(BaseModel):
    # defer_build: the validators are built when first used, not at import, so a command that finds
    # its questions in the bank cache (tutor.bank.cache) never pays for building them.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class FeedbackRule(_Strict):
    """A targeted reply to a known wrong answer (a misconception)."""

    answer: Any = Field(description="A wrong answer, written as the question's `answer` is.")
    message: str = Field(description="What to tell a learner who gave this answer.")
    score: int | None = Field(default=None, ge=1, le=4, description="Score to give instead of the grader's (1-4).")


class Examples(_Strict):
    """Fixtures `tutor validate` grades: `accept` must score 5, `reject` must not; `no_contradiction` must raise no warning."""

    accept: list[Any] = Field(default_factory=list)
    reject: list[Any] = Field(default_factory=list)
    no_contradiction: list[str] = Field(
        default_factory=list,
        description="Written (`text`) answers only: right answers that name a wrong belief to deny it "
                    "(`It does not differ in GQA`); no contradiction warning may fire on them.",
    )


class QuestionBase(_Strict):
    id: str = Field(pattern=ID_PATTERN, description="Unique over everything loaded.")
    kind: str
    topic: Topic
    prompt: str = Field(min_length=1, description="Markdown; `{name}` is replaced by a param; math in `$...$`.")
    difficulty: int = Field(default=3, ge=1, le=5)
    tags: list[str] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list, description="Shown one at a time.")
    explanation: str = Field(default="", description="Markdown, shown after grading.")
    source: str = Field(default="", description="What a learner can look up: a paper, an article or notebook by title, author and URL, a model card; not a bare file name.")
    params: dict[ParamName, ParamValue] = Field(
        default_factory=dict,
        description="name -> number, or name -> list of numbers; a variant draws one per list from its seed.",
    )
    feedback: list[FeedbackRule] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)

    def __hash__(self) -> int:
        # Frozen, but with list fields pydantic's field-wise hash would raise; ids are unique in a bank.
        return hash((type(self).__name__, self.id))


class ShapeQuestion(QuestionBase):
    kind: Literal["shape"]
    answer: list[ExprText] = Field(min_length=1, description="Dimensions in order: names, integers or expressions.")
    where: dict[str, ExprText] = Field(default_factory=dict, description="Declared equalities, e.g. {k: d/h}.")


class EinsumQuestion(QuestionBase):
    kind: Literal["einsum"]
    operands: dict[str, list[str]] = Field(
        min_length=1, description="Operand name -> its dimension names, in call order."
    )
    answer: str = Field(description="An einsum equation, e.g. `bnd,dhk->bhnk`.")


class Tolerance(_Strict):
    rel: float = Field(default=1e-3, ge=0, description="Relative tolerance (default 0.1%).")
    abs: float = Field(default=0.0, ge=0, description="Absolute tolerance (default 0).")


class SignificantRounding(_Strict):
    significant: int = Field(ge=1, le=15, description="Fewest significant digits a rounded answer may have.")


class DecimalsRounding(_Strict):
    decimals: int = Field(
        ge=0, le=12,
        description="The prompt fixes the rounding (\"Give two decimals\", \"to the nearest whole number\"): an "
                    "answer is correct when it rounds (half up) at this many decimals to what the exact value rounds "
                    "to; the tolerance is not used.",
    )


class NumericQuestion(QuestionBase):
    kind: Literal["numeric"]
    answer: ExprText = Field(description="A number or an expression over `params`.")
    tolerance: Tolerance | None = Field(
        default=None,
        description="Default: exact for an integer answer, rel 1e-3 otherwise.",
    )
    unit: Literal["bytes", "params", "flops", "s", "ms", "us", "ratio"] | None = Field(
        default=None,
        description=(
            "What the answer counts; enables the matching suffixes: bytes (B, KiB, GB, gibibytes, ...), "
            "params/flops (K, M, B, million, ...), a time in s/ms/us (`1.28 ms`, `900 us`, `µs`, `seconds`), "
            "a ratio (`8x`, `8×`, `8 times`)."
        ),
    )
    rounding: Literal["exact"] | SignificantRounding | DecimalsRounding | None = Field(
        default=None,
        description=(
            "How a rounded answer (`8.4M`, `4.3e9`) is read: `exact` accepts none (only the tolerance counts); "
            "`{significant: N}` accepts one the exact value rounds to, written with at least N significant digits. "
            "Default: at least 2 digits. A rounded answer that a feedback rule's value also rounds to is never "
            "accepted: the learner is asked for more digits. `{decimals: N}` for a prompt that fixes the rounding: "
            "correct when the answer and the exact value round to the same N-decimal number."
        ),
    )


class SymbolicQuestion(QuestionBase):
    kind: Literal["symbolic"]
    symbols: list[str] = Field(min_length=1, description="Symbols a learner may use (all positive).")
    where: dict[str, ExprText] = Field(default_factory=dict)
    answer: ExprText


class ComplexityQuestion(QuestionBase):
    kind: Literal["complexity"]
    symbols: list[str] = Field(min_length=1)
    where: dict[str, ExprText] = Field(default_factory=dict)
    assume: list[str] = Field(
        default_factory=list,
        description=(
            "Relations between monomials of the symbols used when dropping dominated terms, e.g. `G <= H`, "
            "`1 <= G <= H`, `M <= N*d` or `G*d_h <= d` "
            "(`<`, `<=`, `≤`, `>=`, `≥`). Every symbol is already at least 1; `G <= H` (KV heads at most "
            "query heads) is assumed whenever both are declared."
        ),
    )
    answer: str = Field(description="`O(...)` or a bare expression.")


class ChoiceQuestion(QuestionBase):
    kind: Literal["choice"]
    options: list[str] = Field(min_length=2)
    answer: str | list[str] = Field(description="One option's text, or a list of them.")
    shuffle: bool = True

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: list[str]) -> list[str]:
        if len(set(options)) != len(options):
            raise ValueError("options must be distinct")
        return options

    @field_validator("answer")
    @classmethod
    def _answer_in_options(cls, answer: str | list[str], info: ValidationInfo) -> str | list[str]:
        answers = [answer] if isinstance(answer, str) else answer
        if not answers:
            raise ValueError("give at least one option")
        options = info.data.get("options")
        if options is None:  # options themselves were invalid; that error is reported instead
            return answer
        for a in answers:
            if a not in options:
                raise ValueError(f"{a!r} is not one of the options{did_you_mean(a, options)}")
        return answer


class RubricPoint(_Strict):
    point: str = Field(description="What a good answer says.")
    match: list[str] = Field(min_length=1, description="Regexes (case-insensitive); any one matching earns the point.")
    weight: float = Field(default=1.0, gt=0)

    @field_validator("match")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"regex {p!r} does not compile: {exc}") from None
        return patterns


class Contradiction(_Strict):
    """A wrong belief a written answer may state; when its patterns match, the checklist warns."""

    statement: str = Field(description="The wrong claim, as a learner might put it, e.g. `MQA speeds up training as much`.")
    match: list[str] = Field(min_length=1, description="Regexes (case-insensitive); any one matching means it seems said.")
    why: str = Field(min_length=1, description="Why it is wrong, shown with the warning.")

    _compiles = field_validator("match")(RubricPoint._compiles.__func__)  # type: ignore[attr-defined]


class TextQuestion(QuestionBase):
    kind: Literal["text"]
    rubric: list[RubricPoint] = Field(min_length=1)
    contradictions: list[Contradiction] = Field(
        default_factory=list,
        description="Wrong claims an answer may make; a match is shown as a warning, never as a verdict.",
    )
    answer: str = Field(description="A model answer, shown after grading.")


class Statement(_Strict):
    text: str = Field(min_length=1, description="A claim the learner marks true or false.")
    true: bool = Field(description="Whether the claim is true.")
    why: str = Field(min_length=1, description="Why it is true or false; shown when the learner misjudges it.")

    @model_validator(mode="before")
    @classmethod
    def _yaml_true_key(cls, data: Any) -> Any:
        # YAML 1.1 reads the bare key `true:` as the boolean True; it means the field `true`.
        if isinstance(data, dict) and True in data and "true" not in data:
            return {("true" if k is True else k): v for k, v in data.items()}
        return data


class StatementsQuestion(QuestionBase):
    """Claims, each true or false; answered as a string of T/F, one per claim in order (`TFFT`)."""

    kind: Literal["statements"]
    statements: list[Statement] = Field(min_length=4, max_length=6, description="Four to six claims, shown in order.")

    @field_validator("statements")
    @classmethod
    def _both_kinds(cls, statements: list[Statement]) -> list[Statement]:
        texts = [s.text for s in statements]
        if len(set(texts)) != len(texts):
            raise ValueError("statements must be distinct")
        if all(s.true for s in statements):
            raise ValueError("every statement is true: give at least one false one")
        if not any(s.true for s in statements):
            raise ValueError("every statement is false: give at least one true one")
        return statements

    @property
    def answer(self) -> str:
        """The key as a learner types it: `T`/`F` per statement, in order."""
        return "".join("T" if s.true else "F" for s in self.statements)


class MultiQuestion(QuestionBase):
    """Select all that apply: `answer` lists the right options' texts; wrong picks cancel right ones."""

    kind: Literal["multi"]
    options: list[str] = Field(min_length=3)
    answer: list[str] = Field(
        min_length=1, description="The texts of every right option; at most half of the options."
    )
    shuffle: bool = True

    _distinct = field_validator("options")(ChoiceQuestion._distinct.__func__)  # type: ignore[attr-defined]

    @field_validator("answer")
    @classmethod
    def _answer_in_options(cls, answer: list[str], info: ValidationInfo) -> list[str]:
        if len(set(answer)) != len(answer):
            raise ValueError("an option is listed twice in the answer")
        checked = ChoiceQuestion._answer_in_options.__func__(cls, answer, info)  # type: ignore[attr-defined]
        options = info.data.get("options")
        if options is not None and 2 * len(answer) > len(options):
            raise ValueError(
                f"{len(answer)} of the {len(options)} options are right: give at least as many wrong options as right"
                " ones, so that picking everything earns nothing"
            )
        return checked


class TensorArg(_Strict):
    name: str
    shape: list[ExprText] = Field(description="Dimensions from the case, e.g. [b, s, d] or [d, d/h].")
    dtype: Literal["float32", "float64", "float16", "bfloat16", "int64", "int32"] = "float32"
    scale: float = Field(default=1.0, description="Standard deviation of the random normal values.")
    integers: Annotated[list[ExprText], Field(min_length=2, max_length=2)] | None = Field(
        default=None,
        description="An integer tensor of random values in [low, high] (inclusive; expressions over the case's "
        "dims), e.g. sequence lengths `[m, n]`. Needs an integer dtype.",
    )
    permutation: ExprText | None = Field(
        default=None,
        description="An integer tensor of distinct random ids from 0 .. N-1 (N an expression over the case's dims, "
        "at least the tensor's size), e.g. a block table's physical page ids. Needs an integer dtype.",
    )

    @model_validator(mode="after")
    def _integer_values(self) -> "TensorArg":
        integer = self.dtype.startswith("int")
        drawn = [name for name in ("integers", "permutation") if getattr(self, name) is not None]
        if len(drawn) > 1:
            raise ValueError("give `integers` or `permutation`, not both")
        if integer and not drawn:
            raise ValueError(f"an {self.dtype} tensor needs `integers: [low, high]` or `permutation: N`")
        if drawn and not integer:
            raise ValueError(f"`{drawn[0]}` makes integers: give an integer dtype (int64 or int32), not {self.dtype}")
        return self


class ValueArg(_Strict):
    name: str
    value: ExprText = Field(description="A case dimension name, an expression over them, or a literal.")


def _inline_dims_schema(schema: dict[str, Any]) -> None:
    """In YAML a case writes its dims inline (`{b: 2, s: 5, label: odd}`): say so in the JSON Schema."""
    schema["additionalProperties"] = {"type": "integer"}
    schema.pop("required", None)


class CodeCase(_Strict):
    """Dimension values for one run; `zero` names tensor args filled with zeros."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, json_schema_extra=_inline_dims_schema)

    label: str = ""
    zero: list[str] = Field(default_factory=list)
    dims: dict[str, int]

    @model_validator(mode="before")
    @classmethod
    def _collect_dims(cls, data: Any) -> Any:
        if isinstance(data, dict) and "dims" not in data:
            reserved = {"label", "zero"}
            dims = {k: v for k, v in data.items() if k not in reserved}
            rest = {k: v for k, v in data.items() if k in reserved}
            return {**rest, "dims": dims}
        return data


class DeviceTolerance(_Strict):
    rtol: float = Field(default=1e-4, ge=0)
    atol: float = Field(default=1e-5, ge=0)


class CodeTolerance(_Strict):
    cpu: DeviceTolerance = Field(default_factory=DeviceTolerance)
    cuda: DeviceTolerance = Field(default_factory=lambda: DeviceTolerance(rtol=2e-3, atol=2e-3))


class Mutant(_Strict):
    name: str = Field(description="Short id of the mistake, e.g. `no-scale`.")
    diagnosis: str = Field(description="Shown when a submission matches this mutant.")
    code: str = Field(description="A known-wrong implementation the cases must reject.")


class MemoryBudget(_Strict):
    """A structural rule the prompt states, checked as memory: the run may not use more than `mib` MiB."""

    mib: int = Field(gt=0, description="MiB the whole submission may allocate (its per-run cgroup's limit).")
    rule: str = Field(description="What going over it means, e.g. `it seems to build the full score matrix; "
                      "compute it block by block`: shown after `your code used more than N MiB:`.")


class CodeQuestion(QuestionBase):
    kind: Literal["code"]
    entry: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="The function name to define.")
    starter: str = Field(description="Code shown in the editor.")
    reference: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", description="`module:function`.")
    args: list[Annotated[Union[TensorArg, ValueArg], Field(union_mode="left_to_right")]] = Field(min_length=1)
    cases: list[CodeCase] = Field(min_length=1)
    tolerance: CodeTolerance = Field(default_factory=CodeTolerance)
    time_limit: float = Field(default=10.0, gt=0, description="Seconds of wall-clock time per submission.")
    memory_limit: int = Field(default=4096, gt=0, description="MiB of address space for the child.")
    memory_budget: MemoryBudget | None = Field(
        default=None,
        description="Enforces a memory rule the prompt states (e.g. never build the `[s, s]` matrix) through the "
        "sandbox's per-run cgroup; one case must be large enough that breaking the rule goes over it. Where no "
        "cgroup is available (or on cuda) the feedback says the rule could not be checked.",
    )
    mutants: list[Mutant] = Field(default_factory=list)
    answer: str = Field(description="A model solution (Python), shown after grading; must pass.")
    length: str | None = Field(
        default=None,
        description="The dimension that is a sequence length (e.g. `s`): `tutor validate` checks the cases cover "
        "length 1, 2-4, a middle one and one >= 16 for every head layout; the drawn case varies it.",
    )
    vary: dict[str, Annotated[list[int], Field(min_length=2, max_length=2)]] = Field(
        default_factory=dict,
        description="Dimensions redrawn in the extra case made at grading time, as [low, high] (inclusive); "
        "the other dimensions come from a case picked at random. Default: `length` from 1 to the longest "
        "case's length + 8.",
    )

    @model_validator(mode="after")
    def _dims_known(self) -> "CodeQuestion":
        names = set.intersection(*(set(c.dims) for c in self.cases))
        for name in ([self.length] if self.length else []) + list(self.vary):
            if name not in names:
                raise ValueError(f"{name!r} is not a dimension of every case (they have {sorted(names)})")
        for name, (low, high) in self.vary.items():
            if not 0 <= low <= high:
                raise ValueError(f"vary.{name}: need 0 <= low <= high, got [{low}, {high}]")
        return self


Question = Annotated[
    Union[
        ShapeQuestion,
        EinsumQuestion,
        NumericQuestion,
        SymbolicQuestion,
        ComplexityQuestion,
        ChoiceQuestion,
        TextQuestion,
        CodeQuestion,
        StatementsQuestion,
        MultiQuestion,
    ],
    Field(discriminator="kind"),
]

MODEL_FOR_KIND: dict[str, type[QuestionBase]] = {
    "shape": ShapeQuestion,
    "einsum": EinsumQuestion,
    "numeric": NumericQuestion,
    "symbolic": SymbolicQuestion,
    "complexity": ComplexityQuestion,
    "choice": ChoiceQuestion,
    "text": TextQuestion,
    "code": CodeQuestion,
    "statements": StatementsQuestion,
    "multi": MultiQuestion,
}


class BankFile(_Strict):
    """A whole bank file: optional `defaults` merged into each question, then `questions`."""

    defaults: dict[str, Any] = Field(default_factory=dict)
    questions: list[Question]
