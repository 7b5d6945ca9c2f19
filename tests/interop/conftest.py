"""Helpers for the interop tests: Keras (when installed), and running an exported script."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from archplan.engine.trace import Trace
from archplan.keras.crosscheck import crosscheck
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def keras() -> ModuleType:
    """Keras on TensorFlow, chosen the way ``archplan realize`` chooses it; skipped without it."""
    pytest.importorskip("keras")
    from archplan.keras.backend import load_keras

    return load_keras("tensorflow")


def script_module(text: str, folder: Path, name: str = "exported") -> ModuleType:
    """The exported script, written to ``folder`` and imported as a module (``main`` not run)."""
    path = folder / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"exported_{id(path)}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ruff_problems(path: Path, *, project_rules: bool) -> str:
    """``ruff check`` on a file: with ruff's defaults, or with this project's stricter rules."""
    config = ["--config", str(ROOT / "pyproject.toml")] if project_rules else ["--isolated"]
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *config, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if completed.returncode == 0 else completed.stdout + completed.stderr


def assert_model_is_the_trace(trace: Trace, model: Any) -> None:
    """Every layer the output depends on, by name: type, output shape and weights as traced;
    nothing more in the model; the input's shape too."""
    check = crosscheck(trace, model)
    differences = [
        f"{row.name}: engine {row.engine}, Keras {row.keras}" for row in check.mismatches
    ]
    assert check.agrees, (differences, check.unmatched_keras_layers)
    types = {layer.name: type(layer).__name__ for layer in model.layers}
    assert {row.name: types[row.name] for row in trace.counted} == {
        row.name: row.type for row in trace.counted
    }
    assert tuple(model.inputs[0].shape)[1:] == trace.input_shape
