"""Turn pydantic validation errors into one plain message per mistake, with its path into the YAML.

Pydantic reports a value that fits no member of a union once per member, with the
member's name spliced into the error location (`answer.int`, `answer.float`, ...).
An instructor wants one line: "answer: expected a number or a string, got a list".
So the union members are recognised by walking the data along the location (a
step the data does not have is a member name), the branch that got furthest is
kept, and type errors at the same spot are merged.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

from pydantic import BaseModel, ValidationError

from tutor.bank.errors import did_you_mean

Path = tuple[str | int, ...]

# pydantic error type -> what the field wanted, in words.
_EXPECTED: dict[str, str] = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "none_required": "nothing",
}

_ID_RULE = "lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"


@dataclass(frozen=True)
class Explained:
    """One mistake: where it is in the question's data, whether to point at the key, and what it is."""

    path: Path
    at_key: bool
    message: str


@dataclass(frozen=True)
class _Err:
    steps: tuple[tuple[bool, Any], ...]  # (is_union_member_name, step)
    type: str
    msg: str
    input: Any
    ctx: dict[str, Any]
    at_key: bool

    @property
    def path(self) -> Path:
        return tuple(step for is_tag, step in self.steps if not is_tag)

    @property
    def first_tag(self) -> int | None:
        return next((i for i, (is_tag, _) in enumerate(self.steps) if is_tag), None)


def explain(exc: ValidationError, data: Any, model: type[BaseModel]) -> list[Explained]:
    """One `Explained` per distinct mistake in `exc`, raised validating `data` as `model`."""
    errs = [_classify(e, data) for e in exc.errors(include_url=False)]
    out: list[Explained] = []
    seen: set[tuple[Path, str]] = set()
    for err in _resolve(errs):
        item = _message(err, model)
        if (item.path, item.message) not in seen:
            seen.add((item.path, item.message))
            out.append(item)
    return out


def _classify(error: Any, data: Any) -> _Err:
    """Split a pydantic loc into real steps into `data` and union-member names."""
    loc = error["loc"]
    steps: list[tuple[bool, Any]] = []
    at_key = False
    cur = data
    for i, step in enumerate(loc):
        if step == "[key]":
            at_key = True
            continue
        if isinstance(cur, dict) and step in cur:
            steps.append((False, step))
            cur = cur[step]
        elif isinstance(cur, list) and type(step) is int and 0 <= step < len(cur):
            steps.append((False, step))
            cur = cur[step]
        elif error["type"] == "missing" and i == len(loc) - 1:
            steps.append((False, step))
        else:
            steps.append((True, step))
    return _Err(
        steps=tuple(steps),
        type=error["type"],
        msg=error["msg"],
        input=error.get("input"),
        ctx=dict(error.get("ctx") or {}),
        at_key=at_key,
    )


def _resolve(errs: Sequence[_Err]) -> list[_Err]:
    """Keep one branch per union: merge plain type mismatches, else the branch that got furthest."""
    out = [e for e in errs if e.first_tag is None]
    sites: dict[Path, dict[Any, list[_Err]]] = {}
    for e in errs:
        i = e.first_tag
        if i is None:
            continue
        site = tuple(step for _, step in e.steps[:i])
        stripped = replace(e, steps=e.steps[:i] + e.steps[i + 1 :])
        sites.setdefault(site, {}).setdefault(e.steps[i][1], []).append(stripped)
    for site, branches in sites.items():
        groups = list(branches.values())
        if all(
            len(g) == 1 and g[0].type in _EXPECTED and g[0].first_tag is None and g[0].path == site for g in groups
        ):
            first = groups[0][0]
            wanted = _merge_expected(_EXPECTED[g[0].type] for g in groups)
            out.append(replace(first, type="merged_type", ctx={"expected": wanted}))
            continue
        best = min(
            groups,
            key=lambda g: (
                -max(len(e.path) for e in g),
                all(e.type in _EXPECTED for e in g),
                len(g),
            ),
        )
        out.extend(_resolve(best))
    return out


def _merge_expected(words: Iterable[str]) -> str:
    wanted = list(dict.fromkeys(words))
    if "a number" in wanted and "an integer" in wanted:
        wanted.remove("an integer")
    if len(wanted) == 1:
        return wanted[0]
    return ", ".join(wanted[:-1]) + " or " + wanted[-1]


def describe(value: Any) -> str:
    """A value as a YAML author would recognise it: its type and, when short, the value."""
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return (
            f"the boolean {str(value).lower()} (YAML reads unquoted yes/no/on/off/true/false as booleans;"
            " put the text in quotes)"
        )
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(next(iter(value)), str):
            return "a mapping (an unquoted `: ` inside text starts a mapping; put the text in quotes)"
        return "a mapping"
    return type(value).__name__


def dotted(path: Path) -> str:
    """`feedback[0].message` for ('feedback', 0, 'message')."""
    out = ""
    for step in path:
        if type(step) is int:
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out


def _prefixed(path: Path, message: str) -> str:
    where = dotted(path)
    return f"{where}: {message}" if where else message


def _message(err: _Err, model: type[BaseModel]) -> Explained:
    path = err.path
    kind = err.type
    if kind == "merged_type" or kind in _EXPECTED:
        wanted = err.ctx.get("expected") or _EXPECTED[kind]
        return Explained(path, err.at_key, _prefixed(path, f"expected {wanted}, got {describe(err.input)}"))
    if kind == "missing":
        parent, name = path[:-1], path[-1]
        return Explained(parent, False, _prefixed(parent, f"missing required field {name!r}"))
    if kind == "extra_forbidden":
        parent, name = path[:-1], path[-1]
        hint = did_you_mean(str(name), allowed_keys(model, parent)) if isinstance(name, str) else ""
        return Explained(path, True, _prefixed(parent, f"unknown key {name!r}{hint}"))
    if kind == "literal_error":
        choices = _literal_choices(model, path)
        hint = did_you_mean(str(err.input), choices) if isinstance(err.input, str) else ""
        listed = ", ".join(choices)
        return Explained(path, False, _prefixed(path, f"{err.input!r} is not one of: {listed}{hint}"))
    if kind == "string_pattern_mismatch":
        if err.at_key:
            return Explained(
                path, True, _prefixed(path[:-1], f"name {path[-1]!r} must be an identifier (letters, digits and _)")
            )
        if path == ("id",):
            return Explained(path, False, f"id {err.input!r} may contain only {_ID_RULE}")
        return Explained(path, False, _prefixed(path, f"{err.input!r} does not match the pattern {err.ctx.get('pattern')}"))
    if kind in ("too_short", "too_long"):
        return Explained(path, False, _prefixed(path, _length_message(err)))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op, limit = next((_OPS[k], v) for k, v in err.ctx.items() if k in _OPS)
        return Explained(path, False, _prefixed(path, f"must be {op} {limit}, got {err.input!r}"))
    if kind in ("value_error", "assertion_error"):
        text = str(err.ctx.get("error") or err.msg)
        return Explained(path, False, _prefixed(path, text))
    if kind == "dict_type" or kind.endswith("_type"):
        return Explained(path, False, _prefixed(path, f"{err.msg.lower()}, got {describe(err.input)}"))
    return Explained(path, False, _prefixed(path, err.msg[:1].lower() + err.msg[1:]))


_OPS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def _length_message(err: _Err) -> str:
    what = "text" if isinstance(err.input, str) else "list" if isinstance(err.input, list) else "mapping"
    if err.type == "too_short":
        least = err.ctx.get("min_length", 1)
        if least == 1:
            return f"must not be empty (an empty {what})"
        return f"needs at least {least} items, got {len(err.input)}"
    return f"may have at most {err.ctx.get('max_length')} items, got {len(err.input)}"


# --- the model's shape, for did-you-mean suggestions -------------------------------------------


def _members(tp: Any) -> list[Any]:
    """The alternatives of a (possibly Annotated / Optional / Union) annotation."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_members(arg))
        return out
    return [tp]


def _annotation_at(model: type[BaseModel], path: Path) -> list[Any]:
    """The possible annotations of the value at `path` in `model`'s data."""
    current: list[Any] = [model]
    for step in path:
        nxt: list[Any] = []
        for tp in current:
            for member in _members(tp):
                if isinstance(member, type) and issubclass(member, BaseModel):
                    if isinstance(step, str) and step in member.model_fields:
                        nxt.append(member.model_fields[step].annotation)
                    continue
                origin = typing.get_origin(member)
                args = typing.get_args(member)
                if origin is list and type(step) is int and args:
                    nxt.append(args[0])
                elif origin is dict and len(args) == 2:
                    nxt.append(args[1])
        current = nxt
    return current


def allowed_keys(model: type[BaseModel], path: Path) -> list[str]:
    """Field names accepted in the mapping at `path` (for a did-you-mean)."""
    keys: list[str] = []
    for tp in _annotation_at(model, path):
        for member in _members(tp):
            if isinstance(member, type) and issubclass(member, BaseModel):
                keys.extend(k for k in member.model_fields if k not in keys)
    return keys


def _literal_choices(model: type[BaseModel], path: Path) -> list[str]:
    choices: list[str] = []
    for tp in _annotation_at(model, path):
        for member in _members(tp):
            if typing.get_origin(member) is typing.Literal:
                choices.extend(str(a) for a in typing.get_args(member))
    return choices
