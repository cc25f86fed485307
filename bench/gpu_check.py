"""One command for a machine with a GPU: every check that needs CUDA, in <= 6 minutes, one JSON + a Markdown block.

    python bench/gpu_check.py [--no-install] [--out DIR] [--tiny] [--questions ID ...]

On a bare GPU machine with only the repository copied, it first installs the project from its own files
(`pip install -e ".[test]"` into `.venv-gpu`, a venv that sees the machine's own torch, so a CUDA build
already there is kept) and re-runs itself there; `--no-install` uses the current interpreter as it is.

Steps, each timed and recorded (a failing step is recorded and the next one still runs):

1. the CUDA tests of `reference_impl` and of the code grader (`pytest tests/reference_impl tests/code -m cuda`);
2. the three attention cores in bf16 and fp32 against a float64 reference for T=S, T=1 and T<S with G<H;
3. which SDPA backend runs for each of those forms (flash, efficient, cuDNN, math);
4. `python -m reference_impl.bench --json --quick` at the Llama-3-8B sizes (H=32, G in {32, 8, 1}, D=128,
   bf16, batch 16 at context 4k: the targets' point; `--full-bench` for the whole grid);
5. code-grading calibration: for every code question, its model answer (fp32), the same computed in
   float16 and in bfloat16 inside, and each known-wrong mutant, graded on CUDA through the real grader;
   the largest errors are recorded and a CUDA tolerance is proposed from them (fp32 must pass, the half
   precision ones and every mutant must fail).

Without a GPU it says so, runs the CPU parts (2, 3 and 5 on the CPU, small sizes with `--tiny`), and
exits 0. Output: DIR/gpu_check.json and DIR/gpu_check.md (paste the block into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv-gpu"
BUDGET_S = 360  # the whole check must fit in six minutes on one GPU


def _say(text: str) -> None:
    print(text, flush=True)


# --- 0. install from the project's own files ------------------------------------------------------------


def install_and_reexec(argv: list[str]) -> int | None:
    """Make `.venv-gpu` (seeing the system's packages), `pip install -e .[test]` into it, re-run there.

    Returns the child's exit status, or None when the install failed and this interpreter should go on.
    """
    python = VENV / "bin" / "python"
    try:
        if not python.exists():
            _say(f"installing: python -m venv --system-site-packages {VENV.name}")
            subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(VENV)], check=True)
        _say('installing: pip install -e ".[test]" (from the project\'s pyproject.toml)')
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", ".[test]"], check=True, cwd=REPO)
    except (OSError, subprocess.CalledProcessError) as exc:
        _say(f"install failed ({exc}); going on with {sys.executable} as it is (it must have the project's requirements)")
        return None
    return subprocess.run([str(python), str(Path(__file__).resolve()), "--no-install", *argv], cwd=REPO).returncode


# --- the steps ---------------------------------------------------------------------------------------------


def step_cuda_tests(has_cuda: bool, timeout_s: int) -> dict[str, Any]:
    if not has_cuda:
        return {"skipped": "no CUDA device: the CUDA tests skip themselves here"}
    cmd = [sys.executable, "-m", "pytest", "tests/reference_impl", "tests/code", "-m", "cuda", "-q", "-p", "no:cacheprovider"]
    try:
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"command": " ".join(cmd[1:]), "passed": False, "summary": f"timed out after {timeout_s} s"}
    tail = (done.stdout + done.stderr).strip().splitlines()
    return {"command": "python " + " ".join(cmd[1:]), "passed": done.returncode == 0,
            "summary": tail[-1] if tail else "", "tail": tail[-30:]}


def core_errors(device: str, tiny: bool) -> list[dict[str, Any]]:
    """Largest absolute and relative errors of the three cores against float64, per dtype and causal form."""
    import torch

    from reference_impl.attention import CORES

    b, h, g, d = (1, 4, 2, 8) if tiny else (2, 32, 8, 128)
    s = 64 if tiny else 2048
    forms = (("T=S", s), ("T=1", 1), ("T<S", 16 if not tiny else 8))
    gen = torch.Generator().manual_seed(0)
    rows = []
    for form, t in forms:
        q = torch.randn(b, h, t, d, generator=gen, dtype=torch.float64)
        k = torch.randn(b, g, s, d, generator=gen, dtype=torch.float64)
        v = torch.randn(b, g, s, d, generator=gen, dtype=torch.float64)
        exact = CORES["einsum"](q, k, v)  # float64 on the CPU: the reference
        for dtype in (torch.float32, torch.bfloat16):
            for name, core in CORES.items():
                out = core(q.to(device, dtype), k.to(device, dtype), v.to(device, dtype)).double().cpu()
                err = (out - exact).abs()
                rows.append({"form": form, "T": t, "S": s, "H": h, "G": g, "D": d, "dtype": str(dtype).removeprefix("torch."),
                             "core": name, "max_abs": err.max().item(),
                             "max_rel": (err / exact.abs().clamp_min(1e-3)).max().item()})
    return rows


def step_bench(has_cuda: bool, full: bool, timeout_s: int) -> dict[str, Any]:
    if not has_cuda:
        return {"skipped": "no CUDA device: the Llama-3-8B sizes are GPU-only (run `python -m reference_impl.bench` for the CPU figures)"}
    cmd = [sys.executable, "-m", "reference_impl.bench", "--json"] + ([] if full else ["--quick"])
    try:
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"command": " ".join(cmd[1:]), "error": f"timed out after {timeout_s} s"}
    if done.returncode != 0:
        return {"command": " ".join(cmd[1:]), "error": done.stderr.strip().splitlines()[-5:]}
    return {"command": "python " + " ".join(cmd[1:]), "result": json.loads(done.stdout)}


def _cast_inside(answer: str, entry: str, dtype: str) -> str:
    """The model answer computed in ``dtype`` inside: floating inputs cast down, the result cast back."""
    return answer + f"""

_model_{entry} = {entry}


def {entry}(*args, **kwargs):
    import torch

    first = next((a for a in args if isinstance(a, torch.Tensor) and a.is_floating_point()), None)
    cast = lambda a: a.to(torch.{dtype}) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
    out = _model_{entry}(*[cast(a) for a in args], **{{k: cast(v) for k, v in kwargs.items()}})
    return out.to(first.dtype) if first is not None and isinstance(out, torch.Tensor) else out
"""


def calibrate(device: str, question_ids: list[str] | None) -> dict[str, Any]:
    """Grade each code question's fp32 model answer, its fp16-/bf16-inside versions and every mutant on ``device``."""
    from tutor.bank import load_bank
    from tutor.bank.variant import make_variant
    from tutor.grading import code

    bank = load_bank()
    questions = [q for q in bank.questions if q.kind == "code" and (not question_ids or q.id in question_ids)]
    rows = []
    for q in questions:
        variant = make_variant(q, 0)
        programs = [("fp32", q.answer, "pass"), ("fp16-inside", _cast_inside(q.answer, q.entry, "float16"), "fail"),
                    ("bf16-inside", _cast_inside(q.answer, q.entry, "bfloat16"), "fail")]
        programs += [(f"mutant {m.name}", m.code, "fail") for m in q.mutants]
        tol = q.tolerance.cuda if device == "cuda" else q.tolerance.cpu
        for label, source, want in programs:
            g = code.grade(variant, source, device=device, values_seed=0) if _takes_values_seed() else \
                code.grade(variant, source, device=device)
            cases = g.details.get("cases", []) if g.details else []
            errors = [c for c in cases if c.get("max_abs_error") is not None]
            passed = bool(cases) and all(c["passed"] for c in cases)
            rows.append({
                "question": q.id, "program": label, "want": want, "passed": passed, "ok": passed == (want == "pass"),
                "max_abs": max((c["max_abs_error"] for c in errors), default=None),
                "max_rel": max((c["max_rel_error"] for c in errors), default=None),
                "tolerance": {"rtol": tol.rtol, "atol": tol.atol},
            })
    return {"device": device, "rows": rows, "proposal": propose_tolerance(rows)}


def _takes_values_seed() -> bool:
    import inspect

    from tutor.grading import code

    return "values_seed" in inspect.signature(code.grade).parameters


def propose_tolerance(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A tolerance 10x above the worst fp32 error, and whether it is below the half-precision errors."""
    fp32 = [r["max_abs"] for r in rows if r["program"] == "fp32" and r["max_abs"] is not None]
    half = [r["max_abs"] for r in rows if r["program"] in ("fp16-inside", "bf16-inside") and r["max_abs"] is not None]
    if not fp32:
        return {"note": "no fp32 errors measured"}
    worst = max(fp32)
    proposed = _round_up(max(10 * worst, 1e-6))
    smallest_half = min(half) if half else None
    return {
        "worst_fp32_abs": worst,
        "smallest_half_abs": smallest_half,
        "proposed_atol_rtol": proposed,
        "separates": smallest_half is not None and proposed < smallest_half,
    }


def _round_up(x: float) -> float:
    """The next value of the 1-2-5 series at or above ``x``."""
    import math

    exponent = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10**exponent >= x:
            return float(f"{m * 10**exponent:.0e}")
    return 10.0 ** (exponent + 1)


# --- the report ---------------------------------------------------------------------------------------------


def markdown(record: dict[str, Any]) -> str:
    m = record["machine"]
    lines = [
        f"### GPU check ({record['date']})",
        "",
        f"- machine: {m.get('gpu', 'no GPU')}; {m.get('cpu', '')}; torch {m['torch']}; CUDA {m.get('cuda', '-')}",
        f"- command: `{record['command']}`; wall time {record['wall_s']:.0f} s",
    ]
    if not record["has_cuda"]:
        lines.append("- **no CUDA device**: only the CPU parts ran; the GPU figures below are missing, not measured")
    steps = record["steps"]
    t = steps.get("cuda_tests", {})
    lines.append(f"- CUDA tests: {t.get('skipped') or ('passed' if t.get('passed') else 'FAILED') + ': ' + t.get('summary', '')}")
    if "cores" in steps and isinstance(steps["cores"].get("rows"), list):
        lines += ["", "| form | dtype | core | max abs error vs float64 | max rel error |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {r['form']} | {r['dtype']} | {r['core']} | {r['max_abs']:.2e} | {r['max_rel']:.2e} |"
                  for r in steps["cores"]["rows"]]
    if "backends" in steps and isinstance(steps["backends"].get("rows"), list):
        lines += ["", "SDPA backends (attend_sdpa): " + "; ".join(f"{r['case']} -> {r['backend']}" for r in steps["backends"]["rows"])]
    b = steps.get("bench", {})
    if "result" in b:
        res = b["result"]
        ra, bw = res["ratios"], res["bandwidth"]
        lines += ["", f"`{b['command']}`: read bandwidth {bw['read_bytes_per_s'] / 1e12:.2f} TB/s, copy "
                  f"{bw['copy_bytes_per_s'] / 1e12:.2f} TB/s" + (f" (published {res['device_spec']['bytes_per_s'] / 1e12:.2f} TB/s)"
                                                             if res.get("device_spec") else ""),
                  f"GQA-8 decode efficiency (batch 16, context 4k): {_pct(ra['gqa8_sdpa_efficiency'])} (target >= 75%); "
                  f"MHA/GQA-8 {_x(ra['mha_over_gqa8'])} (>= 3.3x); MHA/MQA {_x(ra['mha_over_mqa'])} (>= 16x); "
                  f"repeat/fused GQA-8 {_x(ra['repeat_over_sdpa_gqa8'])}, preallocated {_x(ra['repeat_prealloc_over_sdpa_gqa8'])} (>= 5x)"]
    else:
        lines += ["", f"bench: {b.get('skipped') or b.get('error')}"]
    c = steps.get("calibration", {})
    if isinstance(c.get("rows"), list):
        lines += ["", f"Code-grading calibration on {c['device']}:", "",
                  "| question | program | should | passed | max abs error | max rel error |", "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r['question']} | {r['program']} | {r['want']} | {'yes' if r['passed'] else 'no'}{'' if r['ok'] else ' (WRONG)'} "
                  f"| {_e(r['max_abs'])} | {_e(r['max_rel'])} |" for r in c["rows"]]
        p = c["proposal"]
        if "proposed_atol_rtol" in p:
            lines += ["", f"worst fp32 error {p['worst_fp32_abs']:.2e}, smallest half-precision error "
                      f"{_e(p['smallest_half_abs'])}: proposed tolerance rtol = atol = {p['proposed_atol_rtol']:g} "
                      f"({'separates them' if p['separates'] else 'does NOT separate them'})"]
    failed = [name for name, s in steps.items() if "error" in s]
    if failed:
        lines += ["", "steps that failed: " + ", ".join(failed) + " (see the JSON)"]
    return "\n".join(lines) + "\n"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def _x(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def _e(v: float | None) -> str:
    return "-" if v is None else f"{v:.2e}"


def machine_info(has_cuda: bool) -> dict[str, str]:
    import torch

    info = {"platform": platform.platform(), "python": platform.python_version(), "torch": torch.__version__}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    if has_cuda:
        info["gpu"] = torch.cuda.get_device_name()
        info["cuda"] = str(torch.version.cuda)
    return info


def run_check(args: argparse.Namespace, command: str) -> dict[str, Any]:
    import torch

    started = time.perf_counter()
    has_cuda = torch.cuda.is_available()
    device = "cuda" if has_cuda else "cpu"
    if not has_cuda:
        _say("no CUDA device here: running the CPU parts only (the GPU steps are recorded as skipped); exit status 0")
    record: dict[str, Any] = {"command": command, "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                              "has_cuda": has_cuda, "machine": machine_info(has_cuda), "steps": {}}

    def step(name: str, fn: Callable[[], Any]) -> None:
        t0 = time.perf_counter()
        _say(f"[{time.perf_counter() - started:5.0f} s] {name} ...")
        try:
            out = fn()
            entry = out if isinstance(out, dict) else {"rows": out}
        except Exception as exc:  # record and go on: the other steps still count
            entry = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc().splitlines()[-8:]}
        entry["seconds"] = round(time.perf_counter() - t0, 1)
        record["steps"][name] = entry
        _say(f"        {name}: {entry.get('skipped') or entry.get('error') or 'done'} ({entry['seconds']} s)")

    left = lambda: max(30, int(BUDGET_S - (time.perf_counter() - started)))  # noqa: E731
    step("cuda_tests", lambda: step_cuda_tests(has_cuda, min(120, left())))
    step("cores", lambda: core_errors(device, args.tiny))

    def backends() -> list[dict[str, Any]]:
        from reference_impl import bench

        plan = bench.make_plan(torch.device(device), quick=True)
        if args.tiny:
            import dataclasses

            plan = dataclasses.replace(plan, n_heads=4, head_dim=8, kv_heads=(4, 2, 1), ratio_point=(1, 64))
        dtype = torch.bfloat16 if has_cuda else torch.float32
        return bench.backend_report(plan, torch.device(device), dtype)

    step("backends", backends)
    step("bench", lambda: step_bench(has_cuda, args.full_bench, min(240 if args.full_bench else 150, left())))
    step("calibration", lambda: calibrate(device, args.questions))
    record["wall_s"] = time.perf_counter() - started
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-install", action="store_true", help="use this interpreter as it is (the venv is already there)")
    parser.add_argument("--out", type=Path, default=REPO / "gpu-check", help="folder for gpu_check.json and gpu_check.md")
    parser.add_argument("--tiny", action="store_true", help="small sizes everywhere (a smoke test of the script itself)")
    parser.add_argument("--questions", nargs="+", metavar="ID", help="calibrate only these code questions (default: all)")
    parser.add_argument("--full-bench", action="store_true",
                        help="the whole benchmark grid (batch 1/16/64 at 4k, 16 at 32k) instead of --quick's batch 16 "
                        "at 4k, the targets' point; may not fit the 6 minutes")
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(raw)
    if not args.no_install:
        status = install_and_reexec(raw)
        if status is not None:
            return status
    sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    record = run_check(args, "python bench/gpu_check.py " + " ".join(raw))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu_check.json").write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    text = markdown(record)
    (args.out / "gpu_check.md").write_text(text, encoding="utf-8")
    _say("")
    _say(text)
    _say(f"wrote {args.out / 'gpu_check.json'} and {args.out / 'gpu_check.md'}")
    failures = [name for name, s in record["steps"].items() if "error" in s or s.get("passed") is False]
    wrong = [r for r in record["steps"].get("calibration", {}).get("rows", []) if not r["ok"]]
    if failures or wrong:
        _say(f"problems: {', '.join(failures)}{' and ' if failures and wrong else ''}"
             f"{f'{len(wrong)} calibration verdict(s) not as they should be' if wrong else ''}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
