"""Plan files: validated before anything is searched, one line per mistake; flags win."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archplan.errors import ArchplanError
from archplan.planner.choices import Objective
from archplan.planner.constraints import Limits
from archplan.planner.planfile import (
    DEFAULT_SAMPLES,
    Overrides,
    PlanFile,
    load_plan,
    parse_plan,
    resolve,
)
from archplan.planner.search import search
from archplan.planner.written import settings_data

BASE = {"input": {"shape": [32, 32, 3]}, "classes": 10}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"top": "5"}, "plan.json: top: input should be a valid integer, got \"5\""),
        ({"tops": 3}, "plan.json: tops: unknown field 'tops' (did you mean 'top'?)"),
        ({"constraints": {"max_parms": "1M"}},
         "plan.json: constraints.max_parms: unknown field 'max_parms' (did you mean 'max_params'?)"),
        ({"constraints": {"max_params": "1Q"}},
         "plan.json: constraints.max_params: '1Q' is not a count; write a number with an optional "
         "K, M or G (thousands, millions, billions), e.g. 1M, 2.5G or 1e12"),
        ({"constraints": {"max_memory": "64M"}},
         "plan.json: constraints.max_memory: '64M': say the unit in bytes, e.g. 64MB (1 KB = 1024 B)"),
        ({"constraints": {"final_size": [8, 2]}},
         "plan.json: constraints.final_size: [8, 2] is not a range of sizes of at least 1, smallest first"),
        ({"families": "plain"},
         "plan.json: families: expected a list of names ([\"plain\", \"resnet\"]) or an object of "
         "each family's choices ({\"plain\": {\"width\": [32, 64]}, \"resnet\": {}}), got \"plain\""),
        ({"families": {"plain": [32]}},
         "plan.json: families: plain: expected an object of parameter choices, e.g. "
         "{\"width\": [32, 64]}, got [32]"),
        ({"objective": "speed"},
         "plan.json: objective: input should be 'budget', 'params', 'macs', 'depth' or 'rf', got \"speed\""),
        ({"fixed_layers": [{"type": "RandomFlip", "mode": "horizontl"}]},
         "plan.json: fixed_layers[0] (RandomFlip): mode: unknown flip mode 'horizontl' (did you "
         "mean 'horizontal'?); one of 'horizontal', 'vertical', 'horizontal_and_vertical'"),
        ({"training": {"optimizer": "adam", "epochs": 0}},
         "plan.json: training.epochs: input should be greater than 0, got 0"),
        ({"classes": 1}, "plan.json: classes: input should be greater than or equal to 2, got 1"),
        ({"fixed_layers": [{"type": "Conv2d", "filters": 3}, {"type": "Dense"}]},
         "plan.json: fixed_layers[0] (Conv2d): unknown layer type 'Conv2d' (did you mean 'Conv2D'?)\n"
         "plan.json: fixed_layers[1] (Dense): units: missing; this argument is required"),
    ],
)  # fmt: skip
def test_malformed_plan_files_are_one_line_per_mistake(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ArchplanError) as problem:
        parse_plan({**BASE, **data}, source="plan.json")
    assert str(problem.value) == message


@pytest.mark.parametrize(
    ("data", "overrides", "message"),
    [
        ({}, Overrides(), "give --input-shape (e.g. 32x32x3) and --classes (e.g. 10), or a plan file "
                          "with 'input' and 'classes'"),
        (BASE, Overrides(families=("plian",)),
         "--family: unknown family 'plian' (did you mean 'plain'?); one of plain, resnet, mobile"),
        ({**BASE, "families": {"plain": {"widht": [32]}}}, Overrides(),
         "p.json: families.plain: unknown parameter 'widht' (did you mean 'width'?); plain's are "
         "stages, depth, depth_growth, width, width_factor, kernel, downsample, head, hidden, "
         "batch_norm"),
        ({**BASE, "families": {"resnet": {"width": [12]}}}, Overrides(),
         "p.json: families.resnet.width: 12 is not a positive multiple of 8 (widths are multiples of 8)"),
        ({**BASE, "fixed_layers": [{"type": "RandomFlip", "name": "stem_conv"}]}, Overrides(),
         "p.json: fixed_layers: a resnet network with these layers is not valid: layers[1]: name "
         "'stem_conv' is already used by layers[0]; layer names must be unique"),
        ({"input": {"shape": [64]}, "classes": 10}, Overrides(),
         "p.json: input: the families plan image networks; give height, width and channels, got [64]"),
    ],
)  # fmt: skip
def test_settings_that_cannot_be_searched(
    data: dict[str, Any], overrides: Overrides, message: str
) -> None:
    with pytest.raises(ArchplanError) as problem:
        resolve(parse_plan(data, source="p.json"), overrides, source="p.json")
    assert str(problem.value).startswith(message)
    assert "\n" not in str(problem.value)


def test_flags_override_the_file_and_fill_in_what_it_leaves_out() -> None:
    plan = parse_plan({**BASE, "constraints": {"max_params": "1M", "min_rf": 1.0},
                       "objective": "params", "training": {"batch_size": 16}})  # fmt: skip
    settings = resolve(plan, Overrides(max_params=500_000, max_macs=10**8, top=3, batch_size=128))
    assert settings.limits == Limits(max_params=500_000, max_macs=10**8, min_rf=1.0)
    assert (settings.objective, settings.top, settings.samples) == (
        Objective.params,
        3,
        DEFAULT_SAMPLES,
    )
    assert settings.batch_size == settings.training.batch_size == 128
    assert settings.family_names == ("plain", "resnet", "mobile")


def test_a_plan_without_a_training_block_gets_adam() -> None:
    settings = resolve(PlanFile(), Overrides(input_shape=(32, 32, 3), classes=10))
    assert settings.training.optimizer.type == "Adam"
    assert settings.batch_size == 64


def test_the_written_settings_are_a_plan_file_that_gives_the_same_plan(tmp_path: Path) -> None:
    data = {**BASE, "families": {"resnet": {"stages": [1, 2], "width": [8, 16]}},
            "constraints": {"max_params": "60K", "final_size": "8..", "max_memory": "128MB"},
            "fixed_layers": [{"type": "RandomFlip", "mode": "horizontal"}],
            "description": "a test plan"}  # fmt: skip
    settings = resolve(parse_plan(data), Overrides(objective=Objective.macs, seed=3))
    again = tmp_path / "again.json"
    again.write_text(json.dumps(settings_data(settings)), encoding="utf-8")
    reread = resolve(load_plan(again), Overrides())
    assert reread == settings
    assert [c.slug for c in search(reread).ranked] == [c.slug for c in search(settings).ranked]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", ":1:2: the JSON ends too early"),
        ("[,]", ":1:2: invalid JSON"),
        ("[]", ": a plan must be a JSON object, got a list"),
    ],
)
def test_unreadable_plan_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ArchplanError, match=message):
        load_plan(path)


def test_missing_plan_file(tmp_path: Path) -> None:
    with pytest.raises(ArchplanError, match="no such file; check the path"):
        load_plan(tmp_path / "nothing.json")
