"""Reference and mutant outputs of code questions, computed once and kept: in memory, and on disk for `tutor grade`.

What a code grading needs besides the submission's own run is trusted: the inputs of every case, the
reference's outputs on them, and (only to diagnose a failing submission) each known-wrong mutant's
outputs. They depend on nothing but the key below, so they are computed once and reused:

- in memory (a small LRU) in every process that grades;
- on disk, when `tutor grade` turns it on (`configure(directory=...)`), under the user cache dir
  (`platformdirs.user_cache_dir("attention-tutor")/reference-outputs`, or $TUTOR_CACHE_DIR): one
  safetensors file per key, written atomically, so the workers of one run and later runs share them
  by file; capped in size (least recently used files go first); `tutor grade --clear-cache` empties it.

The key is a SHA-256 of: this format's version, the question's full content (any edit to its cases,
reference, shapes or tolerances makes a new key), the values seed (which fixes every tensor value and the
drawn case's sizes), the torch version and the device. Files are read with safetensors (tensors and a JSON header; nothing is unpickled).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from tutor.paths import ENV_CACHE_DIR, cache_dir  # noqa: F401  (ENV_CACHE_DIR: the variable that moves the cache)

FORMAT = 1
DEFAULT_CAP_BYTES = 512 << 20
_MEMORY_ENTRIES = 32


def default_directory() -> Path:
    """`reference-outputs` in the project's cache dir ($TUTOR_CACHE_DIR, else the platform's user cache dir)."""
    return cache_dir() / "reference-outputs"


def question_hash(question: Any) -> str:
    """SHA-256 of the question's whole content as the bank model holds it."""
    return hashlib.sha256(question.model_dump_json().encode("utf-8")).hexdigest()


def entry_key(question: Any, values_seed: int, device: str) -> str:
    """What a code question's inputs and outputs depend on: its content, the values seed, torch and the device.

    Not the variant seed: a code question's cases are the bank's, and their values come from the values
    seed alone, so every submission graded with one values seed shares the entry.
    """
    import torch

    parts = [FORMAT, question.id, question_hash(question), values_seed, torch.__version__, device]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:40]


class ReferenceCache:
    """Memory LRU in front of an optional on-disk store; thread-safe; every failure to use a file is a miss."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memory: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.directory: Path | None = None
        self.cap_bytes = DEFAULT_CAP_BYTES
        self.enabled = True
        self.hits = {"memory": 0, "disk": 0, "miss": 0}

    def configure(self, *, enabled: bool = True, directory: Path | None = None, cap_bytes: int | None = None) -> None:
        """`enabled=False`: nothing is kept (every grading recomputes, as `--no-cache` asks); `directory`: keep files."""
        with self._lock:
            self.enabled = enabled
            self.directory = directory if enabled else None
            if cap_bytes is not None:
                self.cap_bytes = cap_bytes
            self._memory.clear()
            self.hits = dict.fromkeys(self.hits, 0)

    # --- the two kinds of entry ---

    def get(self, kind: str, key: str, load: Any) -> Any | None:
        """The entry of `kind` ("prepared" or "mutants") under `key`, or None; `load(path)` reads a file."""
        if not self.enabled:
            return None
        path = self._path(kind, key)
        with self._lock:
            hit = self._memory.get((kind, key))
            if hit is not None:
                self._memory.move_to_end((kind, key))
                self.hits["memory"] += 1
        if hit is not None:
            if path is not None:
                try:
                    os.utime(path)  # recently used by this process: the last to be trimmed
                except OSError:
                    pass
            return hit
        if path is not None and path.exists():
            try:
                value = load(path)
                os.utime(path)  # recently used: trimmed last
            except Exception:  # a damaged or foreign file is a miss; it is overwritten below
                value = None
            if value is not None:
                self._remember(kind, key, value)
                with self._lock:
                    self.hits["disk"] += 1
                return value
        with self._lock:
            self.hits["miss"] += 1
        return None

    def put(self, kind: str, key: str, value: Any, save: Any) -> None:
        """Keep `value`; with a directory, `save(value) -> bytes` is written atomically and the store trimmed."""
        if not self.enabled:
            return
        self._remember(kind, key, value)
        path = self._path(kind, key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(save(value))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return  # a cache that cannot be written is no cache: grading goes on
        self.trim()

    def _remember(self, kind: str, key: str, value: Any) -> None:
        with self._lock:
            self._memory[(kind, key)] = value
            self._memory.move_to_end((kind, key))
            while len(self._memory) > _MEMORY_ENTRIES:
                self._memory.popitem(last=False)

    def _path(self, kind: str, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.{kind}.safetensors"

    # --- housekeeping ---

    def trim(self) -> None:
        """Delete the least recently used files until the store is within `cap_bytes`."""
        if self.directory is None:
            return
        files = []
        for p in self.directory.glob("*.safetensors"):
            try:
                st = p.stat()
            except OSError:
                continue
            files.append((st.st_mtime, st.st_size, p))
        total = sum(size for _, size, _ in files)
        for _, size, p in sorted(files):
            if total <= self.cap_bytes:
                break
            p.unlink(missing_ok=True)
            total -= size

    def size(self, directory: Path | None = None) -> tuple[int, int]:
        """(files, bytes) on disk."""
        d = directory or self.directory
        if d is None or not d.is_dir():
            return 0, 0
        sizes = [p.stat().st_size for p in d.glob("*.safetensors")]
        return len(sizes), sum(sizes)

    def clear(self, directory: Path | None = None) -> tuple[int, int]:
        """Delete every cached file (and forget what is in memory); returns (files, bytes) removed."""
        d = directory or self.directory or default_directory()
        files, size = self.size(d)
        if d.is_dir():
            for p in d.glob("*.safetensors"):
                p.unlink(missing_ok=True)
            for p in d.glob(".*.safetensors.*"):  # a write cut short
                p.unlink(missing_ok=True)
        with self._lock:
            self._memory.clear()
        return files, size


CACHE = ReferenceCache()
"""The process's cache; code grading goes through it. `tutor grade` configures it in every worker."""


# --- (de)serialising with safetensors: tensors plus a JSON header, nothing executable ---


def dump(tensors: dict[str, Any], meta: dict[str, Any]) -> bytes:
    import safetensors.torch

    return safetensors.torch.save({k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()},
                                  metadata={"meta": json.dumps(meta)})


def load(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    import safetensors

    with safetensors.safe_open(str(path), framework="pt") as f:  # one open: the metadata and the tensors
        meta = json.loads((f.metadata() or {})["meta"])
        return {k: f.get_tensor(k) for k in f.keys()}, meta
