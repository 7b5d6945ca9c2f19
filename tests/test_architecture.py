"""The house's rules that a linter cannot see: only ``archplan.keras`` ever imports a framework."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

FRAMEWORKS = {"keras", "tensorflow", "jax", "torch"}
PACKAGE = ROOT / "archplan"


def imported_roots(path: Path) -> set[str]:
    """The top-level packages a module imports, anywhere in it (inside functions too)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def test_only_the_keras_package_imports_a_framework() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FRAMEWORKS)
        for path in PACKAGE.rglob("*.py")
        if path.parent != PACKAGE / "keras" and imported_roots(path) & FRAMEWORKS
    }
    assert offenders == {}


def test_only_the_study_package_imports_optuna() -> None:
    """The measured search's engine stays above the run lifecycle: nothing below imports it."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & {"optuna", "sqlalchemy"})
        for path in PACKAGE.rglob("*.py")
        if path.parent != PACKAGE / "study" and imported_roots(path) & {"optuna", "sqlalchemy"}
    }
    assert offenders == {}


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import keras\n    importlib.import_module('jax.numpy')\n")
    assert imported_roots(module) == {"keras", "jax"}


def test_only_serve_imports_the_web_framework() -> None:
    """The other commands never load Starlette or uvicorn (the serve extra)."""
    web = {"starlette", "uvicorn"}
    allowed = {PACKAGE / "serve", PACKAGE / "cli" / "serve.py"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & web)
        for path in PACKAGE.rglob("*.py")
        if not ({path, path.parent} & allowed) and imported_roots(path) & web
    }
    assert offenders == {}
