"""What ``archplan plan`` writes, Keras builds as the engine planned it, and trains unchanged.

Random points of each family, on random small problems, are built by archplan's Keras builder and
cross-checked layer by layer (shape, trainable and non-trainable weights): the families generate
nothing the engine and Keras disagree on. A handful of examples keeps this to a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archplan import SpecError, parse_spec, trace_network
from archplan.keras.build import build_model
from archplan.keras.crosscheck import crosscheck
from archplan.planner.families import FAMILIES, Family, Problem
from archplan.planner.written import layer_data
from tests.conftest import run_metrics
from tests.keras.conftest import realize
from tests.planner.conftest import points

pytestmark = pytest.mark.keras


@st.composite
def planned(draw: st.DrawFn) -> tuple[Family, dict[str, Any], Problem]:
    family = draw(st.sampled_from(list(FAMILIES.values())))
    space = family.space()
    point = draw(points(space))
    problem = Problem(
        input_shape=(draw(st.integers(12, 32)), draw(st.integers(12, 32)), draw(st.integers(1, 3))),
        classes=draw(st.integers(2, 10)),
    )
    return family, point, problem


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chosen=planned())
def test_random_points_of_every_family_build_as_the_engine_planned(
    keras_module: ModuleType, chosen: tuple[Family, dict[str, Any], Problem]
) -> None:
    family, point, problem = chosen
    network = family.network(point, problem)
    data = {"input": {"shape": list(problem.input_shape)},
            "layers": [layer_data(layer) for layer in network.layers]}  # fmt: skip
    try:
        trace = trace_network(parse_spec(data))
    except SpecError:
        return  # too many stages for the input: refused before anything is built
    keras_module.backend.clear_session()
    model = build_model(parse_spec(data))
    check = crosscheck(trace, model)
    rows = "\n".join(f"{r.name}: {r.engine} vs {r.keras}" for r in check.mismatches)
    assert check.agrees, rows
    assert model.count_params() == trace.total_params


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_largest_point_of_each_family_builds_as_planned(
    keras_module: ModuleType, family: str
) -> None:
    space = FAMILIES[family].space()
    network = FAMILIES[family].network(space.point(space.size - 1), Problem((32, 32, 3), 10))
    keras_module.backend.clear_session()
    assert crosscheck(trace_network(network), build_model(network)).agrees


def test_a_planned_spec_realizes_and_trains_unchanged(tiny_cifar: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from archplan.cli import app

    plan = {"input": {"shape": [32, 32, 3]}, "classes": 10,
            "families": {"resnet": {"stages": [2], "depth": [1], "width": [8]}},
            "training": {"optimizer": "adam", "epochs": 1, "batch_size": 32, "validation_split": 0.1},
            "top": 1}  # fmt: skip
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    out = tmp_path / "planned"
    result = CliRunner().invoke(app, ["plan", str(plan_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (spec,) = sorted(out.glob("01-*.json"))
    code, stdout, stderr = realize(spec, "--train", "--data", tiny_cifar, "--limit", "200",
                                   "--test-limit", "50", "--out", tmp_path / "run")  # fmt: skip
    assert (code, stderr) == (0, ""), stdout
    assert "✗" not in stdout
    assert run_metrics(tmp_path / "run")["epochs"] == 1
