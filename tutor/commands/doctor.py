"""`tutor doctor`: which sandbox layers protect code grading on this machine, and torch's version and device."""

from __future__ import annotations

import argparse
import json
import platform
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def run(args: argparse.Namespace) -> int:
    from tutor.sandbox.layers import detect  # deferred: forks two short probes

    layers = detect()
    report: dict[str, object] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sandbox": layers.to_json(),
        "running_as_root": layers.root,
        "privilege_drop": layers.privilege_drop
        or ("none (not root)" if not layers.root else "none (an unprivileged uid cannot read this Python runtime)"),
        "namespaces": layers.namespaces_detail,
        "landlock_abi": layers.landlock_abi,
        "batch_grading": "allowed" if layers.strong else "refused without --allow-weak-sandbox",
    }
    import torch  # deferred: the only command besides code grading that needs it

    report["torch"] = torch.__version__
    report["device"] = "cuda" if torch.cuda.is_available() else "cpu"
    if report["device"] == "cuda":
        report["gpu"] = torch.cuda.get_device_name(0)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"Python {report['python']} on {report['platform']}")
    print(f"torch {report['torch']}, code is graded on: {report['device']}" +
          (f" ({report['gpu']})" if "gpu" in report else ""))
    print(f"Sandbox layers: {layers.summary()}")
    print("  base: fork per submission, time/CPU/memory/file/process limits, temp HOME, clean env, clean-up: yes")
    print(f"  privilege drop: {report['privilege_drop']}")
    print(f"  namespaces (no network, private PID and /proc, reference hidden): {layers.namespaces_detail}")
    landlock = f"ABI {layers.landlock_abi}" if layers.landlock_abi else "unavailable"
    print(f"  landlock (writes only in the temp dir, reads only the runtime, no TCP): {landlock}")
    print(f"  seccomp: {'available, not used' if layers.seccomp else 'unavailable'}")
    print(f"Network cut off: {'yes' if layers.network_blocked else 'NO'}; "
          f"reference_impl hidden: {'yes' if layers.reference_hidden else 'NO'}")
    print(f"Batch grading of others' code (`tutor grade`): {report['batch_grading']}")
    return 0
