"""The question bank: the YAML format (`model`), loading and checking it (`loader`), variants (`variant`)."""

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
