"""The JSON Schema shipped for editors matches the models, and the documented examples fit both."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tutor.bank import load_bank, load_file
from tutor.bank.model import KINDS, MODEL_FOR_KIND
from tutor.bank.schema import SCHEMA_ID, generate_schema, schema_text, shipped_schema_path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "question-format.md"


def test_the_shipped_schema_is_up_to_date() -> None:
    shipped = shipped_schema_path().read_text(encoding="utf-8")
    assert shipped == schema_text(), (
        "tutor/schema/question-bank.schema.json is stale: run "
        "`python -m tutor.bank.schema > tutor/schema/question-bank.schema.json`"
    )


def test_the_module_prints_the_schema() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tutor.bank.schema"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out == schema_text()


def test_metadata_and_one_definition_per_kind() -> None:
    schema = generate_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID and schema["title"]
    assert schema["required"] == ["questions"] and schema["additionalProperties"] is False
    items = schema["properties"]["questions"]["items"]
    mapping = items["discriminator"]["mapping"]
    assert set(mapping) == set(KINDS)
    for kind, ref in mapping.items():
        definition = schema["$defs"][ref.rsplit("/", 1)[1]]
        assert definition["properties"]["kind"]["const"] == kind
        assert definition["additionalProperties"] is False
        assert set(definition["properties"]) == set(MODEL_FOR_KIND[kind].model_fields)
        # `topic` and `symbols` may come from `defaults:`; an editor must not demand them per question.
        assert "topic" not in definition["required"] and "id" in definition["required"]


def test_code_cases_write_their_dims_inline() -> None:
    case = generate_schema()["$defs"]["CodeCase"]
    assert case["additionalProperties"] == {"type": "integer"} and "required" not in case


def test_defaults_may_not_set_id_or_kind() -> None:
    allowed = generate_schema()["properties"]["defaults"]["propertyNames"]["enum"]
    assert "id" not in allowed and "kind" not in allowed and "topic" in allowed


def _fits(value: Any, schema: dict[str, Any], defs: dict[str, Any]) -> bool:
    """A small structural check (keys and types) of a YAML value against the generated schema."""
    if "$ref" in schema:
        return _fits(value, defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return any(_fits(value, option, defs) for option in schema[key])
    if "const" in schema and value != schema["const"]:
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return False
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            # A JSON Schema names properties by strings; an editor reads the key `true:` as "true".
            k = str(k).lower() if isinstance(k, bool) else k
            if k in props:
                if not _fits(v, props[k], defs):
                    return False
            elif extra is False:
                return False
            elif isinstance(extra, dict) and not _fits(v, extra, defs):
                return False
        keys = {str(k).lower() if isinstance(k, bool) else k for k in value}
        return all(k in keys for k in schema.get("required", []))
    if kind == "array":
        return isinstance(value, list) and all(_fits(v, schema.get("items", {}), defs) for v in value)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return True


def doc_examples() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return [b for b in blocks if re.search(r"^questions:", b, re.MULTILINE)]


def test_the_format_doc_has_an_example_of_every_kind(tmp_path: Path) -> None:
    kinds = set()
    for i, text in enumerate(doc_examples()):
        path = tmp_path / f"example{i}.yaml"
        path.write_text(text, encoding="utf-8")
        kinds.update(q.kind for q in load_file(path))
    assert kinds == set(KINDS)


@pytest.mark.parametrize("index", range(len(doc_examples())))
def test_documented_examples_fit_the_schema(index: int) -> None:
    schema = generate_schema()
    document = yaml.safe_load(doc_examples()[index])
    assert _fits(document, schema, schema["$defs"])


def test_the_builtin_bank_fits_the_schema() -> None:
    schema = generate_schema()
    bank = load_bank()
    for file in bank.files:
        document = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
        for question in document["questions"]:
            assert _fits(question, schema["properties"]["questions"]["items"], schema["$defs"]), (file, question["id"])


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    schema = generate_schema()
    items = schema["properties"]["questions"]["items"]
    good = {"id": "q", "kind": "shape", "topic": "mha", "prompt": "p", "answer": ["a"]}
    assert _fits(good, items, schema["$defs"])
    assert not _fits({**good, "answr": ["a"]}, items, schema["$defs"])
    assert not _fits({**good, "difficulty": "hard"}, items, schema["$defs"])
    assert not _fits({**good, "topic": "MHA"}, items, schema["$defs"])
    assert not _fits({k: v for k, v in good.items() if k != "answer"}, items, schema["$defs"])
    json.dumps(schema)  # serialisable as is
