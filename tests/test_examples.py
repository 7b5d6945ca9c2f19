"""What examples/ shows stays true: each script runs and prints what its comments promise."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def run_example(name: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return completed.stdout


def test_trace_as_library() -> None:
    out = run_example("trace_as_library.py")
    assert out.startswith("tutorial-dimensioning: (32, 32, 3) -> (10,)\n")
    assert "  conv2d           (28, 28, 16)    1,216  H, W: 32 − 5 + 1 = 28\n" in out
    assert "total parameters: 8,228\n" in out
    assert "with padding='same' first: (6, 6, 4) into Flatten, 10,428 parameters" in out
    assert "refused: layers[4] ('conv2d_2', Conv2D) on input (8, 8, 8): the output would be empty" in out
