"""The loader: good files load; every mistake in a bad one is reported at file:line:column, all at once."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.bank import (
    Bank,
    BankError,
    Problem,
    UnknownQuestion,
    bank_paths_from_env,
    builtin_bank_dir,
    load_bank,
    load_file,
)
from tutor.bank.loader import load_bank_with_problems

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?:(?P<id>[a-z0-9][a-z0-9._-]*|[^:]+): )?(?P<msg>.+)$")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(BankError) as info:
        load_file(path)
    return list(info.value.problems)


def only(problems: list[Problem], fragment: str) -> Problem:
    hits = [p for p in problems if fragment in p.message]
    assert len(hits) == 1, f"{fragment!r} in {[str(p) for p in problems]}"
    return hits[0]


GOOD = """
defaults:
  topic: mqa
  source: seed.txt
  tags: [seed]
questions:
  - id: wq-shape
    kind: shape
    difficulty: 2
    tags: [weights, seed]
    prompt: Shape of $W_q$ with $h$ heads?
    answer: [h, d, q]
  - id: kv-bytes
    kind: numeric
    topic: kv-cache
    prompt: "{L} layers, {H} heads: bytes per token?"
    params: {L: [24, 32], H: 16}
    answer: 2*L*H*128*2
    unit: bytes
  - id: pick
    kind: choice
    prompt: Which shares K/V?
    options: [MHA, MQA]
    answer: MQA
"""


def test_a_good_file_loads_with_defaults_merged(tmp_path: Path) -> None:
    path = write(tmp_path, "good.yaml", GOOD)
    questions = load_file(path)
    assert [q.id for q in questions] == ["wq-shape", "kv-bytes", "pick"]
    shape, numeric, choice = questions
    assert shape.topic == "mqa" and shape.source == "seed.txt"
    assert shape.tags == ["seed", "weights"]  # defaults first, each tag once
    assert numeric.topic == "kv-cache"  # the question's own key wins
    assert choice.tags == ["seed"] and choice.difficulty == 3


def test_bank_get_select_and_location(tmp_path: Path) -> None:
    path = write(tmp_path, "good.yaml", GOOD)
    bank = load_bank([path], builtin=False)
    assert isinstance(bank, Bank) and len(bank) == 3 and "pick" in bank
    assert bank.get("pick").kind == "choice"
    assert [q.id for q in bank.select(kinds=["numeric", "choice"])] == ["kv-bytes", "pick"]
    assert [q.id for q in bank.select(topics=["mqa"], difficulty=(1, 2))] == ["wq-shape"]
    file, line = bank.location("kv-bytes")
    assert Path(file).resolve() == path.resolve() and line == 12
    with pytest.raises(UnknownQuestion) as info:
        bank.get("kv-byte")
    assert isinstance(info.value, KeyError)
    assert str(info.value) == "unknown question id 'kv-byte' (did you mean 'kv-bytes'?)"
    with pytest.raises(ValueError, match="unknown topic 'mqq' \\(did you mean 'mqa'"):
        bank.select(topics=["mqq"])


def test_malformed_yaml_reports_the_parsers_position(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", """
        questions:
          - id: a
            answer: [b, h
            prompt: x
        """)
    [problem] = problems_of(path)
    assert problem.message.startswith("malformed YAML:") and "flow sequence" in problem.message
    assert (problem.line, problem.column) == (4, 11)  # the ':' of `prompt:`, where the parser gave up
    assert str(problem).startswith(f"{problem.path}:4:11: malformed YAML")


@pytest.mark.parametrize(
    ("text", "fragment", "where"),
    [
        ("", "empty file", (1, 1)),
        ("- a\n- b\n", "the top level must be a mapping with a `questions:` list, got a list", (1, 1)),
        ("defaults: {topic: mha}\n", "missing `questions:`", (1, 1)),
        ("questions: {id: a}\n", "questions: expected a list of questions, got a mapping", (1, 12)),
        ("questions: []\nquestion: []\n", "unknown top-level key 'question' (did you mean 'questions'?)", (2, 1)),
        ("questions:\n  - just text\n", "questions[0]: expected a mapping (a question), got the text 'just text'", (2, 5)),
    ],
)
def test_top_level_shape(tmp_path: Path, text: str, fragment: str, where: tuple[int, int]) -> None:
    path = write(tmp_path, "top.yaml", text)
    problem = only(problems_of(path), fragment)
    assert (problem.line, problem.column) == where
    assert problem.question_id is None


BAD = """
defaults:
  topic: mha
  tolerence: {rel: 0.1}
  id: nope
questions:
  - id: a-shape
    kind: shape
    prompt: Shape?
    answr: [b, h]
    difficulty: 7
  - id: b-kind
    kind: shap
    prompt: x
  - id: Bad_ID
    kind: text
    prompt: p
    rubric: [{point: a, match: ["(unclosed"]}]
    answer: x
  - id: c-numeric
    kind: numeric
    prompt: "{h} heads"
    params: {h: [], g: ~, 2x: 3}
    answer: [1, 2]
    tolerance: {rel: -1}
    unit: byte
    feedback:
      - answer: 3
        mesage: hi
  - id: d-choice
    kind: choice
    topic: MHA
    prompt: Pick
    options: ["yes", maybe]
    answer: Maybe
  - prompt: no id
    kind: shape
    answer: [a]
"""


def test_every_mistake_is_reported_at_once_at_its_position(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", BAD)
    problems = problems_of(path)
    expect = [
        (3, 3, None, "defaults: unknown key 'tolerence' (did you mean 'tolerance'"),
        (4, 3, None, "defaults: cannot set `id`"),
        (6, 5, "a-shape", "missing required field 'answer'"),
        (9, 5, "a-shape", "unknown key 'answr' (did you mean 'answer'?)"),
        (10, 17, "a-shape", "difficulty: must be <= 5, got 7"),
        (12, 11, "b-kind", "kind: unknown kind 'shap' (did you mean 'shape'?)"),
        (14, 9, "Bad_ID", "id 'Bad_ID' may contain only lower-case letters"),
        (17, 32, "Bad_ID", "rubric[0].match: regex '(unclosed' does not compile"),
        (22, 17, "c-numeric", "params.h: must not be empty"),
        (22, 24, "c-numeric", "params.g: expected a number or a list, got nothing"),
        (22, 27, "c-numeric", "params: name '2x' must be an identifier"),
        (23, 13, "c-numeric", "answer: expected a number or a string, got a list"),
        (24, 22, "c-numeric", "tolerance.rel: must be >= 0"),
        (25, 11, "c-numeric", "unit: 'byte' is not one of: bytes, params, flops, s, ms, us, ratio (did you mean 'bytes'?)"),
        (27, 9, "c-numeric", "feedback[0]: missing required field 'message'"),
        (28, 9, "c-numeric", "feedback[0]: unknown key 'mesage' (did you mean 'message'?)"),
        (31, 12, "d-choice", "topic: 'MHA' is not one of: mha, mqa, gqa, kv-cache, attention (did you mean 'mha'"),
        (34, 13, "d-choice", "answer: 'Maybe' is not one of the options (did you mean 'maybe'?)"),
        (35, 5, None, "missing required field 'id'"),
    ]
    got = [(p.line, p.column, p.question_id, p.message) for p in problems]
    for line, col, qid, fragment in expect:
        assert any((l, c, i) == (line, col, qid) and fragment in m for l, c, i, m in got), (
            f"missing {line}:{col} {qid} {fragment!r}; got:\n" + "\n".join(map(str, problems))
        )
    assert len(problems) == len(expect), "\n".join(map(str, problems))
    assert all(Path(p.path).resolve() == path.resolve() for p in problems)


def test_bank_error_prints_one_problem_per_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", BAD)
    with pytest.raises(BankError) as info:
        load_file(path)
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.problems) > 10
    for line in lines:
        assert LINE.match(line), line
    assert Problem("f.yaml", 3, 4, None, "boom").__str__() == "f.yaml:3:4: boom"
    assert str(Problem("f.yaml", 3, 4, "q-1", "boom")) == "f.yaml:3:4: q-1: boom"


def test_wrong_types_say_what_was_expected_and_what_was_found(tmp_path: Path) -> None:
    path = write(tmp_path, "types.yaml", """
        questions:
          - id: t
            kind: symbolic
            topic: gqa
            prompt: [not, text]
            symbols: d
            answer: 2*d
            hints:
              - Per token: one key
            shuffle: true
            tags: [yes, ok]
        """)
    problems = problems_of(path)
    assert only(problems, "prompt: expected a string, got a list").line == 5
    assert only(problems, "symbols: expected a list, got the text 'd'").line == 6
    hint = only(problems, "hints[0]: expected a string, got a mapping")
    assert "put the text in quotes" in hint.message and (hint.line, hint.column) == (9, 9)
    assert only(problems, "unknown key 'shuffle'").line == 10
    boolean = only(problems, "tags[0]: expected a string, got the boolean true")
    assert "YAML reads unquoted yes/no/on/off/true/false as booleans" in boolean.message


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", "questions:\n  - {id: same, kind: choice, topic: mha, prompt: p, options: [x, y], answer: x}\n")
    second = write(tmp_path, "b.yaml", """
        questions:
          - id: other
            kind: choice
            topic: mha
            prompt: p
            options: [x, y]
            answer: x
          - id: same
            kind: choice
            topic: mha
            prompt: p
            options: [x, y]
            answer: y
        """)
    with pytest.raises(BankError) as info:
        load_bank([tmp_path], builtin=False)
    [problem] = info.value.problems
    assert Path(problem.path).resolve() == second.resolve() and problem.line == 8
    assert problem.question_id == "same"
    assert f"{first.name}:2" in problem.message and "duplicate id 'same'" in problem.message


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.yaml", """
        questions:
          - id: d
            kind: choice
            topic: mha
            prompt: p
            options: [x, y]
            answer: x
            answer: y
        """)
    problem = only(problems_of(path), "duplicate key 'answer' (first written at line 7)")
    assert (problem.line, problem.question_id) == (8, "d")


def test_placeholders_need_params_outside_math_and_code(tmp_path: Path) -> None:
    path = write(tmp_path, "ph.yaml", r"""
        questions:
          - id: ph
            kind: numeric
            topic: mha
            prompt: 'With {h} heads, $\sqrt{d}$ and `f"{x}"` and {{literal}}: {nn}?'
            params: {h: [8, 16], n: 3, m: [1, 2]}
            answer: h*n
            hints: ["Use {hh}."]
            explanation: "The {h} heads."
        """)
    problems = problems_of(path)
    assert len(problems) == 3, "\n".join(map(str, problems))
    prompt = only(problems, "prompt: placeholder {nn} has no param (did you mean 'n'?)")
    assert (prompt.line, prompt.question_id) == (5, "ph")
    assert only(problems, "hints[0]: placeholder {hh} has no param").line == 8
    unused = only(problems, "params.m: varies between variants but the prompt never shows it")
    assert (unused.line, unused.column) == (6, 32)  # at the key `m`


def test_errors_in_defaults_point_at_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "defaults.yaml", """
        defaults:
          topic: mhaa
          unit: bytes
        questions:
          - id: s
            kind: shape
            prompt: p
            answer: [a]
          - id: n
            kind: numeric
            prompt: p
            answer: 3
        """)
    problems = problems_of(path)
    # The bad default is reported once per question it reaches, at its own line; `unit` is
    # skipped for the shape question (a kind without that field), so no unknown-key error.
    assert {(p.line, p.column, p.question_id) for p in problems} == {(2, 10, "s"), (2, 10, "n")}
    assert all("topic: 'mhaa' is not one of" in p.message for p in problems)


def test_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _bank, problems = load_bank_with_problems([tmp_path / "nope.yaml", tmp_path / "empty"], builtin=False)
    assert [p.message for p in problems] == ["no such file or folder", "folder has no .yaml or .yml files"]


def test_folders_load_every_yaml_file_sorted_and_recursively(tmp_path: Path) -> None:
    for name, qid in (("b.yml", "q-b"), ("a.yaml", "q-a"), ("sub/c.yaml", "q-c")):
        write(tmp_path, name, f"questions:\n  - {{id: {qid}, kind: choice, topic: mha, prompt: p, options: [x, y], answer: x}}\n")
    write(tmp_path, "notes.txt", "not a bank")
    bank = load_bank([tmp_path, tmp_path / "a.yaml"], builtin=False)  # a file named twice is read once
    assert [q.id for q in bank] == ["q-a", "q-b", "q-c"]
    assert len(bank.files) == 3


def test_bank_paths_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    monkeypatch.setenv("TUTOR_BANK", f"{tmp_path / 'a.yaml'}{os.pathsep}{os.pathsep}{tmp_path / 'more'}")
    assert bank_paths_from_env() == [tmp_path / "a.yaml", tmp_path / "more"]
    monkeypatch.delenv("TUTOR_BANK")
    assert bank_paths_from_env() == []


def test_builtin_bank_dir_is_the_question_bank_package() -> None:
    folder = builtin_bank_dir()
    assert folder.name == "question_bank" and (folder / "__init__.py").is_file()


def test_the_builtin_bank_loads_cleanly() -> None:
    bank = load_bank()
    assert len(bank) > 0
    assert len(set(bank.ids)) == len(bank)


def test_a_file_that_is_not_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("questions: []\n# caf\xe9\n".encode("latin-1"))
    [problem] = problems_of(path)
    assert "not UTF-8" in problem.message


# Arbitrary YAML documents: the loader answers with questions or a BankError, never a traceback.
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "{h}", "mha", "shape", "numeric", "choice", "a-b", "[b, h]", "d/h", "O(n^2)"]),
)
_keys = st.sampled_from(
    ["id", "kind", "topic", "prompt", "answer", "params", "options", "feedback", "examples", "where",
     "operands", "symbols", "rubric", "tolerance", "hints", "tags", "difficulty", "cases", "args", "junk"]
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=4), max_leaves=12
)
_documents = st.one_of(
    _values,
    st.fixed_dictionaries({"questions": st.lists(st.dictionaries(_keys, _values, max_size=8), max_size=3)},
                          optional={"defaults": st.dictionaries(_keys, _values, max_size=3)}),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_documents)
def test_arbitrary_documents_never_crash_the_loader(tmp_path: Path, document: object) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    try:
        load_file(path)
    except BankError as exc:
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1 and problem.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list("questions:id-kind[]{}\n \t'\"#&*!|>%@`,?\\x9")), max_size=80))
def test_arbitrary_text_never_crashes_the_loader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "noise.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_file(path)
    except BankError as exc:
        assert all(p.line >= 1 and p.column >= 1 for p in exc.problems)


def test_questions_are_hashable(tmp_path: Path) -> None:
    questions = load_file(write(tmp_path, "good.yaml", GOOD))
    assert len({*questions, *questions}) == 3


def test_absurdly_deep_nesting_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    # libyaml would overflow the C stack on this; the loader must answer with a problem.
    path = tmp_path / "deep.yaml"
    path.write_text("questions: " + "[" * 60000 + "]" * 60000 + "\n", encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.message == "malformed YAML: collections nested too deeply to read"
