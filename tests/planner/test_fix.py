"""``fix``: on every impossible spec of the tests and on random ones, every suggestion traces;
the first is the change a person would make; the spec handed in is never changed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from archplan import SpecError, parse_spec, trace_network
from archplan.planner.fix import find_fixes
from tests.conftest import SPECS, chain

STEM = {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same", "name": "stem"}


def residual(*branch: dict[str, Any], merge: str = "Add") -> dict[str, Any]:
    """The stem, a branch from it, and a merge of the two (as tests/engine/test_graph.py)."""
    named = [dict(layer) for layer in branch]
    named[-1]["name"] = "b"
    return chain(STEM, *named, {"type": merge, "inputs": ["stem", "b"], "name": "sum"})


IMPOSSIBLE: list[tuple[str, dict[str, Any], str | None]] = [
    ("kernel-over-input", chain({"type": "Conv2D", "filters": 4, "kernel_size": 5}, shape=(3, 3, 3)),
     "layers[0] ('conv2d', Conv2D): padding 'valid' → 'same'"),
    ("pool-over-input", chain({"type": "MaxPooling2D"}, shape=(1, 9, 3)),
     "layers[0] ('max_pooling2d', MaxPooling2D): padding 'valid' → 'same'"),
    ("late-refusal", chain(
        {"type": "Conv2D", "filters": 4, "kernel_size": 5}, {"type": "MaxPooling2D"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 5, "name": "late"}, {"type": "MaxPooling2D"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 5}, shape=(28, 28, 1)),
     "layers[4] ('conv2d_1', Conv2D): padding 'valid' → 'same'"),
    ("tutorial-dimensioning-kernel-9", "dimensioning", "layers[4] ('conv2d_2', Conv2D): padding 'valid' → 'same'"),
    ("add-valid-branch", residual({"type": "Conv2D", "filters": 16, "kernel_size": 3}),
     "layers[1] ('b', Conv2D): padding 'valid' → 'same'"),
    ("add-valid-then-bn", residual({"type": "Conv2D", "filters": 16, "kernel_size": 3}, {"type": "BatchNormalization"}),
     "layers[1] ('conv2d', Conv2D): padding 'valid' → 'same'"),
    ("add-strided-branch", residual({"type": "Conv2D", "filters": 16, "kernel_size": 3, "strides": 2, "padding": "same"}),
     "layers[1] ('b', Conv2D): strides 2×2 → 1"),
    ("add-pooled-branch", residual({"type": "MaxPooling2D", "pool_size": 3, "strides": 2}), None),
    ("add-wider-branch", residual({"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"},
                                  {"type": "Activation", "activation": "relu"}),
     "layers[1] ('conv2d', Conv2D): filters 32 → 16"),
    ("add-dense-branch", residual({"type": "Dense", "units": 8}), "layers[1] ('b', Dense): units 8 → 16"),
    ("add-depthwise-multiplier", residual({"type": "DepthwiseConv2D", "kernel_size": 3, "padding": "same", "depth_multiplier": 2}),
     None),
    ("concatenate-valid-pool", chain(
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same", "name": "a"},
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "name": "b", "inputs": ["input"]},
        {"type": "Concatenate", "inputs": ["a", "b"], "name": "cat"}, shape=(9, 9, 3)),
     "layers[1] ('b', MaxPooling2D): padding 'valid' → 'same'"),
    ("concatenate-narrow", chain({"type": "AveragePooling2D", "pool_size": [1, 2], "name": "narrow"},
                                 {"type": "Concatenate", "inputs": ["input", "narrow"], "axis": 1},
                                 shape=(8, 8, 3)), None),
    ("graph-kernel-40", chain(STEM, {"type": "Conv2D", "filters": 4, "kernel_size": 40, "inputs": ["stem"]}), None),
    ("conv1d-over-input", chain({"type": "Conv1D", "filters": 4, "kernel_size": 9}, shape=(5, 2)),
     "layers[0] ('conv1d', Conv1D): kernel_size 9 → 1"),
    ("conv3d-over-depth", chain({"type": "Conv3D", "filters": 4, "kernel_size": 5}, shape=(4, 8, 8, 2)),
     "layers[0] ('conv3d', Conv3D): kernel_size 5×5×5 → 1"),
    ("add-1d-valid", chain({"type": "Conv1D", "filters": 2, "kernel_size": 3, "name": "a"},
                           {"type": "Add", "inputs": ["input", "a"]}, shape=(20, 2)),
     "layers[0] ('a', Conv1D): padding 'valid' → 'same'"),
    ("add-3d-strided", chain({"type": "MaxPooling3D", "name": "p"},
                             {"type": "Concatenate", "inputs": ["input", "p"]}, shape=(4, 8, 8, 2)), None),
]  # fmt: skip
"""The impossible specs of tests/schema/test_bad_specs.py, tests/engine/test_graph.py and docs/planning.md,
with the first fix expected where there is one a person would name (None: any that traces)."""

UNFIXABLE = [
    chain({"type": "Conv2D", "filters": 4, "kernel_size": 3}, shape=(10,)),  # rank: not a shape fix
    chain({"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 4}, shape=(8, 8, 6)),
]


def dimensioning() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SPECS / "tutorial-dimensioning.json").read_text())
    data["layers"][4]["kernel_size"] = 9
    return data


@pytest.mark.parametrize(
    ("name", "spec", "first"), IMPOSSIBLE, ids=[case[0] for case in IMPOSSIBLE]
)
def test_every_impossible_spec_of_the_tests_gets_fixes_that_trace(
    name: str, spec: dict[str, Any] | str, first: str | None
) -> None:
    data = dimensioning() if spec == "dimensioning" else spec
    assert isinstance(data, dict)
    before = copy.deepcopy(data)
    with pytest.raises(SpecError):
        trace_network(parse_spec(data))
    report = find_fixes(data)
    assert report.refusal is not None
    assert report.fixes, name
    for fix in report.fixes:
        traced = trace_network(parse_spec(fix.data))
        assert traced.total_params == fix.params
        assert fix.edits
        assert fix.touched >= 1
    if first is not None:
        assert [edit.description for edit in report.fixes[0].edits] == [first]
    assert data == before  # the spec handed in is left as it was
    keys = [fix.rank_key() for fix in report.fixes]
    assert keys == sorted(keys)


@pytest.mark.parametrize("spec", UNFIXABLE)
def test_what_no_shape_change_can_fix_gets_no_fix(spec: dict[str, Any]) -> None:
    report = find_fixes(spec)
    assert report.refusal is not None
    assert report.fixes == ()


def test_a_valid_spec_has_nothing_to_fix() -> None:
    report = find_fixes(json.loads((SPECS / "resnet-small.json").read_text()))
    assert (report.refusal, report.fixes, report.tried) == (None, (), 0)


def test_an_invalid_spec_file_is_the_loaders_error() -> None:
    with pytest.raises(SpecError, match="unknown layer type 'Conv2d'"):
        find_fixes(chain({"type": "Conv2d", "filters": 1, "kernel_size": 3}))


def test_removing_a_layer_keeps_every_reference_pointing_where_it_did() -> None:
    spec = chain(
        {"type": "MaxPooling2D", "pool_size": 4},
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
        {"type": "MaxPooling2D"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same", "inputs": ["max_pooling2d_1"]},
        {"type": "Add", "inputs": ["max_pooling2d_1", "conv2d_1"]},
        {"type": "Conv2D", "filters": 4, "kernel_size": 9},
        shape=(32, 32, 3),
    )  # fmt: skip
    report = find_fixes(spec)
    removal = next(fix for fix in report.fixes if "removed" in fix.edits[0].description)
    assert removal.edits[0].description == "layers[0] ('max_pooling2d', MaxPooling2D): removed"
    layers = removal.data["layers"]
    assert len(layers) == len(spec["layers"]) - 1
    assert layers[1] == {
        "type": "MaxPooling2D",
        "name": "max_pooling2d_1",
    }  # pinned, not renumbered
    assert layers[2]["name"] == "conv2d_1"
    assert layers[3]["inputs"] == ["max_pooling2d_1", "conv2d_1"]
    assert "name" not in layers[0]  # nothing refers to it: left as written


def test_an_insertion_feeds_the_merge_and_counts_two_layers() -> None:
    report = find_fixes(residual({"type": "Conv2D", "filters": 16, "kernel_size": 3}))
    crop = next(fix for fix in report.fixes if "Cropping2D" in fix.edits[0].description)
    assert crop.touched == 2
    layers = crop.data["layers"]
    assert layers[-2] == {"type": "Cropping2D", "cropping": [[1, 1], [1, 1]], "name": "stem_crop",
                          "inputs": ["stem"]}  # fmt: skip
    assert layers[-1]["inputs"] == ["stem_crop", "b"]


WINDOW = st.fixed_dictionaries(
    {"type": st.just("Conv2D"), "filters": st.integers(1, 6), "kernel_size": st.integers(1, 7)},
    optional={"strides": st.integers(1, 3), "padding": st.sampled_from(["valid", "same"])},
) | st.fixed_dictionaries(
    {"type": st.sampled_from(["MaxPooling2D", "AveragePooling2D"]), "pool_size": st.integers(1, 4)},
    optional={"strides": st.integers(1, 3), "padding": st.sampled_from(["valid", "same"])},
)  # fmt: skip


@st.composite
def impossible_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A chain of windows, or a residual block whose branch is a few windows, on a small input."""
    side = draw(st.integers(3, 16))
    shape = (side, draw(st.integers(3, 16)), draw(st.integers(1, 3)))
    windows = draw(st.lists(WINDOW, min_size=1, max_size=5))
    if draw(st.booleans()):
        return chain(*windows, {"type": "Flatten"}, {"type": "Dense", "units": 3}, shape=shape)
    return residual(*windows, merge=draw(st.sampled_from(["Add", "Concatenate", "Maximum"])))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(spec=impossible_specs())
def test_every_fix_of_a_random_impossible_spec_traces(spec: dict[str, Any]) -> None:
    try:
        trace_network(parse_spec(spec))
    except SpecError:
        pass
    else:
        event("possible after all")
        return
    before = copy.deepcopy(spec)
    report = find_fixes(spec)
    assert report.refusal is not None
    event("fixed" if report.fixes else "no fix found")
    for fix in report.fixes:
        trace_network(parse_spec(fix.data))  # raises if a suggestion does not trace
    assert spec == before
