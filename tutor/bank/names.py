"""One vocabulary for users: the name of each question kind and topic, and the other spellings accepted.

The YAML keys (`numeric`, `kv-cache`, ...) stay what bank files, JSON output and the history use;
everything a person reads (the app, `tutor list`, `tutor stats`, reports, docs) says the name
below, and every CLI flag that takes a kind or a topic accepts the name, the key or an alias,
in any case, with spaces, hyphens or underscores alike (`--kind big-O`, `--kind complexity`,
`--topic "KV cache"`, `--topic kv-cache`).
"""

from __future__ import annotations

from tutor.bank.errors import did_you_mean

# YAML key -> the one name users read. Keys not listed (a kind added later) show as their key.
KIND_NAMES: dict[str, str] = {
    "shape": "shape",
    "einsum": "einsum",
    "numeric": "number",
    "symbolic": "formula",
    "complexity": "big-O",
    "choice": "choice",
    "text": "written",
    "code": "code",
    "statements": "statements",
    "multi": "select all",  # select all that apply
}

TOPIC_NAMES: dict[str, str] = {
    "mha": "MHA",
    "mqa": "MQA",
    "gqa": "GQA",
    "kv-cache": "KV cache",
    "attention": "attention",
}

# Further spellings a person might type (normalised: lower case, hyphens between words).
KIND_ALIASES: dict[str, str] = {
    "number": "numeric",
    "num": "numeric",
    "formula": "symbolic",
    "expression": "symbolic",
    "big-o": "complexity",
    "bigo": "complexity",
    "o": "complexity",
    "written": "text",
    "prose": "text",
    "multiple-choice": "choice",
    "python": "code",
    "true-false": "statements",
    "statement": "statements",
    "multi-part": "multi",
    "select-all": "multi",
    "select-all-that-apply": "multi",
    "multipart": "multi",
}

TOPIC_ALIASES: dict[str, str] = {
    "kv": "kv-cache",
    "kvcache": "kv-cache",
    "cache": "kv-cache",
    "general": "attention",
    "multi-head": "mha",
    "multi-query": "mqa",
    "grouped-query": "gqa",
}


def kind_name(kind: str) -> str:
    """`big-O` for `complexity`: the name users read."""
    return KIND_NAMES.get(kind, kind)


def topic_name(topic: str) -> str:
    """`KV cache` for `kv-cache`: the name users read."""
    return TOPIC_NAMES.get(topic, topic)


def _normal(text: str) -> str:
    return "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


def _parse(text: str, keys: tuple[str, ...], names: dict[str, str], aliases: dict[str, str], what: str) -> str:
    """The key that `text` spells (the key, its user name or an alias); ValueError naming the choices."""
    spellings = {_normal(k): k for k in keys}
    spellings.update({_normal(names[k]): k for k in keys if k in names})
    spellings.update({a: k for a, k in aliases.items() if k in keys})
    found = spellings.get(_normal(text))
    if found is None:
        choices = [names.get(k, k) for k in keys]
        raise ValueError(f"unknown {what} {text!r}{did_you_mean(text, choices)}; {what}s: {', '.join(choices)}")
    return found


def parse_kind(text: str, keys: tuple[str, ...] | None = None) -> str:
    """The YAML key for any accepted spelling of a kind; ValueError naming the choices otherwise."""
    from tutor.bank.model import KINDS

    return _parse(text, keys or KINDS, KIND_NAMES, KIND_ALIASES, "kind")


def parse_topic(text: str, keys: tuple[str, ...] | None = None) -> str:
    """The YAML key for any accepted spelling of a topic; ValueError naming the choices otherwise."""
    from tutor.bank.model import TOPICS

    return _parse(text, keys or TOPICS, TOPIC_NAMES, TOPIC_ALIASES, "topic")


def flag_value(name: str) -> str:
    """How to type `name` as a CLI flag value (`"KV cache"` needs quotes; `big-O` does not)."""
    return f'"{name}"' if " " in name else name
