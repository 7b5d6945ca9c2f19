"""``archplan trace``/``params`` stay light: no deep-learning framework is imported to run them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, SPECS

HEAVY = ("tensorflow", "keras", "jax", "torch", "numpy", "matplotlib", "PIL")

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
