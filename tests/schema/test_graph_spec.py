"""The spec's graph: ``inputs`` references, merges that need them, and the nodes walkers get."""

from __future__ import annotations

from typing import Any

import pytest

from archplan import SpecError, parse_spec
from archplan.schema.network import INPUT
from tests.conftest import chain

CONV = {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"}


def problem(spec: dict[str, Any]) -> str:
    with pytest.raises(SpecError) as caught:
        parse_spec(spec, source="net.json")
    return str(caught.value)


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([{**CONV, "name": "stem"}, {"type": "Add", "inputs": ["stme", "stem"]}],
         "net.json: layers[1] ('add', Add): inputs: no layer is named 'stme' (did you mean 'stem'?); "
         "name an earlier layer, or 'input' for the network's input"),
        ([{**CONV, "inputs": ["inptu"]}],
         "net.json: layers[0] ('conv2d', Conv2D): inputs: no layer is named 'inptu' (did you mean 'input'?)"),
        ([{**CONV, "inputs": ["zzz"]}],
         "net.json: layers[0] ('conv2d', Conv2D): inputs: no layer is named 'zzz'; name an earlier layer, "
         "or 'input' for the network's input"),
        ([CONV, {"type": "Add", "inputs": ["conv2d", "b"]}, {**CONV, "name": "b"}],
         "net.json: layers[1] ('add', Add): inputs: 'b' is defined later, at layers[2]; layers must come "
         "after the layers they use"),
        ([CONV, {"type": "Add", "inputs": ["conv2d", "sum"], "name": "sum"}],
         "net.json: layers[1] ('sum', Add): inputs: 'sum' is this layer itself; name an earlier layer, or 'input'"),
        ([{**CONV, "name": "c"}, {**CONV, "name": "c"}],
         "net.json: layers[1]: name 'c' is already used by layers[0]; layer names must be unique"),
        ([CONV, {"type": "Add"}],
         "net.json: layers[1] (Add): Add needs `inputs`: a list of the layers to merge, e.g. "
         '"inputs": ["stem", "conv2d_1"]'),
        ([CONV, {"type": "Concatenate", "axis": 1}], "net.json: layers[1] (Concatenate): Concatenate needs `inputs`"),
        ([CONV, {**CONV, "inputs": ["input", "conv2d"]}],
         "net.json: layers[1] (Conv2D): inputs: Conv2D takes one input, got 2 ('input', 'conv2d'); merge "
         "them first (Add, Concatenate, ...) and name the merge"),
        ([CONV, {"type": "Subtract", "inputs": ["input", "conv2d", "input"]}],
         "net.json: layers[1] (Subtract): inputs: Subtract takes exactly 2 inputs (the first minus the "
         "second), got 3; use Add to join more"),
        ([CONV, {"type": "Subtract", "inputs": ["conv2d"]}], "Subtract takes exactly 2 inputs"),
        ([CONV, {"type": "Add", "inputs": []}],
         "net.json: layers[1] (Add): inputs: an empty list; name at least one earlier layer or 'input'"),
        ([{**CONV, "inputs": "input"}], """net.json: layers[0] (Conv2D): inputs: expected a list of layer names, e.g. ["input"], got 'input'"""),
        ([{**CONV, "inputs": [3]}], "net.json: layers[0] (Conv2D): inputs.0: input should be a valid string, got 3"),
        ([{"type": "Add", "inputs": ["input"], "imputs": []}],
         "net.json: layers[0] (Add): imputs: unknown argument 'imputs' (did you mean 'inputs'?)"),
    ],
)  # fmt: skip
def test_reference_errors(layers: list[dict[str, Any]], expected: str) -> None:
    assert expected in problem(chain(*layers))


def test_a_reference_error_is_one_line() -> None:
    assert "\n" not in problem(chain(CONV, {"type": "Add", "inputs": ["nope", "conv2d"]}))


def test_automatic_names_and_input_can_be_referenced() -> None:
    network = parse_spec(
        chain(CONV, CONV, {"type": "Add", "inputs": ["conv2d", "conv2d_1", INPUT]})
    )
    assert [node.inputs for node in network.nodes()] == [
        ("input",),
        ("conv2d",),
        ("conv2d", "conv2d_1", "input"),
    ]


def test_nodes_give_every_layer_its_inputs_defaulting_to_the_previous_layer() -> None:
    network = parse_spec(
        chain(
            {**CONV, "name": "stem"},
            {**CONV, "name": "branch", "inputs": ["input"]},
            {"type": "BatchNormalization"},
            {"type": "Concatenate", "inputs": ["stem", "batch_normalization"], "name": "cat"},
        )
    )
    nodes = network.nodes()
    assert [(node.index, node.name, node.inputs) for node in nodes] == [
        (0, "stem", ("input",)),
        (1, "branch", ("input",)),
        (2, "batch_normalization", ("branch",)),
        (3, "cat", ("stem", "batch_normalization")),
    ]
    assert [node.layer.merges for node in nodes] == [False, False, False, True]
    assert nodes[3].layer is network.layers[3]


def test_inputs_is_the_graph_not_a_keras_argument() -> None:
    layer = parse_spec(
        chain({"type": "Concatenate", "inputs": ["input", "input"], "axis": 1})
    ).layers[0]
    assert layer.keras_arguments() == {"trainable": True, "axis": 1}
    conv = parse_spec(chain({**CONV, "inputs": ["input"], "name": "c"})).layers[0]
    assert "inputs" not in conv.keras_arguments()
    assert "name" not in conv.keras_arguments()


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ({"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2},
         "output_padding must be smaller than strides on every axis (Keras refuses it), got "
         "output_padding=[2, 2] and strides=[2, 2] (axis 0); use output_padding < strides"),
        ({"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "output_padding": [0, 1]},
         "output_padding=[0, 1] and strides=[1, 1] (axis 1)"),
        ({"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
         "strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it)"),
        ({"type": "Conv2DTranspose", "filters": 2, "kernel_size": [3, 2], "strides": 2, "padding": "same", "output_padding": 0},
         "padding='same' with output_padding 0 and an even kernel span (2, axis 1) gives an output "
         "TensorFlow cannot compute (Keras builds it, the first call fails); use output_padding=1 (if "
         "strides allow), an odd kernel_size, or leave output_padding unset"),
        ({"type": "Conv2DTranspose", "filters": 2, "kernel_size": 2, "output_padding": -1},
         "output_padding: expected an integer >= 0 or a list [height, width] of them, got -1"),
        ({"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 0},
         "depth_multiplier: input should be greater than 0, got 0"),
        ({"type": "SeparableConv2D", "kernel_size": 3}, "filters: missing; this argument is required"),
        ({"type": "UpSampling2D", "interpolation": "linear"},
         "interpolation: input should be 'nearest', 'bilinear', 'bicubic', 'lanczos3', 'lanczos5' or 'area'"),
        ({"type": "UpSampling2D", "size": 0}, "size: expected an integer >= 1"),
        ({"type": "Cropping2D", "cropping": -1},
         "cropping: expected an integer >= 0, [height, width] or [[top, bottom], [left, right]], got -1"),
        ({"type": "Cropping2D", "cropping": [1, 2, 3]}, "cropping: expected an integer >= 0"),
        ({"type": "Reshape", "target_shape": [-1, -1]},
         "target_shape: at most one size may be -1 (computed from the others), got [-1, -1]"),
        ({"type": "Reshape", "target_shape": [0, 4]},
         "target_shape: each size must be a positive integer, or -1 for one size to compute"),
        ({"type": "Reshape", "target_shape": [-2]}, "target_shape.0: input should be greater than or equal to -1"),
        ({"type": "Reshape", "target_shape": []}, "target_shape: tuple should have at least 1 item"),
        ({"type": "Reshape"}, "target_shape: missing; this argument is required"),
        ({"type": "Identity", "units": 3}, "unknown argument 'units'"),
        ({"type": "Concatenate", "inputs": ["input"], "axis": "last"}, "axis: input should be a valid integer"),
    ],
)  # fmt: skip
def test_new_layer_arguments(layer: dict[str, Any], expected: str) -> None:
    assert expected in problem(chain(layer))
