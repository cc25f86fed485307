"""Shared test set-up.

Hypothesis runs without per-example deadlines and without the too-slow health check: tests must
not fail because a machine is slow (CI shares two cores); property tests still shrink and report.
Caches go to a temporary folder of the run's own.
"""

import atexit
import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

# The bank cache (tutor.bank.cache) of this run, and of every `tutor` it starts, stays out of the user's home.
if "TUTOR_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="tutor-test-cache-")
    os.environ["TUTOR_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, True)

settings.register_profile(
    "tutor",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("tutor")
