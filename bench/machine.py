"""What every benchmark report names: the CPU model (from `lscpu`), shared by the scripts in bench/."""

from __future__ import annotations

import subprocess


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
