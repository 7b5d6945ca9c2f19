"""``plan --out-dir DIR --format torch``: each chosen spec with its PyTorch script beside it, and each
script builds the spec's network exactly (PyTorch as the oracle)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from typer.testing import CliRunner

from archplan import load_spec, trace_network
from archplan.cli import app
from tests.interop.conftest import script_module
from tests.pytorch.test_export_torch import measured_rows, traced_rows

PLAN = ["plan", "--input-shape", "32x32x3", "--classes", "10", "--samples", "12", "--top", "2"]


def test_plan_writes_a_pytorch_script_beside_each_spec(torch: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = CliRunner().invoke(app, [*PLAN, "--out-dir", str(out), "--format", "torch"])
    assert result.exit_code == 0, result.output
    specs = sorted(out.glob("0*.json"))
    assert len(specs) == 2
    for spec in specs:
        script = spec.with_suffix(".py")
        assert f"{spec.name} and {script.name}" in result.output.replace("\n", "")
        trace = trace_network(load_spec(spec))
        text = script.read_text(encoding="utf-8")
        model = script_module(text, tmp_path, name=spec.stem.replace("-", "_")).build_model()
        assert measured_rows(trace, model) == traced_rows(trace)


def test_the_torch_format_needs_an_out_folder() -> None:
    result = CliRunner().invoke(app, [*PLAN, "--format", "torch"])
    assert result.exit_code == 2
    assert "--format torch: only with --out" in result.output
