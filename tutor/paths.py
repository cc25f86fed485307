"""Where the tutor keeps its data (the user data dir, or `--data-dir`, or $TUTOR_DATA_DIR) and its caches
(the user cache dir, or $TUTOR_CACHE_DIR): what can be rebuilt from the bank files at any time."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "TUTOR_DATA_DIR"
ENV_CACHE_DIR = "TUTOR_CACHE_DIR"
DB_NAME = "history.sqlite3"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: `override` (from `--data-dir`) first, then $TUTOR_DATA_DIR, then the platform's.

    The directory is not created here; the store creates it when it first writes.
    """
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    import platformdirs  # deferred: only commands that keep history need it

    return Path(platformdirs.user_data_dir("attention-tutor", appauthor=False))


def db_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The SQLite history file inside the data directory."""
    return data_dir(override) / DB_NAME


def cache_dir() -> Path:
    """The cache directory: $TUTOR_CACHE_DIR, else the platform's user cache dir. Not created here."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser()
    import platformdirs  # deferred: only a command that loads the bank needs it

    return Path(platformdirs.user_cache_dir("attention-tutor", appauthor=False))
