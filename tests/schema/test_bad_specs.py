"""Every way a spec can be wrong gives a message naming the place, the problem and the fix."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from archplan import SpecError, load_spec, parse_spec, trace_network
from tests.conftest import chain

CONV = {"type": "Conv2D", "filters": 8, "kernel_size": 3}


def problem(spec: dict[str, Any]) -> str:
    with pytest.raises(SpecError) as caught:
        trace_network(parse_spec(spec, source="net.json"))
    return str(caught.value)


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ({"type": "Conv2d", "filters": 8, "kernel_size": 3},
         "net.json: layers[0] (Conv2d): unknown layer type 'Conv2d' (did you mean 'Conv2D'?); known types: "),
        ({"type": "Dens", "units": 3},
         "net.json: layers[0] (Dens): unknown layer type 'Dens' (did you mean 'Dense'?)"),
        ({"filters": 8}, "net.json: layers[0]: missing 'type': give the layer's Keras class, e.g. \"type\": \"Conv2D\" (known types: Activation, Add,"),
        ({**CONV, "kernal_size": 3},
         "net.json: layers[0] (Conv2D): kernal_size: unknown argument 'kernal_size' (did you mean 'kernel_size'?)"),
        ({**CONV, "filters": 0}, "net.json: layers[0] (Conv2D): filters: input should be greater than 0, got 0"),
        ({**CONV, "filters": "8"}, "net.json: layers[0] (Conv2D): filters: input should be a valid integer, got \"8\""),
        ({**CONV, "filters": 8.0}, "net.json: layers[0] (Conv2D): filters: input should be a valid integer, got 8.0"),
        ({**CONV, "kernel_size": [3, 0]},
         "net.json: layers[0] (Conv2D): kernel_size: expected an integer >= 1 or a list [height, width] of them, got [3, 0]"),
        ({**CONV, "kernel_size": [3, 3, 3]}, "kernel_size: expected an integer >= 1 or a list [height, width] of them, got [3, 3, 3]"),
        ({**CONV, "kernel_size": True}, "kernel_size: expected an integer >= 1"),
        ({**CONV, "strides": -1}, "strides: expected an integer >= 1"),
        ({**CONV, "padding": "full"}, "padding: input should be 'valid' or 'same', got \"full\""),
        ({**CONV, "activation": "rellu"}, "activation: unknown activation 'rellu' (did you mean 'relu'?)"),
        ({**CONV, "use_bias": "yes"}, "use_bias: input should be a valid boolean, got \"yes\""),
        ({**CONV, "strides": 2, "dilation_rate": 2},
         "strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it), got strides=[2, 2] "
         "and dilation_rate=[2, 2]; use strides=1 or dilation_rate=1"),
        ({**CONV, "groups": 3}, "filters (8) must be divisible by groups (3)"),
        ({**CONV, "name": "a/b"}, "name: a layer name must be non-empty, without '/'"),
        ({**CONV, "name": "input"}, "name: 'input' names the network's input; choose another layer name"),
        ({"type": "Dropout", "rate": 1.5}, "net.json: layers[0] (Dropout): rate: input should be less than or equal to 1, got 1.5"),
        ({"type": "Dense"}, "net.json: layers[0] (Dense): units: missing; this argument is required"),
        ({"type": "MaxPooling2D", "pool_size": 0}, "pool_size: expected an integer >= 1"),
        ({"type": "AveragePooling2D"}, "net.json: layers[0] (AveragePooling2D): pool_size: missing; this argument is required"),
        ({"type": "ZeroPadding2D", "padding": [[1], [2, 3]]},
         "padding: expected an integer >= 0, [height, width] or [[top, bottom], [left, right]], got [[1], [2, 3]]"),
    ],
)  # fmt: skip
def test_invalid_layer_arguments(layer: dict[str, Any], expected: str) -> None:
    assert expected in problem(chain(layer))


def test_the_layer_name_is_part_of_the_location() -> None:
    message = problem(chain(CONV, {"type": "Dense", "units": 0, "name": "head"}))
    assert (
        message
        == "net.json: layers[1] ('head', Dense): units: input should be greater than 0, got 0"
    )


def test_every_error_gets_its_own_line() -> None:
    lines = problem(chain({**CONV, "filters": 0, "padding": "full"})).splitlines()
    assert len(lines) == 2
    assert all(line.startswith("net.json: layers[0] (Conv2D): ") for line in lines)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"layers": [CONV]}, "net.json: input: missing; this argument is required"),
        ({"input": {"shape": [32, 0, 3]}, "layers": [CONV]}, "net.json: input.shape.1: input should be greater than 0, got 0"),
        ({"input": {"shape": []}, "layers": [CONV]}, "net.json: input.shape: tuple should have at least 1 item"),
        ({"input": {"shape": [32, 32, 3]}, "layers": []}, "net.json: layers: list should have at least 1 item"),
        ({**chain(CONV), "trainig": {}}, "net.json: trainig: unknown argument 'trainig' (did you mean 'training'?)"),
        ({**chain(CONV), "training": {"epochs": 0}}, "net.json: training.epochs: input should be greater than 0, got 0"),
        ({**chain(CONV), "training": {"optimizer": "adagrad"}}, "net.json: training.optimizer: unknown optimizer \"adagrad\" (did you mean 'adam'?); archplan knows SGD, Adam, AdamW, RMSprop"),
        ({**chain(CONV), "training": {"validation_split": 1.0}}, "training.validation_split: input should be less than 1, got 1.0"),
        (chain({**CONV, "name": "c"}, {**CONV, "name": "c"}),
         "net.json: layers[1]: name 'c' is already used by layers[0]; layer names must be unique"),
    ],
)  # fmt: skip
def test_invalid_network(spec: dict[str, Any], expected: str) -> None:
    assert expected in problem(spec)


@pytest.mark.parametrize(
    ("shape", "layer", "expected"),
    [
        ((3, 3, 3), {"type": "Conv2D", "filters": 4, "kernel_size": 5},
         "layers[0] ('conv2d', Conv2D) on input (3, 3, 3): the output would be empty (H, W: 3 − 5 + 1 = -1); "
         "use padding='same', a smaller kernel_size, pool_size or strides, or less downsampling before it"),
        ((1, 9, 3), {"type": "MaxPooling2D"}, "layers[0] ('max_pooling2d', MaxPooling2D) on input (1, 9, 3): "
         "the output would be empty (H: ⌊(1 − 2) / 2⌋ + 1 = 0; W: ⌊(9 − 2) / 2⌋ + 1 = 4)"),
        ((10,), {"type": "Conv2D", "filters": 4, "kernel_size": 3},
         "Conv2D expects an input of rank 3 (height, width, channels), got (10,)"),
        ((4, 4), {"type": "GlobalMaxPooling2D"}, "GlobalMaxPooling2D expects an input of rank 3"),
        ((8, 8, 6), {"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 4},
         "its 6 input channels are not divisible by groups=4"),
        ((8, 8, 6), {"type": "BatchNormalization", "axis": 4},
         "axis=4 is not a feature axis of an input of shape (8, 8, 6) (Keras counts the batch axis as 0)"),
        ((8, 8, 6), {"type": "BatchNormalization", "axis": 0}, "axis=0 is not a feature axis"),
    ],
)  # fmt: skip
def test_shapes_that_do_not_fit(
    shape: tuple[int, ...], layer: dict[str, Any], expected: str
) -> None:
    assert expected in problem(chain(layer, shape=shape))


def test_a_shape_problem_names_the_later_layer_and_its_input() -> None:
    spec = chain(
        {"type": "Conv2D", "filters": 4, "kernel_size": 5},
        {"type": "MaxPooling2D"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 5, "name": "late"},
        {"type": "MaxPooling2D"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 5},
        shape=(28, 28, 1),
    )
    assert problem(spec).startswith(
        "layers[4] ('conv2d_1', Conv2D) on input (4, 4, 4): the output would be empty (H, W: 4 − 5 + 1 = 0)"
    )


def test_a_spec_must_be_an_object() -> None:
    with pytest.raises(SpecError, match=r"^x: a spec must be a JSON object .* got a JSON list$"):
        parse_spec([1, 2], source="x")


# Files that cannot be read or parsed.


def load_problem(path: Path) -> str:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    assert load_problem(path) == f"{path}: no such file; check the path (ready specs are in specs/)"


def test_directory(tmp_path: Path) -> None:
    assert load_problem(tmp_path) == (
        f"{tmp_path}: is a directory, not a spec file; name a .json file inside it"
    )


@pytest.mark.skipif(
    os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads anything"
)
def test_unreadable_file(write_spec: Callable[..., Path]) -> None:
    path = write_spec(chain(CONV))
    path.chmod(0)
    assert load_problem(path) == f"{path}: cannot be read (Permission denied)"


def test_not_utf8(write_spec: Callable[..., Path]) -> None:
    path = write_spec(b'{"name": "caf\xe9"}')
    assert load_problem(path) == (
        f"{path}: is not UTF-8 text (byte 0xe9 at offset 13); save the spec as UTF-8 JSON"
    )


def test_truncated_json(write_spec: Callable[..., Path]) -> None:
    path = write_spec('{\n  "input": {"shape": [32, 32, 3]},\n  "layers": [\n')
    assert load_problem(path) == (
        f"{path}:4:1: the JSON ends too early (Expecting value); is the file truncated?"
    )


def test_invalid_json_points_at_line_and_column(write_spec: Callable[..., Path]) -> None:
    path = write_spec('{\n  "input": {"shape": [32, 32, 3]},\n  "layers": [,]\n}')
    assert load_problem(path) == f"{path}:3:14: invalid JSON: Expecting value"


def test_a_utf8_bom_is_accepted(write_spec: Callable[..., Path]) -> None:
    import json

    path = write_spec(b"\xef\xbb\xbf" + json.dumps(chain(CONV)).encode())
    assert load_spec(path).layers[0].keras_class == "Conv2D"


def test_name_defaults_to_the_file_stem(write_spec: Callable[..., Path]) -> None:
    assert load_spec(write_spec(chain(CONV), name="my-net.json")).name == "my-net"
