"""Shared test set-up.

Hypothesis runs without per-example deadlines and without the too-slow health check: tests must
not fail because a machine is slow (CI shares two cores); property tests still shrink and report.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "tutor",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("tutor")
