"""A cache of checked bank files, so that a command needing one question does not re-check them all.

Reading a bank file (YAML parsing, pydantic validation, the format checks) costs more than
anything else `tutor check` does before grading: for the built-in bank most of it is pydantic
building its validators. `read_file_cached` keeps what `read_file` returned for a file (its good
questions with their lines, and its problems) in the user cache dir, and uses it again while
nothing it depends on has changed: the key is the file's resolved path, size and modification
time, plus a fingerprint of the code that checks it (the size and modification time of every
module of `tutor.bank` and `tutor.notation`, and the pydantic version). Any change reads the
file afresh.

The cache holds pickles. They are written by this module only, into the user's own cache dir
(created 0700, each file 0600, replaced atomically), never from anything a user typed or a
submission produced; a cache file that cannot be read back (truncated, from another version)
is ignored and rewritten. $TUTOR_BANK_CACHE=0 turns the cache off; $TUTOR_CACHE_DIR moves it.
"""

from __future__ import annotations

import os
import pickle
import zlib
from pathlib import Path
from typing import Any, Callable

ENV_SWITCH = "TUTOR_BANK_CACHE"
_FORMAT = 1
_PACKAGES = ("bank", "notation")


def _stat_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


def code_fingerprint() -> tuple[Any, ...]:
    """What the checked result depends on besides the file: the checking code and pydantic's version.

    Taken once per process (the code a process runs is the code it imported), not once per file."""
    global _fingerprint
    if _fingerprint is None:
        import pydantic

        root = Path(__file__).resolve().parents[1]
        modules = sorted(p for pkg in _PACKAGES for p in (root / pkg).glob("*.py"))
        _fingerprint = (_FORMAT, pydantic.VERSION, tuple(_stat_key(p) for p in modules))
    return _fingerprint


_fingerprint: tuple[Any, ...] | None = None


def _enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "no", "off", "false")


def _cache_file(resolved: Path, name: str) -> Path:
    from tutor.paths import cache_dir

    # The name only spreads files out; the key stored inside says which file a cache file is for.
    digest = zlib.crc32(f"{resolved}\0{name}".encode("utf-8", "surrogateescape"))
    return cache_dir() / "bank" / f"{resolved.stem[:40]}-{digest:08x}.pickle"


def read_file_cached(path: Path, name: str, read: Callable[[Path, str], Any]) -> Any:
    """`read(path, name)`, or what it returned before for this very file and code (see the module docstring)."""
    if not _enabled():
        return read(path, name)
    try:
        resolved = path.resolve()
        key = (_stat_key(resolved), name, code_fingerprint())
        target = _cache_file(resolved, name)
    except OSError:
        return read(path, name)
    try:
        with open(target, "rb") as f:
            stored_key, result = pickle.load(f)
        if stored_key == key:
            return result
    except Exception:  # missing, truncated or from another version: read the file afresh
        pass
    result = read(path, name)
    _store(target, (key, result))
    return result


def _store(target: Path, value: Any) -> None:
    """Write atomically; a cache that cannot be written (read-only home, full disk) is simply not kept."""
    import tempfile  # deferred: only a miss writes

    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass
