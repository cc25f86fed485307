"""What the scripts in bench/ share: the CPU model every report names (from `lscpu`), tmux, writing a report."""

from __future__ import annotations

import subprocess
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name as `lscpu` gives it, or "" where lscpu is missing or says nothing."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return ""


def tmux(socket: str, *args: str) -> str:
    """A tmux command on a private server (`-L socket`, no user config); its standard output."""
    return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                          check=True).stdout


def emit(report: str, write: Path | None) -> None:
    """Print the report, and write it to `write` too when given (its folder made if needed)."""
    print(report)
    if write:
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_text(report, encoding="utf-8")
