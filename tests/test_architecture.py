"""The house's rules that a linter cannot see: only ``archplan.keras`` imports Keras, TensorFlow or
JAX, and only ``archplan.pytorch`` imports torch."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

FRAMEWORKS = {"keras", "tensorflow", "jax", "torch"}
PACKAGE = ROOT / "archplan"
PYTORCH = PACKAGE / "pytorch"


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
        if path.parent != PACKAGE / "keras"
        and imported_roots(path)
        & (FRAMEWORKS - {"torch"} if path.parent == PYTORCH else FRAMEWORKS)
    }
    assert offenders == {}


def test_only_the_pytorch_package_imports_torch() -> None:
    """torch (and torchvision) are imported by archplan.pytorch, which imports no other framework,
    and otherwise only by archplan.keras where Keras runs on its torch backend."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & {"torch", "torchvision"})
        for path in PACKAGE.rglob("*.py")
        if path.parent not in (PYTORCH, PACKAGE / "keras")
        and imported_roots(path) & {"torch", "torchvision"}
    }
    assert offenders == {}
    assert "torch" in set().union(*(imported_roots(path) for path in PYTORCH.glob("*.py")))


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
