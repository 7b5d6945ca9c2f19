"""The families: the tutorial and resnet-small are points of theirs; every point is a valid spec
that measures as it traces; a point's name tells its network apart."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archplan import SpecError, parse_spec, trace_network
from archplan.engine.measure import measure_network
from archplan.layers import Layer
from archplan.planner.families import FAMILIES, Family, Problem, round_width, stage_layout
from archplan.planner.written import layer_data
from archplan.schema import load_spec
from tests.conftest import SPECS
from tests.planner.conftest import family_points, problems

TUTORIAL_POINT = {
    "stages": 3, "depth": 2, "depth_growth": 0, "width": 64, "width_factor": 0.5, "kernel": 3,
    "downsample": "pool", "head": "flatten", "hidden": "512-64", "batch_norm": False,
}  # fmt: skip
RESNET_SMALL_POINT = {
    "stages": 3, "depth": 2, "depth_growth": 0, "width": 16, "width_factor": 2.0, "kernel": 3,
    "downsample": "stride", "head": "gap",
}  # fmt: skip


def rows(trace: Any) -> list[tuple[Any, ...]]:
    return [(row.name, row.type, row.output_shape, row.trainable_params, row.non_trainable_params,
             row.macs) for row in trace.layers]  # fmt: skip


@pytest.mark.parametrize(
    ("family", "point", "spec", "params"),
    [("plain", TUTORIAL_POINT, "tutorial-convnet", 631_658),
     ("resnet", RESNET_SMALL_POINT, "resnet-small", 176_378)],
)  # fmt: skip
def test_the_shipped_networks_are_points_of_their_family(
    family: str, point: dict[str, Any], spec: str, params: int
) -> None:
    shipped = load_spec(SPECS / f"{spec}.json")
    problem = Problem((32, 32, 3), 10, training=shipped.training)
    generated = FAMILIES[family].network(point, problem)
    assert generated.layers == shipped.layers
    assert rows(trace_network(generated)) == rows(trace_network(shipped))
    assert trace_network(generated).total_params == params


def test_the_tutorial_point_is_in_the_default_plain_space() -> None:
    space = FAMILIES["plain"].space()
    for name, value in TUTORIAL_POINT.items():
        assert value in space.param(name).choices, name


def test_the_resnet_small_point_is_in_the_default_resnet_space() -> None:
    space = FAMILIES["resnet"].space()
    for name, value in RESNET_SMALL_POINT.items():
        assert value in space.param(name).choices, name


def written(layers: list[Layer]) -> list[dict[str, Any]]:
    return [layer_data(layer) for layer in layers]


@settings(max_examples=200, deadline=None)
@given(chosen=family_points(), problem=problems)
def test_every_point_is_a_valid_spec_that_measures_as_it_traces(
    chosen: tuple[Family, dict[str, Any]], problem: Problem
) -> None:
    family, point = chosen
    network = family.network(point, problem)
    data = {"input": {"shape": list(problem.input_shape)}, "layers": written(network.layers)}
    reparsed = parse_spec(data)  # validated in full, as plan writes it
    assert reparsed.layers == network.layers
    try:
        trace = trace_network(reparsed)
    except SpecError as refusal:  # too many stages for a small input: both refuse alike
        refused = str(refusal)
    else:
        refused = None
    if refused is not None:
        with pytest.raises(SpecError) as measuring:
            measure_network(network)
        assert str(measuring.value) == refused
        return
    measured = measure_network(network)
    assert (measured.total_params, measured.total_macs, measured.activations, measured.depth) == (
        trace.total_params, trace.total_macs, trace.activations, trace.depth,
    )  # fmt: skip
    assert trace.output_shape == (problem.classes,)
    assert trace.warnings == ()


@settings(max_examples=200, deadline=None)
@given(first=family_points(), second=family_points())
def test_equal_names_mean_equal_networks(
    first: tuple[Family, dict[str, Any]], second: tuple[Family, dict[str, Any]]
) -> None:
    problem = Problem((32, 32, 3), 10)
    (family_a, a), (family_b, b) = first, second
    same_name = family_a.slug(a) == family_b.slug(b)
    same_network = family_a.network(a, problem).layers == family_b.network(b, problem).layers
    assert same_name == same_network


@given(chosen=family_points())
def test_widths_are_multiples_of_8_and_depths_follow_the_rule(
    chosen: tuple[Family, dict[str, Any]],
) -> None:
    _, point = chosen
    layout = stage_layout(point)
    assert len(layout.depths) == len(layout.widths) == point["stages"]
    assert all(width % 8 == 0 and width >= 8 for width in layout.widths)
    assert layout.depths == tuple(
        point["depth"] + stage * point["depth_growth"] for stage in range(point["stages"])
    )


@pytest.mark.parametrize(("width", "expected"), [(64 * 0.5, 32), (16 * 1.5, 24), (3, 8), (44, 48)])
def test_round_width(width: float, expected: int) -> None:
    assert round_width(width) == expected


def test_fixed_layers_come_first_and_the_network_is_a_pure_function_of_the_point() -> None:
    flip = parse_spec({"input": {"shape": [32, 32, 3]},
                       "layers": [{"type": "RandomFlip", "mode": "horizontal"}]}).layers[0]  # fmt: skip
    problem = Problem((32, 32, 3), 10, fixed_layers=(flip,))
    network = FAMILIES["plain"].network(TUTORIAL_POINT, problem)
    assert network.layers[0] is flip
    assert network == FAMILIES["plain"].network(dict(TUTORIAL_POINT), problem)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_descriptions_say_what_the_network_is(family: str) -> None:
    space = FAMILIES[family].space()
    text = FAMILIES[family].describe(space.point(space.size - 1), Problem((32, 32, 3), 10))
    assert text.endswith("and a 10-way softmax.")
    assert "stages of" in text


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("width", 12, "width: 12 is not a positive multiple of 8 (widths are multiples of 8)"),
     ("kernel", 4, "kernel: 4 is not an odd kernel size (1, 3, 5, 7, ...)"),
     ("downsample", "avg", "downsample: 'avg' is not one of 'stride', 'pool'"),
     ("hidden", "64,32", "hidden: '64,32' is not 'none' or Dense widths joined by '-', e.g. '512-64'"),
     ("batch_norm", 1, "batch_norm: 1 is not true or false"),
     ("stages", 0, "stages: 0 is not a whole number of at least 1")],
)  # fmt: skip
def test_a_plans_choices_are_checked(name: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        FAMILIES["plain"].space().param(name).with_choices((value,))


@given(st.data())
def test_points_by_number_are_the_walks_order(data: st.DataObject) -> None:
    space = FAMILIES["resnet"].space()
    index = data.draw(st.integers(0, space.size - 1))
    points = list(space.points())
    assert space.point(index) == points[index]
