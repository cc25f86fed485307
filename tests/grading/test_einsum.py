"""Einsum grading: accepted, rejected and unreadable answers, and the analysis checked against torch.einsum."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.bank.model import EinsumQuestion, FeedbackRule
from tutor.bank.variant import make_variant
from tutor.grading import grade as grade_with_rules
from tutor.grading.einsum import grade
from tutor.grading.einsum_analysis import EinsumError, analyse, equivalent, parse_equation
from tutor.grading.grade import Status


def question(qid: str, operands: dict[str, list[str]], answer: str, **extra) -> EinsumQuestion:
    return EinsumQuestion(id=qid, kind="einsum", topic="mqa", prompt="Write the einsum.", operands=operands, answer=answer, **extra)


# The seeds' Problem 4 (c)-(e): MQA projections of one decoding step.
P4C = question("p4c", {"x": ["b", "d"], "W_q": ["h", "d", "q"]}, 'torch.einsum("bd,hdq->bhq", x, W_q)')
P4D = question("p4d", {"x": ["b", "d"], "W_k": ["d", "k"]}, 'torch.einsum("bd,dk->bk", x, W_k)')
P4E = question("p4e", {"x": ["b", "d"], "W_v": ["d", "v"]}, 'torch.einsum("bd,dv->bv", x, W_v)')
SCORES = question("scores", {"Q": ["b", "h", "n", "k"], "K": ["b", "h", "m", "k"]}, "bhnk,bhmk->bhnm")
GQA = question("gqa-scores", {"q": ["b", "g", "r", "n", "k"], "K": ["b", "g", "m", "k"]}, "bgrnk,bgmk->bgrnm")
OUT = question("out-proj", {"o": ["b", "n", "d"], "W_o": ["d", "d"]}, "bnd,de->bne")
QUESTIONS = {q.id: q for q in (P4C, P4D, P4E, SCORES, GQA, OUT)}

ACCEPT = [
    ("p4c", 'torch.einsum("bd,hdq->bhq", x, W_q)'),
    ("p4c", "bd,hdq->bhq"),
    ("p4c", "  b d , h d q -> b h q  "),
    ("p4c", "np.einsum('BD,HDQ->BHQ', x, W_q)"),
    ("p4c", "torch.einsum('bd,hdq->bhq', [x, W_q])"),
    ("p4c", 'torch.einsum("hdq,bd->bhq", W_q, x)'),
    ("p4c", "bd,hdq"),  # implicit output: b, h, q appear once, in alphabetical order
    ("p4c", "...d,hdq->...hq"),
    ("p4c", "Q = jnp.einsum('zi,hiq->zhq', x, W_q)"),
    ("p4d", 'torch.einsum("bd,dk->bk", x, W_k)'),
    ("p4d", "numpy.einsum('ij,jk->ik', x, W_k)"),
    ("p4d", "`einsum(\"bd,dk\", x, W_k)`"),
    ("p4d", "```python\ntorch.einsum('bd,dk->bk', x, W_k)\n```"),
    ("p4e", 'torch.einsum("bd,dv->bv", x, W_v)'),
    ("p4e", '"bd,dv->bv"'),
    ("p4e", "bd,dv→bv"),
    ("scores", "bhqd,bhkd->bhqk"),
    ("scores", "torch.einsum('...nk,...mk->...nm', Q, K)"),
    ("gqa-scores", "bgrnk,bgmk->bgrnm"),
    ("gqa-scores", "BGRQD,BGKD->BGRQK"),
    ("out-proj", "bnd,de->bne"),
    ("out-proj", "xyi,ij->xyj"),
]

REJECT = [
    ("p4c", "bd,hdq->bqh", 0.5, "axes 1 and 2 (q and h) are swapped"),
    ("p4c", "bd,hdq->hbq", 0.5, "swapped"),
    ("p4c", "bd,hdq->bq", 0.25, "you sum away h"),
    ("p4c", "bd,hdq->bhdq", 0.25, "you keep d"),
    ("p4c", "bi,hjq->bhq", 0.0, "must share one letter"),
    ("p4c", "bd,dhq->bhq", 0.0, "letter d is bound to both d and h"),
    ("p4c", "bd,hdq->q", 0.25, "you sum away b"),
    ("p4d", "bd,dk->bdk", 0.25, "you keep d (letter d) in the output, but it should be contracted"),
    ("p4d", "bd,dk->kb", 0.5, "swapped"),
    ("p4d", "bd,dk->b", 0.25, "you sum away k"),
    ("p4d", "kd,dj", 0.5, "swapped"),  # implicit output 'jk' puts W_k's k before x's b
    ("p4e", "bd,vd->bv", 0.0, "letter d is bound to both d and v"),
    ("scores", "bhnk,bhmk->bhmn", 0.5, "swapped"),
    ("scores", "bhnk,bhnk->bhn", 0.0, "letter n is bound to both n and m"),
    ("scores", "bhnk,bhmk->bhnmk", 0.25, "you keep k"),
    ("gqa-scores", "bhrnk,bgmk->bgrnm", 0.0, "must share one letter"),
    ("out-proj", "bnd,ed->bne", 0.0, ""),
    ("out-proj", "bnd,dd->bnd", 0.0, "should be separate"),
]

WRONG_RANK = [  # readable equations that give an operand the wrong number of axes: wrong, not unreadable
    ("p4c", "bd,hd->bh", "W_q has 3 axes [h, d, q] but 'hd' has 2 letters", 3),
    ("p4c", "bdx,hdq->bhq", "x has 2 axes [b, d] but 'bdx' has 3 letters", 0),
    ("p4d", "bd,hdk->bhk", "W_k has 2 axes [d, k] but 'hdk' has 3 letters", 3),
    ("scores", "bhnkk...,bhmk->bhnm", "letters besides '...'", 0),
]


INVALID = [
    ("p4c", "", "empty", 0),
    ("p4c", "   ", "empty", 0),
    ("p4c", "bd,hdq->bhx", "output letter x does not appear", 10),
    ("p4c", "bd,hdq->bhh", "output letter h appears twice", 10),
    ("p4c", "bd,hdq,q->bhq", "3 operand terms", None),
    ("p4c", "b_d,hdq->bhq", "'_' cannot appear", 1),
    ("p4c", "bd,hdq->b,h", "a comma after '->'", 9),
    ("p4c", "bd,hdq->bh->q", "a second '->'", 10),
    ("p4c", "bd,hdq=>bhq", "'=' cannot appear", 6),
    ("p4c", "b..d,hdq->bhq", "three dots", 1),
    ("p4c", "...b...,hdq->bhq", "'...' only once", 4),
    ("p4c", 'torch.einsum("bd,hdq->bhq", W_q, x)', "you passed W_q first but the equation describes x first", 28),
    ("p4c", 'torch.einsum("bd,hdq->bhq", x, Wq)', "unknown operand Wq: the operands are x, W_q", 31),
    ("p4c", 'torch.einsum("bd,hdq->bhq", x)', "missing: W_q", None),
    ("p4c", 'torch.einsum("bd,hdq->bhq", x, w_q)', "did you mean W_q? case matters", 31),
    ("p4c", 'torch.einsum("bd,hdq->bhq", x, x)', "x is passed twice", 31),
    ("p4c", "torch.matmul(x, W_q)", "not torch.matmul", 0),
    ("p4c", 'torch.einsum("bd,hdq->bhq", x, W_q', "not a valid einsum call", 12),
    ("p4c", "torch.einsum(x, [0, 1], W_q, [2, 1, 3])", "the equation as a string", 13),
    ("p4c", "torch.einsum()", "no arguments", None),
    ("p4c", 'torch.einsum("bd,hdq->bhq", x, W_q, out=y, foo=1)', "keyword argument foo", None),
    ("p4c", "x" * 1001, "too long", 1000),
    ("p4d", "import os", "1 operand term", None),
    ("p4d", "print(x, W_k)", "not print", 0),
    ("p4d", 'torch.einsum("bd,dk->bk", x, W_k); print(1)', "single einsum call", 0),
]


def _short(value: object) -> str | None:
    """Readable test ids for long answers."""
    return value[:24] + "..." if isinstance(value, str) and len(value) > 24 else None


def _variant(qid: str):
    return make_variant(QUESTIONS[qid], seed=0)


@pytest.mark.parametrize(("qid", "answer"), ACCEPT, ids=_short)
def test_accepts_equivalent_answers(qid: str, answer: str) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.CORRECT, result.feedback
    assert result.score == 5
    assert result.feedback[0].startswith("right:")


@pytest.mark.parametrize(("qid", "answer", "fraction", "phrase"), REJECT, ids=_short)
def test_rejects_wrong_answers_and_says_why(qid: str, answer: str, fraction: float, phrase: str) -> None:
    result = grade(_variant(qid), answer)
    assert result.status in (Status.INCORRECT, Status.PARTIAL)
    assert result.fraction == fraction
    assert phrase in " | ".join(result.feedback)
    assert result.score < 5


@pytest.mark.parametrize(("qid", "answer", "phrase", "position"), INVALID, ids=_short)
def test_unreadable_answers_are_invalid_with_a_place(qid: str, answer: str, phrase: str, position: int | None) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.INVALID
    assert phrase in result.feedback[0]
    if position is not None:
        assert result.position == position


def test_implicit_output_follows_numpy_rules() -> None:
    # Letters that appear once, in alphabetical order: 'kd,db' gives 'bk', W_k's axis before x's.
    assert grade(_variant("p4d"), "ad,dk").status is Status.CORRECT  # output 'ak': [b, k]
    result = grade(_variant("p4d"), "kd,db")
    assert result.interpreted.startswith("kd,db->bk")
    assert result.details["output"] == ["k", "b"]
    assert "swapped" in " ".join(result.feedback)


def test_upper_case_sorts_before_lower_case_in_implicit_output() -> None:
    analysis = analyse(parse_equation("Ab,ab"), [("x", ["m", "d"]), ("y", ["n", "d"])])
    assert analysis.output_dims() == ("m", "n")


def test_interpreted_and_expected_are_canonical() -> None:
    result = grade(_variant("p4c"), "torch.einsum('bd,hdq', x, W_q)")
    assert result.interpreted == "bd,hdq->bhq  (x[b, d], W_q[h, d, q] -> [b, h, q])"
    assert result.expected == "bd,hdq->bhq  (x[b, d], W_q[h, d, q] -> [b, h, q])"
    assert result.feedback[0] == "right: x[b, d], W_q[h, d, q] -> [b, h, q], summing over d"


def test_reordered_operands_with_matching_terms_are_noted() -> None:
    result = grade(_variant("p4c"), 'torch.einsum("hdq,bd->bhq", W_q, x)')
    assert result.status is Status.CORRECT
    assert any("you passed the operands as W_q, x" in line for line in result.feedback)


def test_summing_the_ellipsis_away_is_explained() -> None:
    result = grade(_variant("p4c"), "...d,hdq->hq")
    assert "the axes under '...' are summed away" in " ".join(result.feedback)
    assert result.status is Status.PARTIAL


def test_repeated_dimension_names_are_told_apart() -> None:
    result = grade(_variant("out-proj"), "bnd,ed->bne")
    assert result.status is Status.INCORRECT
    text = " ".join(result.feedback)
    assert "axis 2 of o (d) and axis 0 of W_o (d) must share one letter" in text


def test_expected_override_uses_the_same_equivalence() -> None:
    variant = _variant("p4d")
    assert grade(variant, "ij,jk->ijk", expected="bd,dk->bdk").status is Status.CORRECT
    assert grade(variant, "bd,dk->bk", expected="bd,dk->bdk").status is not Status.CORRECT


def test_feedback_rules_match_misconceptions() -> None:
    q = question(
        "p4d-rule",
        {"x": ["b", "d"], "W_k": ["d", "k"]},
        "bd,dk->bk",
        feedback=[FeedbackRule(answer="bd,dk->bdk", message="Contract d: it is the shared inner dimension.")],
    )
    result = grade_with_rules(make_variant(q, 0), "xy,yz->xyz")
    assert result.feedback[0] == "Contract d: it is the shared inner dimension."


def test_a_broken_answer_key_is_a_bank_error() -> None:
    q = question("broken", {"x": ["b", "d"]}, "bd,dk->bk")
    with pytest.raises(ValueError, match="does not fit the operands"):
        grade(make_variant(q, 0), "bd->b")


# ---- the analysis against real torch.einsum -------------------------------------------------

SIZES = {"a": 2, "b": 3, "c": 4, "d": 5}  # distinct sizes, none 1, so a wrong binding cannot broadcast
POOLS = {"a": "aA", "b": "bB", "c": "cC", "d": "dD"}  # letters that stay within one dimension name
ALL_LETTERS = "".join(POOLS.values())


@st.composite
def problems(draw):
    """Operands with named dims, and two equations over them (the second often a relabelling of the first)."""
    n_ops = draw(st.integers(1, 3))
    operands = [(f"t{i}", draw(st.lists(st.sampled_from(sorted(SIZES)), max_size=3))) for i in range(n_ops)]
    first = draw(equations(operands))
    kind = draw(st.sampled_from(["relabel", "permute-output", "independent"]))
    if kind == "relabel":
        perm = draw(st.permutations(ALL_LETTERS))
        table = str.maketrans(ALL_LETTERS, "".join(perm))
        second = first.translate(table)
    elif kind == "permute-output" and "->" in first:
        ins, out = first.split("->")
        parts = out.split("...")
        letters = list("".join(parts))
        shuffled = draw(st.permutations(letters))
        second = ins + "->" + ("..." if len(parts) == 2 else "") + "".join(shuffled)
    else:
        second = draw(equations(operands))
    return operands, first, second


@st.composite
def equations(draw, operands):
    wild = draw(st.booleans())  # sometimes ignore the pools: letters may bind two dimension names
    terms = []
    for _, dims in operands:
        letters = [draw(st.sampled_from(ALL_LETTERS if wild and draw(st.booleans()) else POOLS[d])) for d in dims]
        if draw(st.integers(0, 15)) == 0:  # now and then a term with one letter too few or too many
            letters = letters[:-1] if letters and draw(st.booleans()) else [*letters, "a"]
        cut = draw(st.integers(0, len(letters))) if draw(st.integers(0, 3)) == 0 else 0
        terms.append(("..." if cut else "") + "".join(letters[cut:]))
    used = sorted({c for t in terms for c in t if c != "."})
    if draw(st.integers(0, 3)) == 0:
        return ",".join(terms)
    out = draw(st.lists(st.sampled_from(used), unique=True, max_size=len(used))) if used else []
    if any("..." in t for t in terms) and draw(st.booleans()):
        out.insert(draw(st.integers(0, len(out))), "...")
    return ",".join(terms) + "->" + "".join(out)


def _torch_result(torch, operands, tensors, equation):
    try:
        return torch.einsum(equation, *tensors)
    except RuntimeError:
        return None


@settings(max_examples=int(os.environ.get("EINSUM_EXAMPLES", "200")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_analysis_agrees_with_torch_einsum(problem) -> None:
    torch = pytest.importorskip("torch")
    operands, first, second = problem
    gen = torch.Generator().manual_seed(0)
    tensors = [torch.randn([SIZES[d] for d in dims], generator=gen, dtype=torch.float64) for _, dims in operands]
    results = []
    analyses = []
    for eq in (first, second):
        result = _torch_result(torch, operands, tensors, eq)
        try:
            analysis = analyse(parse_equation(eq), operands)
        except EinsumError:
            assert result is None, f"{eq!r}: torch accepts what the analysis refuses"
            analysis = None
        if analysis is not None:
            # a letter bound to two dimension names is exactly what torch refuses here
            assert (result is None) == bool(analysis.conflicts), eq
            if result is not None:
                assert list(result.shape) == [SIZES[d] for d in analysis.output_dims()], eq
        results.append(result)
        analyses.append(analysis)
    (r1, r2), (a1, a2) = results, analyses
    if r1 is None or r2 is None:
        return
    same = r1.shape == r2.shape and torch.allclose(r1, r2, rtol=1e-9, atol=1e-9)
    assert equivalent(a1, a2) == same, (first, second)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*"bdhqkx.,->()[]'\" →_WQ1", "...", "torch.einsum(", "W_q", "np.einsum"]), max_size=30).map("".join)
    | st.text(max_size=60)
)
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = grade(_variant("p4c"), text)
    assert 1 <= result.score <= 5
    if result.status is Status.INVALID and result.position is not None:
        assert 0 <= result.position <= max(len(text), 1000)


@pytest.mark.parametrize(("qid", "answer", "phrase", "position"), WRONG_RANK, ids=_short)
def test_a_term_with_the_wrong_rank_is_wrong_and_says_which_operand(qid: str, answer: str, phrase: str, position: int | None) -> None:
    result = grade(_variant(qid), answer)
    assert result.status is Status.INCORRECT
    assert result.score == 1
    assert phrase in " ".join(result.feedback)


@pytest.mark.parametrize("arrow", ["−>", "⟶", "⇒"])
def test_other_typed_arrows_are_read(arrow: str) -> None:
    from tutor.grading.einsum_analysis import parse_equation

    equation = parse_equation(f"bd,dv{arrow}bv")
    assert equation.arrow == 5
    assert len(equation.inputs) == 2 and equation.output is not None
