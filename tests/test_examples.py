"""What examples/ and docs/interop.md show stays true: each script runs and prints what its
comments and the page promise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import ROOT

INTEROP = (ROOT / "docs" / "interop.md").read_text(encoding="utf-8")
APPLICATIONS_TABLE = ROOT / "examples" / "keras_applications_table.md"


def run_example(name: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's archplan
        check=True,
    )
    return completed.stdout


def page_block(after: str, fence: str = "```text") -> str:
    """The first fenced block of docs/interop.md after the line that contains ``after``."""
    start = INTEROP.index(after)
    match = re.compile(re.escape(fence) + r"\n(.*?)\n```", re.DOTALL).search(INTEROP, start)
    assert match is not None, after
    return match.group(1)


def test_trace_as_library() -> None:
    out = run_example("trace_as_library.py")
    assert out.startswith("tutorial-dimensioning: (32, 32, 3) -> (10,)\n")
    assert "  conv2d           (28, 28, 16)    1,216  H, W: 32 − 5 + 1 = 28\n" in out
    assert "total parameters: 8,228\n" in out
    assert "with padding='same' first: (6, 6, 4) into Flatten, 10,428 parameters" in out
    assert (
        "refused: layers[4] ('conv2d_2', Conv2D) on input (8, 8, 8): the output would be empty"
        in out
    )


def test_plan_as_library() -> None:
    out = run_example("plan_as_library.py")
    assert out.splitlines() == [
        "trial 0: resnet-2x24-2x48-2x96-2x192-k5-pool-flatten: breaks --max-params (4,355,122 vs 200,000)",
        "trial 1: resnet-2x48-2x48-2x48-2x48-k5-stride-gap: breaks --max-params (936,442 vs 200,000)",
        "trial 2: resnet-3x24-3x24-3x24-k3-pool-flatten: fits, 111,154 parameters, 42,482,688 MACs, 70 layers in its spec",
        "trial 3: resnet-2x24-k3-flatten: breaks --max-params (267,634 vs 200,000), --min-rf (0.34375 vs 1.0)",
        "trial 4: resnet-1x8-1x16-1x32-k5-stride-flatten: fits, 73,602 parameters, 8,892,416 MACs, 30 layers in its spec",
    ]


def test_the_page_shows_the_exported_script_as_it_is() -> None:
    result = CliRunner().invoke(app, ["export", str(ROOT / "specs" / "tutorial-convnet.json")])
    assert result.exit_code == 0
    assert page_block("The script passes `ruff check`") in result.stdout


def test_the_applications_table_leaves_no_application_out() -> None:
    table = APPLICATIONS_TABLE.read_text(encoding="utf-8")
    assert "Left out" not in table
    for name in ("InceptionResNetV2", "ConvNeXtTiny", "ConvNeXtXLarge"):
        assert f"| {name} |" in table


def test_the_page_quotes_the_applications_table() -> None:
    assert APPLICATIONS_TABLE.read_text(encoding="utf-8").rstrip("\n") in INTEROP


@pytest.mark.keras
@pytest.mark.applications
def test_the_applications_table_is_what_its_script_prints() -> None:
    assert run_example("keras_applications_table.py") == APPLICATIONS_TABLE.read_text(
        encoding="utf-8"
    )


@pytest.mark.keras
@pytest.mark.applications
def test_the_pages_import_example(tmp_path: Path) -> None:
    """The page's commands, run: MobileNetV3Small saved by Keras, imported by archplan."""
    pytest.importorskip("keras")
    from archplan.keras.backend import load_keras

    keras = load_keras("tensorflow")
    keras.backend.clear_session()
    model = tmp_path / "mobilenet_v3_small.keras"
    keras.applications.MobileNetV3Small(weights=None, input_shape=(224, 224, 3)).save(model)
    spec = tmp_path / "mobilenet_v3_small.json"
    result = CliRunner().invoke(app, ["import", str(model), "-o", str(spec)])
    assert result.exit_code == 0
    assert (
        result.stdout.replace(str(tmp_path) + "/", "")
        == page_block("`archplan import` answers") + "\n"
    )
    shown = page_block("only the arguments that differ from Keras' defaults").splitlines()
    written = spec.read_text(encoding="utf-8").splitlines()
    cut = shown.index("    ...")
    assert written[:cut] == shown[:cut]
    after = shown[cut + 1 :]
    start = written.index(after[0])
    assert written[start : start + len(after)] == after
