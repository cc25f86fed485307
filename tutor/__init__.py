"""Attention Tutor: practise and examine MHA, MQA, GQA and the KV cache.

The packages are layered, and imports point down only (import-linter contracts in pyproject.toml,
and `tests/test_layers.py`, which also fails on any import cycle):

    cli -> commands -> tui | plain -> session | exam | explore -> grading -> bank | sandbox -> notation

`errors` (UserError, bank-problem reporting) and `paths` are shared helpers below the front ends.
`bank`, `grading`, `session` and `exam` never import textual; `reference_impl` never imports `tutor`.
"""

__version__ = "0.1.0"
