"""The light commands stay light: ``trace``, ``params``, ``import`` (of a Keras model) and ``export``
(as Keras or as PyTorch code) import no deep-learning framework (nor numpy) to run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SPECS
from tests.interop.keras_configs import conv, functional, tensor, write_keras

HEAVY = (
    "tensorflow",
    "keras",
    "jax",
    "torch",
    "numpy",
    "matplotlib",
    "PIL",
    "optuna",
    "sqlalchemy",
)

PROBE = """
import json, sys
from typer.testing import CliRunner
from archplan.cli import app
spec, model, folder = sys.argv[1:]
commands = (
    ["trace", spec], ["params", spec], ["trace", "--json", spec],
    ["import", model], ["import", model, "-o", folder + "/imported.json"],
    ["export", spec], ["export", spec, "--format", "keras-json", "-o", folder + "/model.json"],
    ["export", spec, "--format", "torch"], ["export", spec, "--format", "torch", "-o", folder + "/m.py"],
)
for command in commands:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, (command, result.output)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_light_commands_import_no_framework(tmp_path: Path) -> None:
    spec = str(SPECS / "tutorial-convnet.json")
    model = write_keras(tmp_path, functional(conv("c", tensor("input_layer", (8, 8, 3)))))
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, spec, str(model), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    loaded = set(json.loads(completed.stdout.splitlines()[-1]))
    assert "archplan" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


PLANNER_PROBE = """
import json, sys
from typer.testing import CliRunner
from archplan.cli import app
commands = [
    ["plan", "--input", "32x32x3", "--classes", "10", "--samples", "20", "--max-params", "1M"],
    ["plan", "--input", "32x32x3", "--classes", "10", "--samples", "20", "--json"],
    ["plan", "--help"],
    ["fix", sys.argv[1]],
    ["solve", "--input", "32", "--output", "16"],
]
for command in commands:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_plan_fix_and_solve_import_no_framework() -> None:
    """Without --out, ``plan`` draws nothing, so not even numpy or matplotlib is loaded."""
    completed = subprocess.run(
        [sys.executable, "-c", PLANNER_PROBE, str(SPECS / "resnet-small.json")],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    loaded = set(json.loads(completed.stdout.splitlines()[-1]))
    assert "archplan" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
