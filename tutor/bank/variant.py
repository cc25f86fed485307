"""A Variant is a Question with its params drawn from a seed (reproducibly)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tutor.bank.model import ChoiceQuestion, MultiQuestion, QuestionBase
from tutor.notation.numbers import format_param
from tutor.notation.spans import PLACEHOLDER


def placeholders(text: str) -> list[str]:
    """Names of `{name}` placeholders in a prompt (`{{` and `}}` are literal braces)."""
    return PLACEHOLDER.findall(text)


def render(text: str, params: dict[str, int | float]) -> str:
    """Replace `{name}` with the param's value; `{{`/`}}` become single braces."""
    out = PLACEHOLDER.sub(lambda m: format_param(params[m.group(1)]) if m.group(1) in params else m.group(0), text)
    return out.replace("{{", "{").replace("}}", "}")


@dataclass(frozen=True)
class Variant:
    """One concrete instance of a question: drawn params, rendered prompt, option order."""

    question: QuestionBase
    seed: int
    params: dict[str, int | float] = field(default_factory=dict)
    prompt: str = ""
    options: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def explanation(self) -> str:
        """The question's explanation with this variant's params filled in."""
        return render(self.question.explanation, self.params)


def make_variant(question: QuestionBase, seed: int = 0) -> Variant:
    """Draw one value per list param from `seed` (same seed, same variant) and render the prompt."""
    rng = random.Random(f"{question.id}:{seed}")
    params: dict[str, int | float] = {}
    for name in sorted(question.params):
        choices = question.params[name]
        params[name] = rng.choice(choices) if isinstance(choices, list) else choices
    options: tuple[str, ...] = ()
    if isinstance(question, (ChoiceQuestion, MultiQuestion)):
        opts = [render(o, params) for o in question.options]
        if question.shuffle:
            rng.shuffle(opts)
        options = tuple(opts)
    return Variant(question=question, seed=seed, params=params, prompt=render(question.prompt, params), options=options)


def is_parameterized(question: QuestionBase) -> bool:
    return any(isinstance(v, list) and len(v) > 1 for v in question.params.values())
