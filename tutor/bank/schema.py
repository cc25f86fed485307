"""The JSON Schema of a bank file, generated from the pydantic models, so editors check YAML as it is typed.

`python -m tutor.bank.schema > tutor/schema/question-bank.schema.json` regenerates the
shipped copy; a test fails when the two differ.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from tutor.bank.loader import DEFAULT_KEYS
from tutor.bank.model import MODEL_FOR_KIND, BankFile

SCHEMA_FILE = "question-bank.schema.json"
SCHEMA_ID = "urn:attention-tutor:question-bank"
# Fields a question may leave to the file's `defaults:`, so an editor must not demand them per question.
_DEFAULTABLE_REQUIRED = ("topic", "symbols")


def generate_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a bank file."""
    schema = BankFile.model_json_schema()
    defs = schema.get("$defs", {})
    for model in MODEL_FOR_KIND.values():
        definition = defs.get(model.__name__)
        if definition and "required" in definition:
            definition["required"] = [f for f in definition["required"] if f not in _DEFAULTABLE_REQUIRED]
    defaults = schema["properties"]["defaults"]
    defaults["description"] = (
        "Merged into every question of the file: the question's own keys win; `tags` from both are kept. "
        "Any question field but `id` and `kind`; a field a question's kind does not have is skipped for it."
    )
    defaults["propertyNames"] = {"enum": list(DEFAULT_KEYS)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Attention Tutor question bank",
        "description": "A bank file: `questions` (a list) and optional `defaults`. See docs/question-format.md.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def schema_text() -> str:
    """The schema as written to the shipped file (stable key order, trailing newline)."""
    return json.dumps(generate_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def shipped_schema_path() -> Path:
    """The schema file installed with the package (tutor/schema/question-bank.schema.json)."""
    return Path(str(resources.files("tutor").joinpath("schema", SCHEMA_FILE)))


def main() -> None:
    print(schema_text(), end="")


if __name__ == "__main__":
    main()
