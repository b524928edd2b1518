"""The layers of ``remediation/`` are a contract: checked here, in every test run.

``pyproject.toml`` declares them for import-linter: ``__main__ > cli > reports > services > storage > domain``,
each importing only from the layers below it, and the domain free of SQLAlchemy, pandas, Streamlit and
plotly. On top of that: no import cycle anywhere in the package, and no import of the package inside a
function (the way a cycle used to be held apart)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "remediation"
LAYERS = ("domain", "storage", "services", "reports", "cli")


def test_the_layers_are_the_folder_names():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(LAYERS)
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_import_linter_keeps_every_contract():
    executable = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([executable, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" not in result.stdout.split("Contracts:")[-1].split("\n")[0].replace("0 broken", "")


def test_import_linter_fails_on_an_upward_import(tmp_path):
    """The check can fail: a copy of the package where the domain imports storage breaks the contract."""
    shutil.copytree(PACKAGE, tmp_path / "remediation", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    rules = tmp_path / "remediation" / "domain" / "rules.py"
    rules.write_text(rules.read_text() + "\nfrom remediation.storage import queries  # an upward import\n")
    executable = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([executable, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1, result.stdout[-2000:]
    assert "remediation.domain.rules -> remediation.storage.queries" in result.stdout


def _cycles(graph) -> list[list[str]]:
    modules = sorted(m for m in graph.modules if m.startswith("remediation"))
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i.startswith("remediation"))
             for m in modules}
    found, state, stack = [], {}, []

    def visit(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for imported in edges.get(module, []):
            if state.get(imported) == "open":
                found.append(stack[stack.index(imported):] + [imported])
            elif imported not in state:
                visit(imported)
        stack.pop()
        state[module] = "done"

    for module in modules:
        if module not in state:
            visit(module)
    return found


def test_no_import_cycles_in_the_package():
    graph = grimp.build_graph("remediation")
    assert _cycles(graph) == []


def _imports_inside_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                names = ([sub.module or ""] if isinstance(sub, ast.ImportFrom) else
                         [a.name for a in sub.names] if isinstance(sub, ast.Import) else [])
                if (isinstance(sub, ast.ImportFrom) and sub.level) or any(
                        n.split(".")[0] in ("remediation", "pages") for n in names):
                    out.append(f"{path.relative_to(ROOT)}:{sub.lineno}")
    return out


@pytest.mark.parametrize("folder", ["remediation", "pages"])
def test_no_import_of_the_app_inside_a_function(folder):
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files
    assert [hit for f in files for hit in _imports_inside_functions(f)] == []
