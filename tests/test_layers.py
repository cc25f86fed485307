"""The layers point one way: no import cycle anywhere in `tutor/`, and the import-linter contracts hold.

The cycle scan reads every module's imports from its source, module-level and function-level
(deferred) alike, since a deferred import still runs and still ties the two modules together.
`importlib.import_module("a.b")` counts as an import of `a.b`, and one of an f-string `"a.{x}"` as
a possible import of every `a.*`. Imports under `if TYPE_CHECKING:` are left out: they never run;
so is a module naming its own ancestor package, which Python has imported before the module runs. The contracts (layers, and the
forbidden imports: `reference_impl` imports no `tutor`; `bank`, `grading`, `session`, `exam` import
no `textual`) are in `pyproject.toml` under `[tool.importlinter]`, checked by `lint-imports`.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _dynamic_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("import_module", "__import__")


def imported_names(tree: ast.AST, package: str) -> list[tuple[str, int]]:
    """(module named, line) of every import that can run: at any depth, but not under `if TYPE_CHECKING:`."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((base, node.lineno))
            found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names)
        elif isinstance(node, ast.Call) and _dynamic_import(node.func) and node.args:
            # importlib.import_module("a.b") is an import; an f-string "a.{name}" may import any a.*
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((arg.value, node.lineno))
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                found.append((str(arg.values[0].value) + "*", node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph(package_dir: Path) -> dict[str, dict[str, int]]:
    """module -> {module of the same tree it imports: line}."""
    paths = sorted(package_dir.rglob("*.py"))
    modules = {module_name(p): p for p in paths}
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: dict[str, int] = {}
        for target, line in imported_names(ast.parse(path.read_text(encoding="utf-8")), package):
            targets = [m for m in modules if m.startswith(target[:-1])] if target.endswith("*") else [target]
            for t in targets:
                # A module's own ancestor packages are imported before it runs anyway: naming one adds no edge.
                if t in modules and t != name and not name.startswith(t + "."):
                    edges.setdefault(t, line)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def connect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = set(component)
    lines = [f"  {a} -> {b} (line {graph[a][b]})" for a in component for b in sorted(graph[a]) if b in members]
    return "import cycle among " + ", ".join(component) + ":\n" + "\n".join(lines)


def test_no_import_cycles_in_tutor():
    graph = import_graph(ROOT / "tutor")
    assert len(graph) > 50  # the scan found the package
    found = cycles(graph)
    assert not found, "\n".join(describe(c, graph) for c in found)


def test_the_scan_sees_function_level_imports_and_skips_type_checking(tmp_path: Path):
    """The scanner itself: a deferred import closes a cycle; a TYPE_CHECKING one does not."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.a import x\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\nimport pkg.a\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nimport pkg.c\nif TYPE_CHECKING:\n    from pkg.c import y\n")
    (pkg / "e.py").write_text("import importlib\ndef run(n):\n    return importlib.import_module(f'pkg.sub.{n}')\n")
    (pkg / "sub").mkdir()
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "one.py").write_text("def f():\n    from pkg.e import run\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        graph = import_graph(pkg)
    finally:
        ROOT = saved
    assert cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.e", "pkg.sub.one"]]
    assert graph["pkg.c"] == {"pkg.a": 4}
    assert graph["pkg.d"] == {"pkg.c": 2}


def test_import_linter_contracts_hold():
    """`lint-imports` (import-linter) over the contracts in pyproject.toml: layers and forbidden imports."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    result = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout
