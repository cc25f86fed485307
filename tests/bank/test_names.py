"""One vocabulary: every kind and topic has one user-facing name, and every spelling users type maps to its key."""

from __future__ import annotations

import pytest

from tutor.bank.model import KINDS, TOPICS
from tutor.bank.names import KIND_NAMES, TOPIC_NAMES, kind_name, parse_kind, parse_topic, topic_name


def test_every_kind_and_topic_has_a_name() -> None:
    assert set(KINDS) <= set(KIND_NAMES)
    assert set(TOPICS) <= set(TOPIC_NAMES)
    assert len(set(KIND_NAMES.values())) == len(KIND_NAMES)  # one name, one kind


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("big-O", "complexity"), ("complexity", "complexity"), ("BIG O", "complexity"), ("big_o", "complexity"),
        ("number", "numeric"), ("numeric", "numeric"), ("formula", "symbolic"), ("symbolic", "symbolic"),
        ("written", "text"), ("text", "text"), ("Code", "code"), (" shape ", "shape"),
    ],
)
def test_kind_spellings(typed: str, key: str) -> None:
    assert parse_kind(typed) == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [("KV cache", "kv-cache"), ("kv-cache", "kv-cache"), ("kv_cache", "kv-cache"), ("general", "attention"),
     ("attention", "attention"), ("GQA", "gqa"), ("mqa", "mqa")],
)
def test_topic_spellings(typed: str, key: str) -> None:
    assert parse_topic(typed) == key


def test_every_name_reads_back_as_its_key() -> None:
    for k in KINDS:
        assert parse_kind(kind_name(k)) == k and parse_kind(k) == k
    for t in TOPICS:
        assert parse_topic(topic_name(t)) == t and parse_topic(t) == t


def test_unknown_spelling_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'big-O'.*kinds: shape, einsum, number"):
        parse_kind("big-Oh")
    with pytest.raises(ValueError, match="topics: MHA"):
        parse_topic("flash")
