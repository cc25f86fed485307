"""The question bank: the YAML format (`model`), loading and checking it (`loader`), variants (`variant`).

`cache` keeps checked bank files between runs (a command that needs one question does not re-check
them all); `explain` words pydantic's errors for an author; `errors` holds `BankError` and friends.
Imports only `tutor.notation` and `tutor.paths` from the rest of the tutor.
"""

from tutor.bank.errors import BankError, Problem, UnknownQuestion
from tutor.bank.loader import (
    ENV_VAR,
    Bank,
    bank_paths_from_env,
    builtin_bank_dir,
    load_bank,
    load_bank_with_problems,
    load_file,
)
from tutor.bank.model import KINDS, TOPICS, BankFile, Question, QuestionBase
from tutor.bank.variant import Variant, make_variant

__all__ = [
    "ENV_VAR",
    "KINDS",
    "TOPICS",
    "Bank",
    "BankError",
    "BankFile",
    "Problem",
    "Question",
    "QuestionBase",
    "UnknownQuestion",
    "Variant",
    "bank_paths_from_env",
    "builtin_bank_dir",
    "load_bank",
    "load_bank_with_problems",
    "load_file",
    "make_variant",
]
