"""Branched specs through the CLI: tables show what feeds each layer, JSON rows name their inputs,
warnings go to stderr (exit 0), mismatches are one error line, and the plot draws every branch."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import SPECS, chain

runner = CliRunner()
WIDTH = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
RESNET = str(SPECS / "resnet-small.json")
TUTORIAL = str(SPECS / "tutorial-convnet.json")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="Graphviz' dot is not installed (make test installs it)",
)
UNUSED = chain(
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same", "name": "stem"},
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "name": "forgotten"},
    {"type": "GlobalAveragePooling2D", "inputs": ["stem"]},
    {"type": "Dense", "units": 10, "activation": "softmax"},
)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=WIDTH)
    return result.exit_code, result.stdout, result.stderr


def test_resnet_small_traces_with_the_layers_feeding_each_row() -> None:
    code, out, err = invoke("trace", RESNET)
    assert (code, err) == (0, "")
    assert "← stem_relu, s1b1_bn2" in out
    assert "← s2b1_proj_bn, s2b1_bn2" in out
    assert "s2b1_proj (Conv2D)" in out
    assert "Total params:         176,378 (688.98 KB)" in out
    assert "Non-trainable params:     1,120 (4.38 KB)" in out
    assert "MACs:                 26,657,408; FLOPs (2·MACs): 53,314,816" in out


def test_chain_tables_show_no_inputs() -> None:
    code, out, _ = invoke("trace", TUTORIAL)
    assert code == 0
    assert "←" not in out


def test_params_table_of_a_graph() -> None:
    code, out, err = invoke("params", RESNET)
    assert (code, err) == (0, "")
    assert "3·3·16·32 = 4,608" in out
    assert "← s1b2_out" in out
    assert "176,378 (688.98 KB)" in out


def test_json_rows_name_their_inputs() -> None:
    code, out, err = invoke("trace", RESNET, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    rows = {row["name"]: row for row in data["layers"]}
    assert rows["stem_conv"]["inputs"] == ["input"]
    assert rows["s1b1_add"]["inputs"] == ["stem_relu", "s1b1_bn2"]
    assert rows["s1b1_add"]["input_shapes"] == [[32, 32, 16], [32, 32, 16]]
    assert rows["s1b1_add"]["input_shape"] == [32, 32, 16]
    assert all(row["reaches_output"] for row in data["layers"])
    assert data["warnings"] == []
    assert data["total_params"] == 176_378
    assert rows["classes"]["receptive_field"] == 32
    assert rows["s3b2_out"]["receptive_field"] == 53
    assert rows["s3b2_out"]["jump"] == 4


def test_chain_json_rows_name_the_previous_layer() -> None:
    data = json.loads(invoke("trace", TUTORIAL, "--json")[1])
    assert [row["inputs"] for row in data["layers"][:3]] == [["input"], ["conv2d"], ["conv2d_1"]]
    assert data["warnings"] == []


@pytest.mark.parametrize("command", [["trace"], ["params"], ["trace", "--json"]])
def test_an_unused_output_is_a_warning_on_stderr_and_exit_0(
    command: list[str], write_spec: Callable[..., Path]
) -> None:
    path = write_spec(UNUSED)
    code, out, err = invoke(*command, str(path))
    assert code == 0
    assert err == (
        f"warning: {path}: layers[1] ('forgotten', Conv2D): its output is not used by any later "
        "layer, so Keras leaves it (and any layer only it uses) out of the model, and archplan out "
        "of the totals; name it in a later layer's inputs, or remove it\n"
    )
    if "--json" in command:
        data = json.loads(out)
        assert data["warnings"] == [err.removeprefix(f"warning: {path}: ").rstrip("\n")]
        assert [row["reaches_output"] for row in data["layers"]] == [True, False, True, True]
        assert data["total_params"] == 112 + 50
    else:
        assert "forgotten (Conv2D) unused" in out


def test_the_warning_is_yellow(
    monkeypatch: pytest.MonkeyPatch, write_spec: Callable[..., Path]
) -> None:
    monkeypatch.setattr(
        "archplan.cli.boundary.stderr_console",
        lambda: Console(stderr=True, force_terminal=True, color_system="standard", highlight=False),
    )
    result = runner.invoke(app, ["trace", "--json", str(write_spec(UNUSED))])
    assert result.exit_code == 0
    assert result.stderr.startswith("\x1b[1;33mwarning:\x1b[0m ")


def test_a_merge_mismatch_is_one_error_line(write_spec: Callable[..., Path]) -> None:
    spec = chain(
        {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same", "name": "stem"},
        {"type": "Conv2D", "filters": 16, "kernel_size": 3, "name": "b"},
        {"type": "Add", "inputs": ["stem", "b"], "name": "sum"},
    )
    path = write_spec(spec)
    code, out, err = invoke("trace", str(path))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}: layers[2] ('sum', Add) gets (32, 32, 16) from 'stem' and (30, 30, 16) from "
        "'b': height differs (32 vs 30); an element-wise merge needs equal sizes on every axis (or 1, "
        "repeated to match); use padding='same' on 'b'\n"
    )


def test_a_forward_reference_is_one_error_line(write_spec: Callable[..., Path]) -> None:
    spec = chain(
        {"type": "Add", "inputs": ["input", "later"]}, {"type": "Identity", "name": "later"}
    )
    path = write_spec(spec)
    code, _, err = invoke("params", str(path))
    assert code == 2
    assert err == (
        f"error: {path}: layers[0] ('add', Add): inputs: 'later' is defined later, at layers[1]; "
        "layers must come after the layers they use\n"
    )


def test_compare_a_graph_with_a_chain() -> None:
    code, out, err = invoke("compare", RESNET, TUTORIAL, "--json")
    assert (code, err) == (0, "")
    networks = {network["name"]: network for network in json.loads(out)["networks"]}
    assert networks["resnet-small"]["params"] == 176_378
    assert networks["resnet-small"]["receptive_field"] == 53
    assert networks["resnet-small"]["depth"] == 31  # 15 Conv2D, 15 BatchNormalization, 1 Dense


def svg_edges(path: Path) -> list[str]:
    """The ``tail->head`` titles of every arrow in the SVG."""
    root = ET.parse(path).getroot()
    namespace = "{http://www.w3.org/2000/svg}"
    return [
        title.text or ""
        for group in root.iter(f"{namespace}g")
        if group.get("class") == "edge"
        for title in group.iter(f"{namespace}title")
    ]


@needs_dot
def test_plot_draws_every_branch(tmp_path: Path) -> None:
    output = tmp_path / "resnet.svg"
    code, _, err = invoke("plot", RESNET, "-o", str(output))
    assert (code, err) == (0, "")
    edges = svg_edges(output)
    data = json.loads(invoke("trace", RESNET, "--json")[1])
    assert len(edges) == sum(len(row["inputs"]) for row in data["layers"])
    index = {row["name"]: f"layer{row['index']}" for row in data["layers"]} | {"input": "input"}
    assert f"{index['stem_relu']}->{index['s1b1_add']}" in edges
    assert f"{index['s1b2_out']}->{index['s2b1_proj']}" in edges
    assert f"{index['s2b1_proj_bn']}->{index['s2b1_add']}" in edges
    text = ET.tostring(ET.parse(output).getroot(), encoding="unicode")
    assert "(32, 32, 16), (32, 32, 16) → (32, 32, 16)" in text


@needs_dot
def test_plot_marks_a_layer_the_output_does_not_use(
    tmp_path: Path, write_spec: Callable[..., Path]
) -> None:
    output = tmp_path / "unused.svg"
    code, _, err = invoke("plot", str(write_spec(UNUSED)), "-o", str(output))
    assert code == 0
    assert err.startswith("warning: ")
    assert 'stroke-dasharray="5,2"' in output.read_text()
