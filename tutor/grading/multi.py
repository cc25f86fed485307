"""Grade a `multi` (select all that apply) answer with the choice grader's option matcher.

Picks are letters, numbers or option texts (`A C`, `1,3`, copied texts, even texts holding
commas), read by `tutor.grading.choice.read_answer`. Fraction = max(0, (right picks - wrong
picks) / number of right options): picking everything earns nothing.
"""

from __future__ import annotations

from tutor.grading.choice import canonical_answer, grade, read_answer

__all__ = ["canonical_answer", "grade", "read_answer"]
