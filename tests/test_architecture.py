"""The house's rules that a linter cannot see (only ``archplan.keras`` imports Keras, TensorFlow
or JAX, and only ``archplan.pytorch`` imports torch), and that import-linter's contracts name
every package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

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


def _contracts() -> dict[str, dict[str, object]]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return {contract["name"]: contract for contract in contracts}


def _packages() -> set[str]:
    """archplan's subpackages and top-level modules, as import-linter names them."""
    names = {path.stem for path in PACKAGE.glob("*.py")} | {
        path.parent.name for path in PACKAGE.glob("*/__init__.py")
    }
    return {f"archplan.{name}" for name in names - {"__init__", "__main__"}}


def test_every_package_is_placed_below_the_presentation() -> None:
    """A new package must join a stack (or the core) in pyproject.toml: import-linter checks only
    the packages its contracts name."""
    below = _contracts()["Neither stack nor the core imports the presentation"]
    named = set(below["source_modules"]) | set(below["forbidden_modules"])  # type: ignore[call-overload]
    assert _packages() - named == set()


def test_training_never_imports_the_presentation() -> None:
    """runs and study tell their watchers; the watchers draw history.png, search.png and word
    summary.txt (the same rule as import-linter's, read from the code itself)."""
    offenders = {
        str(path.relative_to(ROOT))
        for stack in ("runs", "study", "keras", "records", "data")
        for path in (PACKAGE / stack).rglob("*.py")
        if any(
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith(("archplan.report", "archplan.cli"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    }
    assert offenders == set()


def test_the_light_install_is_the_calculator_and_each_extra_has_a_purpose() -> None:
    """``make run`` installs pydantic, typer, rich and graphviz only; training, its backends, the
    measured search and its database driver are extras, each named for what it is for."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    roots = {dep.split(">")[0].split("<")[0].split("=")[0] for dep in project["dependencies"]}
    assert roots == {"pydantic", "typer", "rich", "graphviz"}
    assert all("<" in dep for dep in project["dependencies"] if not dep.startswith("graphviz"))
    extras = project["optional-dependencies"]
    assert {"train", "jax", "search", "postgres", "serve", "dev"} <= set(extras)
    assert any(dep.startswith("optuna") for dep in extras["search"])
    assert not any(dep.startswith(("optuna", "jax", "psycopg2")) for dep in extras["train"])


PRIVATE_NAMES = re.compile(
    r"\b(?:rich|typer|click)(?:\.\w+)*\._(?!_)\w+"  # rich._wrap, typer._click; not __mro__
    r"|\._(?:collapse_widths|click)\b|\b(?:ratio_reduce|divide_line)\b|[\x27\"]_click[\x27\"]"
)
"""rich's and typer's private names: archplan leans on their public APIs only."""


@pytest.mark.parametrize(
    ("line", "private"),
    [("from rich._wrap import divide_line", True), ("Table._collapse_widths(w, x, 3)", True),
     ("getattr(typer.core, '_click')", True), ("CLICK = typer.core._click", True),
     ("from rich.table import Table", False), ("typer.BadParameter.__mro__", False)],
)  # fmt: skip
def test_the_private_name_check_can_fail(line: str, private: bool) -> None:
    assert bool(PRIVATE_NAMES.search(line)) is private


def test_no_private_rich_or_typer_name_is_used() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("archplan", "benchmarks", "examples")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PRIVATE_NAMES.search(line)
    ]
    assert offenders == []
