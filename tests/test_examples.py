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


def test_plan_as_library() -> None:
    out = run_example("plan_as_library.py")
    assert out.splitlines() == [
        "trial 0: resnet-2x24-2x48-2x96-2x192-k5-pool-flatten: breaks --max-params (4,355,122 vs 200,000)",
        "trial 1: resnet-2x48-2x48-2x48-2x48-k5-stride-gap: breaks --max-params (936,442 vs 200,000)",
        "trial 2: resnet-3x24-3x24-3x24-k3-pool-flatten: fits, 111,154 parameters, 42,482,688 MACs, 70 layers in its spec",
        "trial 3: resnet-2x24-k3-flatten: breaks --max-params (267,634 vs 200,000), --min-rf (0.34375 vs 1.0)",
        "trial 4: resnet-1x8-1x16-1x32-k5-stride-flatten: fits, 73,602 parameters, 8,892,416 MACs, 30 layers in its spec",
    ]
