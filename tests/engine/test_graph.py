"""Tracing graphs: inputs by name, merges, the receptive field's widest path, costs counted once,
unused outputs, and mismatch messages that name the producers and the fix."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from archplan import SpecError, load_spec, parse_spec, trace_network
from archplan.engine.memory import estimate_memory
from archplan.engine.trace import Trace
from archplan.rules.receptive import Field, merge_fields
from tests.conftest import SPECS, chain

STEM = {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same", "name": "stem"}


def trace(spec: dict[str, Any]) -> Trace:
    return trace_network(parse_spec(spec, source="net.json"))


def problem(spec: dict[str, Any]) -> str:
    with pytest.raises(SpecError) as caught:
        trace(spec)
    return str(caught.value)


def residual(
    branch: list[dict[str, Any]], *, merge: str = "Add", **arguments: Any
) -> dict[str, Any]:
    """stem → branch (named 'b' at its end) → merge of stem and b → pooling → Dense."""
    *body, last = branch
    return chain(
        STEM, *body, {**last, "name": "b"},
        {"type": merge, "inputs": ["stem", "b"], "name": "sum", **arguments},
        {"type": "GlobalAveragePooling2D"}, {"type": "Dense", "units": 10},
    )  # fmt: skip


SAME_BRANCH = [{"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same"}]


def test_a_residual_block_traces_with_its_inputs() -> None:
    result = trace(residual(SAME_BRANCH))
    rows = {row.name: row for row in result.layers}
    assert rows["stem"].inputs == ("input",)
    assert rows["b"].inputs == ("stem",)
    assert rows["sum"].inputs == ("stem", "b")
    assert rows["sum"].input_shapes == ((32, 32, 16), (32, 32, 16))
    assert rows["sum"].input_shape == (32, 32, 16)
    assert rows["sum"].output_shape == (32, 32, 16)
    assert result.output_shape == (10,)
    assert result.branched
    assert result.warnings == ()
    assert result.total_params == 448 + 2320 + 170


def test_explicit_inputs_that_follow_the_chain_are_still_a_chain() -> None:
    spec = chain(STEM, {"type": "Flatten", "inputs": ["stem"]}, shape=(8, 8, 3))
    assert not trace(spec).branched
    assert not trace_network(load_spec(SPECS / "tutorial-convnet.json")).branched
    assert trace(spec).layers[0].inputs == ("input",)


def test_the_first_layer_may_name_the_input_and_a_merge_may_take_it_twice() -> None:
    spec = chain({"type": "Add", "inputs": ["input", "input"]}, {"type": "Multiply", "inputs": ["input", "add"]},
                 shape=(4, 4, 3))  # fmt: skip
    rows = trace(spec).layers
    assert [row.output_shape for row in rows] == [(4, 4, 3), (4, 4, 3)]
    assert rows[1].inputs == ("input", "add")


def test_an_inception_block_concatenates_channels() -> None:
    spec = chain(
        {"type": "Conv2D", "filters": 8, "kernel_size": 1, "name": "one", "inputs": ["input"]},
        {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same", "name": "three", "inputs": ["input"]},
        {"type": "SeparableConv2D", "filters": 4, "kernel_size": 5, "padding": "same", "name": "five", "inputs": ["input"]},
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 1, "padding": "same", "name": "pool", "inputs": ["input"]},
        {"type": "Concatenate", "inputs": ["one", "three", "five", "pool"], "name": "cat"},
        shape=(28, 28, 3),
    )  # fmt: skip
    cat = trace(spec).layers[-1]
    assert cat.output_shape == (28, 28, 8 + 16 + 4 + 3)
    assert cat.arithmetic == ("axis -1: 8 + 16 + 4 + 3 = 31",)
    assert (cat.macs, cat.other_ops) == (0, 0)


@pytest.mark.parametrize(
    ("kind", "count", "ops_per_value"),
    [("Add", 3, 2), ("Subtract", 2, 1), ("Multiply", 2, 1), ("Average", 3, 3), ("Maximum", 3, 2),
     ("Minimum", 2, 1), ("Concatenate", 3, 0)],
)  # fmt: skip
def test_merges_cost_no_macs_and_one_op_per_value_joined(
    kind: str, count: int, ops_per_value: int
) -> None:
    spec = chain({"type": kind, "inputs": ["input"] * count}, shape=(5, 4, 3))
    row = trace(spec).layers[0]
    assert row.macs == 0
    assert row.other_ops == ops_per_value * 5 * 4 * 3 * (count if kind == "Concatenate" else 1)


def test_broadcasting_merges_follow_keras() -> None:
    spec = chain(
        {"type": "GlobalAveragePooling2D", "keepdims": True, "name": "weights"},
        {"type": "Multiply", "inputs": ["input", "weights"], "name": "scaled"},
        {"type": "GlobalAveragePooling2D", "inputs": ["input"], "name": "vector"},
        {"type": "Add", "inputs": ["vector", "scaled"]},
        shape=(6, 5, 4),
    )
    rows = trace(spec).layers
    assert rows[1].output_shape == rows[3].output_shape == (6, 5, 4)
    assert rows[1].arithmetic == (
        "product of 2 inputs, value by value",
        "(1, 1, 4) broadcasts to (6, 5, 4)",
    )


def test_each_output_is_counted_once_in_memory_however_many_layers_take_it() -> None:
    result = trace(residual(SAME_BRANCH))
    values = [32 * 32 * 16, 32 * 32 * 16, 32 * 32 * 16, 16, 10]
    assert result.activations == sum(values)
    assert estimate_memory(result, bytes_per_value=4).activation_bytes_per_sample == 4 * sum(values)


def test_an_unused_output_is_a_warning_and_left_out_of_the_totals() -> None:
    spec = chain(
        STEM,
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "name": "forgotten"},
        {"type": "Conv2D", "filters": 8, "kernel_size": 1, "name": "head", "inputs": ["stem"]},
        shape=(8, 8, 3),
    )
    result = trace(spec)
    assert result.warnings == (
        "layers[1] ('forgotten', Conv2D): its output is not used by any later layer, so Keras leaves "
        "it (and any layer only it uses) out of the model, and archplan out of the totals; name it in "
        "a later layer's inputs, or remove it",
    )
    assert [row.reaches_output for row in result.layers] == [True, False, True]
    assert result.total_params == 448 + 136
    assert result.activations == 8 * 8 * 16 + 8 * 8 * 8
    assert result.total_macs == 3 * 3 * 3 * 16 * 64 + 16 * 8 * 64


def test_a_layer_only_an_unused_layer_takes_is_left_out_without_its_own_warning() -> None:
    spec = chain(
        {"type": "Dense", "units": 2, "name": "a"},
        {"type": "Dense", "units": 2, "name": "b"},
        {"type": "Dense", "units": 3, "inputs": ["input"]},
        shape=(4,),
    )
    result = trace(spec)
    assert [row.reaches_output for row in result.layers] == [False, False, True]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("layers[1] ('b', Dense)")


# Receptive field: a merge follows its widest input, per axis, with that input's jump and start.
def fields(spec: dict[str, Any]) -> dict[str, Field | None]:
    return {row.name: row.field for row in trace(spec).layers}


def test_a_merge_takes_the_widest_field() -> None:
    result = fields(residual(SAME_BRANCH))
    assert result["stem"] == Field(size=(3, 3), jump=(1, 1), start=(0.0, 0.0))
    assert result["b"] == Field(size=(5, 5), jump=(1, 1), start=(0.0, 0.0))
    assert result["sum"] == result["b"]


def test_the_widest_field_is_chosen_per_axis() -> None:
    spec = chain(
        {"type": "Conv2D", "filters": 2, "kernel_size": [3, 1], "name": "tall"},
        {"type": "ZeroPadding2D", "padding": [[1, 1], [0, 0]], "name": "tall_padded"},
        {"type": "Conv2D", "filters": 2, "kernel_size": [1, 5], "dilation_rate": [1, 2], "padding": "same", "name": "wide", "inputs": ["input"]},
        {"type": "MaxPooling2D", "pool_size": [3, 1], "strides": [3, 1], "padding": "same", "name": "strided"},
        {"type": "UpSampling2D", "size": [3, 1], "name": "wide_up"},
        {"type": "Add", "inputs": ["tall_padded", "wide"]},
        {"type": "Add", "inputs": ["tall_padded", "wide_up"], "name": "upsampled"},
        shape=(9, 9, 3),
    )  # fmt: skip
    result = fields(spec)
    assert result["tall_padded"] == Field(size=(3, 1), jump=(1, 1), start=(0.0, 0.0))
    assert result["wide"] == Field(size=(1, 9), jump=(1, 1), start=(0.0, 0.0))
    assert result["add"] == Field(size=(3, 9), jump=(1, 1), start=(0.0, 0.0))
    assert result["wide_up"] == Field(size=(3, 9), jump=(1, 1), start=(0.0, 0.0))
    assert result["upsampled"] == Field(size=(3, 9), jump=(1, 1), start=(0.0, 0.0))


def test_a_branch_that_sees_everything_makes_the_merge_see_everything() -> None:
    spec = chain(
        {"type": "GlobalAveragePooling2D", "keepdims": True, "name": "squeeze"},
        {"type": "Multiply", "inputs": ["input", "squeeze"], "name": "excite"},
        shape=(6, 5, 4),
    )
    assert fields(spec)["excite"] == Field(size=(6, 5), jump=None, start=None)


def test_merge_fields_rules() -> None:
    narrow = Field(size=(3,), jump=(1,), start=(1.0,))
    wide = Field(size=(7,), jump=(2,), start=(2.5,))
    assert merge_fields([narrow, wide]) == merge_fields([wide, narrow]) == wide
    assert merge_fields([narrow, None]) is None
    assert merge_fields([]) is None


def test_fields_of_new_layers_by_hand() -> None:
    spec = chain(
        {"type": "Cropping2D", "cropping": [[2, 0], [1, 1]], "name": "crop"},  # start moves in
        {"type": "DepthwiseConv2D", "kernel_size": 3, "strides": 2, "name": "depthwise"},
        {"type": "UpSampling2D", "name": "up"},  # jump halves; field unchanged (nearest)
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "same", "name": "after"},
        {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "name": "transposed"},
        {"type": "Identity", "name": "identity"},
        {"type": "Reshape", "target_shape": [-1, 2], "name": "reshape"},
        shape=(20, 20, 3),
    )  # fmt: skip
    result = fields(spec)
    assert result["crop"] == Field(size=(1, 1), jump=(1, 1), start=(2.0, 1.0))
    assert result["depthwise"] == Field(size=(3, 3), jump=(2, 2), start=(3.0, 2.0))
    # Each output unit repeats one input unit; a straight line through the centres: start − 0.25·jump.
    assert result["up"] == Field(size=(3, 3), jump=(1, 1), start=(2.5, 1.5))
    assert result["after"] == Field(size=(5, 5), jump=(1, 1), start=(2.5, 1.5))
    # Stride 2, kernel 3: an output unit reads at most 2 input units; centre (o − 1)/2 input units.
    assert result["transposed"] == Field(size=(6, 6), jump=(0.5, 0.5), start=(2.0, 1.0))
    assert result["identity"] == result["transposed"]
    assert result["reshape"] == Field(size=(20, 20), jump=None, start=None)


# Mismatches: the message names the merge, both shapes and their producers, and what would fix it.
@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ([{"type": "Conv2D", "filters": 16, "kernel_size": 3}, {"type": "BatchNormalization"}],
         "layers[3] ('sum', Add) gets (32, 32, 16) from 'stem' and (30, 30, 16) from 'b': "
         "height differs (32 vs 30); an element-wise merge needs equal sizes on every axis (or 1, "
         "repeated to match); use padding='same' on 'conv2d'"),
        ([{"type": "Conv2D", "filters": 16, "kernel_size": 3, "strides": 2, "padding": "same"}],
         "layers[2] ('sum', Add) gets (32, 32, 16) from 'stem' and (16, 16, 16) from 'b': height differs "
         "(32 vs 16); an element-wise merge needs equal sizes on every axis (or 1, repeated to match); "
         "the path through 'b' is downsampled 2× more: give the path from 'stem' the same stride (a 1×1 "
         "Conv2D with strides=2, the projection shortcut of ResNets), or drop the extra stride"),
        ([{"type": "MaxPooling2D", "pool_size": 3, "strides": 2}],
         "gets (32, 32, 16) from 'stem' and (15, 15, 16) from 'b': height differs (32 vs 15); "),
        ([{"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"}, {"type": "Activation", "activation": "relu"}],
         "gets (32, 32, 16) from 'stem' and (32, 32, 32) from 'b': channels differs (16 vs 32); an "
         "element-wise merge needs equal sizes on every axis (or 1, repeated to match); use filters=16 "
         "on 'conv2d', or a 1×1 Conv2D with 32 filters on the path from 'stem' (a projection shortcut)"),
        ([{"type": "Dense", "units": 8}],
         "channels differs (16 vs 8); an element-wise merge needs equal sizes on every axis (or 1, "
         "repeated to match); use units=16 on 'b', or a 1×1 Conv2D with 8 filters on the path "
         "from 'stem' (a projection shortcut)"),
        ([{"type": "DepthwiseConv2D", "kernel_size": 3, "padding": "same", "depth_multiplier": 2}],
         "channels differs (16 vs 32); an element-wise merge needs equal sizes on every axis (or 1, "
         "repeated to match); add a 1×1 Conv2D with 32 filters on the path from 'stem' (a projection "
         "shortcut)"),
        ([{"type": "Flatten"}],
         "gets (32, 32, 16) from 'stem' and (16384,) from 'b': axis 3 differs (16 vs 16384)"),
    ],
)  # fmt: skip
def test_add_mismatches_name_the_producers_and_the_fix(
    branch: list[dict[str, Any]], expected: str
) -> None:
    message = problem(residual(branch))
    assert expected in message
    assert "\n" not in message


def test_the_padding_hint_follows_the_brief_example() -> None:
    spec = chain(
        STEM, {"type": "Conv2D", "filters": 16, "kernel_size": 3, "name": "b"},
        {"type": "Add", "inputs": ["stem", "b"], "name": "sum"},
    )  # fmt: skip
    assert problem(spec).endswith(
        "layers[2] ('sum', Add) gets (32, 32, 16) from 'stem' and (30, 30, 16) from 'b': height differs "
        "(32 vs 30); an element-wise merge needs equal sizes on every axis (or 1, repeated to match); "
        "use padding='same' on 'b'"
    )


def test_a_valid_pooling_that_same_would_fix_is_named() -> None:
    spec = chain(
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same", "name": "a"},
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "name": "b", "inputs": ["input"]},
        {"type": "Concatenate", "inputs": ["a", "b"], "name": "cat"},
        shape=(9, 9, 3),
    )
    assert problem(spec).endswith(
        "layers[2] ('cat', Concatenate) gets (5, 5, 3) from 'a' and (4, 4, 3) from 'b': height differs "
        "(5 vs 4); Concatenate needs equal sizes on every axis but the concatenation axis; "
        "use padding='same' on 'b'"
    )


def test_concatenate_names_the_axis_that_differs() -> None:
    spec = chain(
        {"type": "AveragePooling2D", "pool_size": [1, 2], "name": "narrow"},
        {"type": "Concatenate", "inputs": ["input", "narrow"], "axis": 1},
        shape=(8, 8, 3),
    )
    assert (
        "gets (8, 8, 3) from 'input' and (8, 4, 3) from 'narrow': width differs (8 vs 4); "
        in problem(spec)
    )


def test_concatenate_refuses_different_ranks() -> None:
    spec = chain({"type": "Flatten", "name": "flat"}, {"type": "Concatenate", "inputs": ["input", "flat"]},
                 shape=(2, 2, 3))  # fmt: skip
    assert problem(spec).endswith(
        "layers[1] ('concatenate', Concatenate) gets (2, 2, 3) from 'input' and (12,) from 'flat': "
        "Concatenate needs inputs of the same rank (number of axes); give both the same rank (join "
        "them before Flatten, or flatten or pool both: Flatten, GlobalAveragePooling2D, Reshape)"
    )


@pytest.mark.parametrize(
    ("axis", "expected"),
    [
        (0, "axis=0 is the batch axis: it would stack samples, not join features"),
        (-4, "axis=-4 is the batch axis"),
        (
            4,
            "axis=4 is not an axis of inputs of rank 3 (Keras counts the batch axis as 0); use axis=-1 for channels",
        ),
        (-5, "axis=-5 is not an axis of inputs of rank 3"),
    ],
)
def test_concatenate_axes_out_of_reach(axis: int, expected: str) -> None:
    spec = chain(
        {"type": "Concatenate", "inputs": ["input", "input"], "axis": axis}, shape=(2, 2, 3)
    )
    message = problem(spec)
    assert message.startswith(
        "layers[0] ('concatenate', Concatenate) on inputs (2, 2, 3) from 'input', (2, 2, 3) from 'input': "
    )
    assert expected in message


def test_a_single_input_layer_problem_in_a_graph_names_its_input_shape() -> None:
    spec = chain(STEM, {"type": "Conv2D", "filters": 4, "kernel_size": 40, "inputs": ["stem"]})
    assert (
        "layers[1] ('conv2d', Conv2D) on input (32, 32, 16): the output would be empty"
        in problem(spec)
    )


# Hypothesis: random graphs keep the engine's sums (totals over the layers the output depends on).
CONV = st.fixed_dictionaries({"type": st.just("Conv2D"), "filters": st.sampled_from([2, 4]),
                              "kernel_size": st.integers(1, 3), "padding": st.just("same")})  # fmt: skip
OTHER = st.fixed_dictionaries(
    {"type": st.sampled_from(["BatchNormalization", "Identity", "UpSampling2D"])}
)


@st.composite
def graph_specs(draw: st.DrawFn) -> dict[str, Any]:
    names = ["input"]
    layers = []
    for index in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            layer = {"type": draw(st.sampled_from(["Add", "Concatenate", "Maximum"])),
                     "inputs": draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))}  # fmt: skip
        else:
            layer = {**draw(st.one_of(CONV, OTHER)), "inputs": [draw(st.sampled_from(names))]}
        layer["name"] = f"l{index}"
        names.append(layer["name"])
        layers.append(layer)
    return chain(*layers, shape=(4, 4, 2))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(spec=graph_specs())
def test_graph_rows_sum_to_totals(spec: dict[str, Any]) -> None:
    try:
        result = trace_network(parse_spec(spec))
    except SpecError:
        assume(False)
        return
    counted = [row for row in result.layers if row.reaches_output]
    assert result.layers[-1].reaches_output
    assert result.total_params == sum(row.params for row in counted)
    assert result.total_macs == sum(row.macs or 0 for row in counted)
    assert result.total_other_ops == sum(row.other_ops for row in counted)
    assert result.activations == sum(math.prod(row.output_shape) for row in counted)
    outputs = {"input": (4, 4, 2), **{row.name: row.output_shape for row in result.layers}}
    for row in result.layers:
        assert row.input_shapes == tuple(outputs[name] for name in row.inputs)
    used = {name for row in result.layers for name in row.inputs}
    unused = [row.name for row in result.layers[:-1] if row.name not in used]
    assert len(result.warnings) == len(unused)
