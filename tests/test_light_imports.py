"""``archplan trace``/``params`` stay light: no deep-learning framework is imported to run them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, SPECS

HEAVY = ("tensorflow", "keras", "jax", "torch", "numpy", "matplotlib", "PIL", "optuna", "sqlalchemy")

PROBE = """
import json, sys
from typer.testing import CliRunner
from archplan.cli import app
for command in (["trace"], ["params"], ["trace", "--json"]):
    result = CliRunner().invoke(app, [*command, sys.argv[1]])
    assert result.exit_code == 0, result.output
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_trace_and_params_import_no_framework() -> None:
    spec = str(SPECS / "tutorial-convnet.json")
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, spec], capture_output=True, text=True, cwd=ROOT, check=True
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
