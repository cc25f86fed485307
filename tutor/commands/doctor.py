"""`tutor doctor`: which sandbox layers protect code grading on this machine, and torch's version and device."""

from __future__ import annotations

import argparse
import json
import platform
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def _progress(message: str) -> None:
    """What is being probed now, on stderr (the report itself goes to stdout, JSON included)."""
    print(f"tutor doctor: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from tutor.sandbox.layers import detect  # deferred: forks two short probes

    _progress("probing the sandbox's layers (two short child processes)…")
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
    from tutor.sandbox.client import SandboxError, inside_view, warm_status

    report["warm_sandbox"] = warm_status()

    try:
        inside = inside_view()  # measured in a sandboxed child, not assumed
    except SandboxError as exc:
        inside = {"error": str(exc)}
    report["inside_the_sandbox"] = _confinement(inside, layers)
    _progress("importing torch (a few seconds the first time)…")
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
    print("  seccomp (sockets of every family, keyrings, io_uring" + ("" if layers.cgroup_version else ", memfd")
          + f" denied): {'yes' if layers.seccomp else 'unavailable (needs x86_64 or aarch64 with seccomp)'}")
    print(f"  cgroup per submission: {layers.cgroup_detail}")
    print(f"  warm sandbox (set-up made once, a fresh child per run): {report['warm_sandbox']}")
    print("Measured inside a sandboxed child:")
    for key, value in report["inside_the_sandbox"].items():  # type: ignore[union-attr]
        print(f"  {key.replace('_', ' ')}: {value}")
    print(f"Submission-wide memory and process limit: {layers.submission_limit}")
    print(f"Network cut off: {'yes' if layers.network_blocked else 'NO'}; "
          f"reference_impl hidden: {'yes' if layers.reference_hidden else 'NO'}")
    print(f"Batch grading of others' code (`tutor grade`): {report['batch_grading']}")
    return 0


def _confinement(inside: dict[str, str], layers: object) -> dict[str, str]:
    """The probe's findings in words: capabilities, seccomp, the cgroup, the uid."""
    if "error" in inside:
        return {"error": inside["error"]}
    sets = ("CapInh", "CapPrm", "CapEff", "CapAmb", "CapBnd")
    held = [k for k in sets if inside.get(k, "0").strip("0")]
    names = {"CapInh": "inheritable", "CapPrm": "permitted", "CapEff": "effective", "CapAmb": "ambient",
             "CapBnd": "bounding"}
    if not held:
        caps = "all dropped (effective, permitted, inheritable, ambient and bounding sets empty)"
    else:
        caps = "NOT all dropped: " + ", ".join(f"{names[k]} {inside[k]}" for k in held)
    caps += "; no_new_privs " + ("set" if inside.get("NoNewPrivs") == "1" else "NOT set")
    seccomp = {"0": "not active", "1": "strict mode", "2": "active (filter)"}.get(inside.get("Seccomp", ""), "unknown")
    if inside.get("socket") == "allowed":
        seccomp += "; creating a socket: allowed"
    else:
        seccomp += f"; creating a socket: refused (errno {inside.get('socket')})"
    group = "yes, the run's own cgroup" if inside.get("cgroup") == "1" else "no cgroup (process cap instead)"
    return {"capabilities": caps, "seccomp": seccomp, "submission_limit": group, "uid": inside.get("uid", "?")}
