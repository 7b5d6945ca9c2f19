"""archplan.trace and archplan.plan: the results are their tables, and hold the numbers."""

from __future__ import annotations

import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

import archplan
from archplan.cli import app
from tests.conftest import SPECS

TUTORIAL = SPECS / "tutorial-dimensioning.json"


def cli_trace(*args: str) -> str:
    result = CliRunner().invoke(app, ["trace", *args], env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert result.exit_code == 0
    return result.stdout


@pytest.mark.parametrize(
    "source",
    [str(TUTORIAL), TUTORIAL, json.loads(TUTORIAL.read_text(encoding="utf-8")), archplan.load_spec(TUTORIAL)],
    ids=["str", "path", "dict", "network"],
)  # fmt: skip
def test_trace_takes_a_path_a_dict_or_a_network(source: object) -> None:
    traced = archplan.trace(source)  # type: ignore[arg-type]
    assert (traced.layers[0].output_shape, traced.total_params) == ((28, 28, 16), 8228)


def test_the_result_is_the_table_the_command_prints() -> None:
    traced = archplan.trace(TUTORIAL, dtype="float16", batch_size=8)
    assert str(traced) == repr(traced)
    assert [line.rstrip() for line in str(traced).splitlines()] == [
        line.rstrip()
        for line in cli_trace(str(TUTORIAL), "--dtype", "float16", "--batch-size", "8").splitlines()
    ]
    console = Console(width=120, record=True, color_system=None)
    console.print(traced)  # __rich__
    assert "Total params:         8,228 (16.07 KB)" in console.export_text()
    assert traced.to_dict()["memory"]["batch_size"] == 8


def test_with_layer_changes_one_layer_and_keeps_the_rest() -> None:
    traced = archplan.trace(TUTORIAL)
    wider = traced.with_layer(0, padding="same")
    assert (wider.layers[0].output_shape, wider.total_params) == ((32, 32, 16), 10428)
    assert traced.total_params == 8228  # the original is untouched
    assert wider.network.layers[1:] == traced.network.layers[1:]
    by_name = traced.with_layer("conv2d_2", filters=8)
    assert by_name.layers[4].output_shape == (5, 5, 8)
    assert traced.with_layer(-1, activation=None).network.layers[-1].activation is None


@pytest.mark.parametrize(
    ("which", "changes", "message"),
    [
        ("conv2", {"filters": 3}, "no layer is named 'conv2' (did you mean 'conv2d'?)"),
        (9, {"filters": 3}, "layers[9]: the network has 8 layers (0..7)"),
        (0, {"kernel_size": "x"}, "tutorial-dimensioning: layers[0] (Conv2D): kernel_size: expected an integer >= 1"),
        (0, {"colour": "red"}, "tutorial-dimensioning: layers[0] (Conv2D): colour: unknown argument 'colour'"),
        (0, {"type": "Conv2d"}, "tutorial-dimensioning: layers[0] (Conv2d): unknown layer type 'Conv2d' (did you mean 'Conv2D'?)"),
        ("conv2d_2", {"kernel_size": 9}, "layers[4] ('conv2d_2', Conv2D) on input (7, 7, 8): the output would be empty"),
    ],
)  # fmt: skip
def test_a_bad_change_is_one_spec_error(
    which: int | str, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(archplan.SpecError) as refused:
        archplan.trace(TUTORIAL).with_layer(which, **changes)
    assert str(refused.value).startswith(message)


def test_plan_returns_its_table_and_its_networks() -> None:
    planned = archplan.plan(
        input_shape="32x32x3", classes=10, max_params="100K", family="plain", top=2
    )
    assert "Plan: input 32×32×3, 10 classes" in str(planned)
    networks = planned.networks()
    assert len(networks) == 2
    assert archplan.trace(networks[0]).total_params == planned.chosen[0].figures.params <= 100_000


def test_plan_refuses_what_nothing_fits() -> None:
    with pytest.raises(archplan.ArchplanError, match=r"^nothing fits: "):
        archplan.plan(input_shape=(32, 32, 3), classes=10, max_params=100, family="plain")
