"""Read question-bank YAML files into frozen Questions, reporting every mistake at once.

Each file is composed into YAML nodes (which carry line and column) and constructed
into plain data; each question is checked by the pydantic model of its `kind`. A
pydantic error location is a path into the data, so the same path walked through
the nodes gives the line and column to report. Nothing here raises on a bad file
except `BankError`, which carries every problem found in everything loaded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from pydantic import ValidationError

from tutor.bank.cache import read_file_cached
from tutor.bank.errors import BankError, Problem, UnknownQuestion, did_you_mean
from tutor.bank.model import KINDS, MODEL_FOR_KIND, TOPICS, ChoiceQuestion, QuestionBase
from tutor.bank.variant import placeholders
from tutor.notation.spans import MATH_OR_CODE, PLACEHOLDER

if TYPE_CHECKING:
    import yaml

# libyaml's parser is several times faster than the pure-Python one; both keep marks. PyYAML is
# imported where a file is parsed: a bank found in the cache (tutor.bank.cache) needs none of it.

ENV_VAR = "TUTOR_BANK"
BANK_SUFFIXES = (".yaml", ".yml")
TOP_LEVEL_KEYS = ("defaults", "questions")
# Every key some kind of question accepts.
QUESTION_KEYS: tuple[str, ...] = tuple(dict.fromkeys(k for m in MODEL_FOR_KIND.values() for k in m.model_fields))
# `defaults:` may set any of them but `id` (unique) and `kind` (each question says what it is).
DEFAULT_KEYS: tuple[str, ...] = tuple(k for k in QUESTION_KEYS if k not in ("id", "kind"))



# --- the loaded bank ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bank:
    """Every question loaded, in file order, with where each one is written."""

    questions: tuple[QuestionBase, ...] = ()
    locations: Mapping[str, tuple[str, int]] = field(default_factory=dict, repr=False, compare=False)
    files: tuple[str, ...] = ()
    _by_id: dict[str, QuestionBase] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[QuestionBase]:
        return iter(self.questions)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def get(self, question_id: str) -> QuestionBase:
        """The question with this id; `UnknownQuestion` (a KeyError) names the closest ids."""
        try:
            return self._by_id[question_id]
        except KeyError:
            raise UnknownQuestion(question_id, list(self._by_id)) from None

    def select(
        self,
        topics: Iterable[str] = (),
        kinds: Iterable[str] = (),
        difficulty: tuple[int, int] = (1, 5),
        tags: Iterable[str] = (),
    ) -> tuple[QuestionBase, ...]:
        """Questions of any of `topics`, any of `kinds` and carrying any of `tags` (each empty: all),
        difficulty within the bounds.

        An unknown topic or kind, or a tag no question carries, is a ValueError naming the closest
        one, not an empty result.
        """
        topics, kinds, tags = tuple(topics), tuple(kinds), tuple(tags)
        for name, given, known in (("topic", topics, TOPICS), ("kind", kinds, KINDS), ("tag", tags, self.tags)):
            for value in given:
                if value not in known:
                    raise ValueError(
                        f"unknown {name} {value!r}{did_you_mean(value, known)}; {name}s: {', '.join(known)}"
                    )
        low, high = difficulty
        return tuple(
            q
            for q in self.questions
            if (not topics or q.topic in topics)
            and (not kinds or q.kind in kinds)
            and (not tags or not set(tags).isdisjoint(q.tags))
            and low <= q.difficulty <= high
        )

    @property
    def tags(self) -> tuple[str, ...]:
        """Every tag some question carries, sorted."""
        return tuple(sorted({t for q in self.questions for t in q.tags}))

    def location(self, question_id: str) -> tuple[str, int]:
        """(file, line) where the question starts."""
        self.get(question_id)
        return self.locations[question_id]


# --- where banks are --------------------------------------------------------------------------


def builtin_bank_dir() -> Path:
    """The installed `question_bank` package folder (works for editable and regular installs).

    Found from the package's import spec, without importing it (nor `importlib.resources`,
    which costs a start-up more than the whole lookup).
    """
    from importlib.util import find_spec

    spec = find_spec("question_bank")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    from importlib import resources  # an unusual install: let importlib find it

    return Path(str(resources.files("question_bank")))


def bank_paths_from_env() -> list[Path]:
    """Extra bank files or folders from $TUTOR_BANK (separated like PATH)."""
    value = os.environ.get(ENV_VAR, "")
    return [Path(part) for part in value.split(os.pathsep) if part.strip()]


def bank_files(folder: Path) -> list[Path]:
    """Every *.yaml / *.yml file under `folder` (recursively), sorted by path."""
    return sorted(
        p for p in folder.rglob("*") if p.suffix in BANK_SUFFIXES and p.is_file() and not p.name.startswith(".")
    )


def display_path(path: Path) -> str:
    """A path as shown in problems: relative to the current folder when inside it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- loading ----------------------------------------------------------------------------------


def load_bank(paths: Sequence[str | Path] = (), *, builtin: bool = True) -> Bank:
    """Load the built-in bank (unless `builtin=False`) and `paths` (files, or folders of YAML files).

    Raises BankError with every problem in everything loaded, including ids used twice.
    """
    bank, problems = load_bank_with_problems(paths, builtin=builtin)
    if problems:
        raise BankError(problems)
    return bank


def load_file(path: str | Path) -> list[QuestionBase]:
    """The questions of one bank file; BankError lists every problem in it."""
    return list(load_bank([path], builtin=False).questions)


def load_bank_with_problems(
    paths: Sequence[str | Path] = (), *, builtin: bool = True
) -> tuple[Bank, tuple[Problem, ...]]:
    """Like `load_bank`, but return the good questions and the problems instead of raising."""
    problems: list[Problem] = []
    files: list[Path] = []
    if builtin:
        files.extend(bank_files(builtin_bank_dir()))
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = bank_files(path)
            if not found:
                problems.append(Problem(display_path(path), 1, 1, None, "folder has no .yaml or .yml files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(display_path(path), 1, 1, None, "no such file or folder"))

    questions: list[QuestionBase] = []
    locations: dict[str, tuple[str, int]] = {}
    shown: list[str] = []
    seen_files: set[Path] = set()
    for path in files:
        key = path.resolve()
        if key in seen_files:
            continue
        seen_files.add(key)
        name = display_path(path)
        shown.append(name)
        loaded, file_problems = read_file_cached(path, name, read_file)
        for question, line, column in loaded:
            if question.id in locations:
                first_file, first_line = locations[question.id]
                file_problems.append(
                    Problem(name, line, column, question.id,
                            f"duplicate id {question.id!r}: already used at {first_file}:{first_line}")
                )
                continue
            locations[question.id] = (name, line)
            questions.append(question)
        problems.extend(sorted(file_problems, key=lambda p: (p.line, p.column)))
    return Bank(tuple(questions), locations, tuple(shown)), tuple(problems)


def describe(value: Any) -> str:
    from tutor.bank.explain import describe as _describe  # deferred: only a bad file needs the explanations

    return _describe(value)


def dotted(path: Sequence[str | int]) -> str:
    from tutor.bank.explain import dotted as _dotted

    return _dotted(path)


def read_file(path: Path, name: str) -> tuple[list[tuple[QuestionBase, int, int]], list[Problem]]:
    """Parse and check one file: its good questions with (line, column), and its problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [], [Problem(name, 1, 1, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return [], [Problem(name, 1, 1, None, f"cannot read: {exc.strerror or exc}")]
    return _FileReader(name, text).read()


# libyaml composes nested collections by C recursion: tens of thousands of levels overflow the
# C stack (a crash, not an error). A text that could nest that deep is parsed in pure Python,
# where too deep is a RecursionError, reported as a problem.
_MAX_C_OPENERS = 5000


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """The document and its root node: libyaml's safe loader where the text cannot nest too deep, else
    the pure-Python one (too deep is then a RecursionError). Every YAML the tutor reads goes through here."""
    import yaml  # deferred: a bank found in the cache (tutor.bank.cache) needs no YAML

    openers = text.count("[") + text.count("{") + text.count("- ") + text.count("? ")
    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = (fast if openers <= _MAX_C_OPENERS else yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def _yaml_problem(name: str, exc: yaml.YAMLError) -> Problem:
    import yaml  # deferred: a bank found in the cache (tutor.bank.cache) needs no YAML

    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        text = ", ".join(parts) if parts else str(exc)
    elif isinstance(exc, yaml.reader.ReaderError):
        line, column = 1, exc.position + 1
        text = f"unacceptable character {exc.character!r}"
    else:
        text = str(exc)
    return Problem(name, line, column, None, f"malformed YAML: {text}")


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _child(node: yaml.Node | None, step: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    """(key node, value node) for one step into a mapping or sequence node (the last key wins, as in data)."""
    import yaml  # deferred: a bank found in the cache (tutor.bank.cache) needs no YAML

    if isinstance(node, yaml.MappingNode):
        hit = None
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                hit = (key, value)
        return hit
    if isinstance(node, yaml.SequenceNode) and type(step) is int and 0 <= step < len(node.value):
        return None, node.value[step]
    return None


def node_position(
    node: yaml.Node, path: Sequence[str | int], *, at_key: bool = False, fallback: yaml.Node | None = None
) -> tuple[int, int]:
    """Line and column of `path` under `node` (or under `fallback` when its first step is there instead).

    Walks as far as the path goes; points at the key rather than the value when `at_key`.
    """
    if path and fallback is not None and _child(node, path[0]) is None and _child(fallback, path[0]) is not None:
        node = fallback
    key_node: yaml.Node | None = None
    for step in path:
        hit = _child(node, step)
        if hit is None:
            break
        key_node, node = hit
    target = key_node if at_key and key_node is not None else node
    return _pos(target)


def _duplicate_keys(node: yaml.Node, skip: yaml.Node | None = None) -> Iterator[tuple[yaml.Node, str, int]]:
    """(key node, key, first line) for each key written twice in one mapping, anywhere under `node` but `skip`."""
    import yaml  # deferred: a bank found in the cache (tutor.bank.cache) needs no YAML

    scalar, mapping = yaml.ScalarNode, yaml.MappingNode
    stack = [node]
    seen: set[int] = set()  # aliases can make the node graph cyclic (`&a [*a]`)
    while stack:  # scalars (most nodes) are never pushed: this walk is on the start-up path
        current = stack.pop()
        if current is skip or id(current) in seen:
            continue
        seen.add(id(current))
        if type(current) is mapping:
            first: dict[str, int] = {}
            for key, value in current.value:
                if type(key) is scalar:
                    if key.value in first:
                        yield key, key.value, first[key.value]
                    else:
                        first[key.value] = key.start_mark.line + 1
                if type(value) is not scalar:
                    stack.append(value)
        else:
            stack.extend(v for v in current.value if type(v) is not scalar)


class _FileReader:
    """Checks one file's text; collects good questions and problems."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.problems: list[Problem] = []

    def problem(self, at: tuple[int, int], qid: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, at[0], at[1], qid, message))

    def read(self) -> tuple[list[tuple[QuestionBase, int, int]], list[Problem]]:
        import yaml  # deferred: a bank found in the cache (tutor.bank.cache) needs no YAML

        try:
            data, root = parse_yaml(self.text)
        except yaml.YAMLError as exc:
            return [], [_yaml_problem(self.name, exc)]
        except RecursionError:
            return [], [Problem(self.name, 1, 1, None, "malformed YAML: collections nested too deeply to read")]
        if root is None or data is None:
            self.problem((1, 1), None, "empty file: expected a mapping with a `questions:` list")
            return [], self.problems
        if not isinstance(data, dict):
            self.problem(_pos(root), None, f"the top level must be a mapping with a `questions:` list, got {describe(data)}")
            return [], self.problems
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                at = node_position(root, [key], at_key=True)
                self.problem(at, None, f"unknown top-level key {key!r}{did_you_mean(str(key), TOP_LEVEL_KEYS)}")
        defaults, defaults_node = self._defaults(data, root)
        if "questions" not in data:
            self.problem(_pos(root), None, "missing `questions:` (a list of questions)")
            return [], self.problems
        items = data["questions"]
        items_hit = _child(root, "questions")
        assert items_hit is not None
        items_node = items_hit[1]
        if not isinstance(items, list):
            self.problem(_pos(items_node), None, f"questions: expected a list of questions, got {describe(items)}")
            return [], self.problems
        for key_node, key, first_line in _duplicate_keys(root, skip=items_node):
            self.problem(_pos(key_node), None, f"duplicate key {key!r} (first written at line {first_line})")
        out: list[tuple[QuestionBase, int, int]] = []
        for index, item in enumerate(items):
            node = items_node.value[index]
            question = self._question(item, node, defaults, defaults_node, index)
            if question is not None:
                out.append((question, *_pos(node)))
        return out, self.problems

    def _defaults(self, data: dict[str, Any], root: yaml.Node) -> tuple[dict[str, Any], yaml.Node | None]:
        if "defaults" not in data or data["defaults"] is None:
            return {}, None
        hit = _child(root, "defaults")
        assert hit is not None
        node = hit[1]
        defaults = data["defaults"]
        if not isinstance(defaults, dict):
            self.problem(_pos(node), None, f"defaults: expected a mapping, got {describe(defaults)}")
            return {}, None
        good: dict[str, Any] = {}
        for key, value in defaults.items():
            at = node_position(node, [key], at_key=True)
            if key in ("id", "kind"):
                self.problem(at, None, f"defaults: cannot set `{key}` (every question gives its own)")
            elif key not in DEFAULT_KEYS:
                self.problem(at, None, f"defaults: unknown key {key!r}{did_you_mean(str(key), DEFAULT_KEYS)}")
            else:
                good[key] = value
        return good, node

    def _question(
        self, item: Any, node: yaml.Node, defaults: dict[str, Any], defaults_node: yaml.Node | None, index: int
    ) -> QuestionBase | None:
        where = f"questions[{index}]"
        if not isinstance(item, dict):
            self.problem(_pos(node), None, f"{where}: expected a mapping (a question), got {describe(item)}")
            return None
        raw_id = item.get("id")
        qid = raw_id if isinstance(raw_id, str) and raw_id else None
        for key_node, key, first_line in _duplicate_keys(node):
            self.problem(_pos(key_node), qid, f"duplicate key {key!r} (first written at line {first_line})")

        kind = item.get("kind")
        if kind is None:
            self.problem(_pos(node), qid, f"missing required field 'kind' (one of: {', '.join(KINDS)})")
            return None
        if not isinstance(kind, str) or kind not in MODEL_FOR_KIND:
            at = node_position(node, ["kind"])
            hint = did_you_mean(str(kind), KINDS) if isinstance(kind, str) else ""
            self.problem(at, qid, f"kind: unknown kind {kind!r}{hint}; kinds: {', '.join(KINDS)}")
            return None
        model = MODEL_FOR_KIND[kind]
        merged = merge_defaults(defaults, item, model)
        try:
            question = model.model_validate(merged)
        except ValidationError as exc:
            from tutor.bank.explain import explain  # deferred: only a bad question needs the explanations

            for mistake in explain(exc, merged, model):
                at = node_position(node, mistake.path, at_key=mistake.at_key, fallback=defaults_node)
                self.problem(at, qid, mistake.message)
            return None
        for path, message, at_key in format_checks(question):
            self.problem(node_position(node, path, at_key=at_key, fallback=defaults_node), qid, message)
        return question


def merge_defaults(defaults: Mapping[str, Any], item: Mapping[str, Any], model: type[QuestionBase]) -> dict[str, Any]:
    """A question's own keys over the file's defaults; `tags` from both, defaults first.

    A default the question's kind has no field for is skipped (a file may mix kinds).
    """
    merged = {key: value for key, value in defaults.items() if key in model.model_fields}
    merged.update(item)
    base_tags, own_tags = defaults.get("tags"), item.get("tags")
    if isinstance(base_tags, list) and isinstance(own_tags, list):
        if all(isinstance(t, str) for t in [*base_tags, *own_tags]):
            merged["tags"] = list(dict.fromkeys([*base_tags, *own_tags]))
    return merged


# --- checks beyond the types ------------------------------------------------------------------


def _texts(question: QuestionBase) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, text) of every field a `{param}` may appear in."""
    yield ("prompt",), question.prompt
    if isinstance(question, ChoiceQuestion):
        for i, option in enumerate(question.options):
            yield ("options", i), option
    for i, hint in enumerate(question.hints):
        yield ("hints", i), hint
    if question.explanation:
        yield ("explanation",), question.explanation


def format_checks(question: QuestionBase) -> list[tuple[tuple[str | int, ...], str, bool]]:
    """Mistakes the types cannot see: (path, message, point-at-key).

    - a `{name}` with no param of that name (outside `$math$` and `code`, where braces are
      LaTeX or code; use `{{` and `}}` for literal braces elsewhere);
    - a param that varies between variants but is never shown in the prompt or options.
    """
    found: list[tuple[tuple[str | int, ...], str, bool]] = []
    params = question.params
    for path, text in _texts(question):
        shielded = [m.span() for m in MATH_OR_CODE.finditer(text)] if ("$" in text or "`" in text) else []
        for match in PLACEHOLDER.finditer(text):
            name = match.group(1)
            if name in params or any(a <= match.start() < b for a, b in shielded):
                continue
            known = f" (params: {', '.join(params)})" if params else " (the question has no params)"
            hint = did_you_mean(name, list(params))
            found.append(
                (path, f"{dotted(path)}: placeholder {{{name}}} has no param{hint}{known};"
                       f" write {{{{{name}}}}} for literal braces", False)
            )
    shown = set(placeholders(question.prompt))
    if isinstance(question, ChoiceQuestion):
        for option in question.options:
            shown.update(placeholders(option))
    for name, value in params.items():
        if isinstance(value, list) and len(set(value)) > 1 and name not in shown:
            found.append(
                (("params", name),
                 f"params.{name}: varies between variants but the prompt never shows it (write {{{name}}} in the prompt)",
                 True)
            )
    return found


# --- finding a field again (for `tutor validate`) ---------------------------------------------

_NODE_CACHE: dict[str, tuple[tuple[int, int], yaml.Node | None]] = {}


def _file_root(file: str) -> yaml.Node | None:
    import yaml  # deferred: a bank found in the cache (tutor.bank.cache) needs no YAML

    path = Path(file)
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _NODE_CACHE.get(file)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        _, root = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    _NODE_CACHE[file] = (stamp, root)
    return root


def locate_field(file: str, question_id: str, path: Sequence[str | int], *, at_key: bool = False) -> tuple[int, int]:
    """Line and column of a field of a loaded question, e.g. ('feedback', 2, 'answer'); (1, 1) if not found."""
    import yaml  # deferred: a bank found in the cache (tutor.bank.cache) needs no YAML

    root = _file_root(file)
    questions = _child(root, "questions") if root is not None else None
    if questions is None or not isinstance(questions[1], yaml.SequenceNode):
        return 1, 1
    defaults = _child(root, "defaults")
    for node in questions[1].value:
        hit = _child(node, "id")
        if hit is not None and isinstance(hit[1], yaml.ScalarNode) and hit[1].value == question_id:
            return node_position(node, path, at_key=at_key, fallback=defaults[1] if defaults else None)
    return 1, 1
