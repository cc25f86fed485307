"""The built-in question bank: one YAML file per topic or theme, shipped as package data.

Loaded by `tutor.bank.load_bank`; the format is described in docs/question-format.md.
"""
