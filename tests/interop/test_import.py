"""``import_model`` on configurations written by hand: what becomes of each Keras construct, and every
way a model file can be refused (without Keras; test_roundtrip_keras.py and test_applications.py
import what Keras itself writes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archplan.errors import ArchplanError, MismatchError
from archplan.interop import UnsupportedLayersError, import_model, spec_text
from archplan.schema import parse_spec
from tests.conftest import SPECS
from tests.interop.keras_configs import (
    conv,
    functional,
    input_layer,
    layer,
    policy,
    sequential,
    tensor,
    write_json,
    write_keras,
)

SHAPE = (8, 8, 3)
IN = tensor("input_layer", SHAPE)


def imported_layers(tmp_path: Path, model: dict[str, Any], **options: Any) -> list[dict[str, Any]]:
    return list(import_model(write_json(tmp_path, model), **options).spec["layers"])


def refusal(
    tmp_path: Path, model: Any, error: type[Exception] = ArchplanError, **options: Any
) -> str:
    path = write_json(tmp_path, model) if not isinstance(model, Path) else model
    with pytest.raises(error) as caught:
        import_model(path, **options)
    return str(caught.value)


def test_a_functional_chain_keeps_names_and_only_non_default_arguments(tmp_path: Path) -> None:
    model = functional(
        conv("stem", IN, filters=16, strides=[2, 2], use_bias=False),
        layer("BatchNormalization", "bn", tensor("stem", (4, 4, 16)), axis=3, momentum=0.99,
              epsilon=0.001, center=True, scale=False),
        layer("ReLU", "relu6", tensor("bn", (4, 4, 16)), max_value=6.0, negative_slope=0.0,
              threshold=0.0),
        layer("GlobalAveragePooling2D", "pool", tensor("relu6", (4, 4, 16)),
              data_format="channels_last", keepdims=False),
        layer("Dense", "dense", tensor("pool", (16,)), units=10, activation="softmax",
              use_bias=True, kernel_regularizer={"module": "keras.regularizers", "class_name": "L2",
                                                 "config": {"l2": 0.0005000000237487257},  # float32
                                                 "registered_name": None}),
    )  # fmt: skip
    imported = import_model(write_json(tmp_path, model))
    assert imported.spec["input"] == {"shape": [8, 8, 3]}
    assert imported.spec["layers"] == [
        {"type": "Conv2D", "name": "stem", "filters": 16, "kernel_size": 3, "strides": 2,
         "padding": "same", "use_bias": False},
        {"type": "BatchNormalization", "name": "bn", "axis": 3, "scale": False},
        {"type": "ReLU", "name": "relu6", "max_value": 6.0},
        {"type": "GlobalAveragePooling2D", "name": "pool"},
        {"type": "Dense", "name": "dense", "units": 10, "activation": "softmax",
         "kernel_regularizer": {"l2": 0.0005}},
    ]  # fmt: skip
    assert imported.trace.total_params == (27 * 16) + 3 * 16 + 17 * 10
    assert imported.notes == ()


def test_branches_name_their_inputs_and_merges_always_do(tmp_path: Path) -> None:
    model = functional(
        conv("a", IN),
        conv("b", tensor("a", (8, 8, 4))),
        layer("Add", "sum", [tensor("a", (8, 8, 4)), tensor("b", (8, 8, 4))]),
        layer("Concatenate", "cat", [tensor("sum", (8, 8, 4)), IN], axis=-1),
        layer("Activation", "out", tensor("cat", (8, 8, 7)), activation="relu"),
    )
    assert [(layer.get("inputs"), layer["type"]) for layer in imported_layers(tmp_path, model)] == [
        (None, "Conv2D"), (None, "Conv2D"), (["a", "b"], "Add"), (["sum", "input"], "Concatenate"),
        (None, "Activation"),
    ]  # fmt: skip


def test_nested_models_are_opened_up_and_clashing_names_renamed(tmp_path: Path) -> None:
    block = sequential(input_layer("inner_in", SHAPE), conv("conv", filters=4), name="block")
    inner = functional(
        input_layer("inner_input", (8, 8, 4)),
        conv("conv", tensor("inner_input", (8, 8, 4))),
        inputs=("inner_input",),
        name="inner",
    )
    model = functional(
        {**block, "name": "block", "inbound_nodes": [{"args": [IN], "kwargs": {"mask": None}}]},
        {**inner, "name": "inner", "inbound_nodes": [{"args": [tensor("block", (8, 8, 4))], "kwargs": {}}]},
        layer("Add", "add", [tensor("inner", (8, 8, 4)), tensor("block", (8, 8, 4))]),
    )  # fmt: skip
    imported = import_model(write_json(tmp_path, model))
    assert [(layer["name"], layer.get("inputs")) for layer in imported.spec["layers"]] == [
        ("conv", None), ("inner_conv", None), ("add", ["inner_conv", "conv"]),
    ]  # fmt: skip
    assert imported.notes == ("renamed, as their names were taken: inner/conv → inner_conv",)


def test_a_sequential_takes_its_shape_from_its_input_or_its_build(tmp_path: Path) -> None:
    built = sequential(conv("c"), build_input_shape=[None, 6, 6, 2])
    assert import_model(write_json(tmp_path, built)).spec["input"] == {"shape": [6, 6, 2]}
    legacy = sequential(conv("c", batch_input_shape=[None, 5, 5, 1]))
    assert import_model(write_json(tmp_path, legacy)).spec["input"] == {"shape": [5, 5, 1]}
    never_built = sequential(conv("c"))
    assert (
        "input shape is not in its configuration (a Sequential model never built); give it, e.g. --input-shape 32,32,3"
        in refusal(tmp_path, never_built)
    )
    given = import_model(write_json(tmp_path, never_built), input_shape=(12, 12, 3))
    assert given.trace.output_shape == (12, 12, 4)


def test_open_sizes_need_an_input_shape(tmp_path: Path) -> None:
    model = functional(input_layer(shape=(None, None, 3)), conv("c", tensor("input_layer")))
    assert refusal(tmp_path, model).endswith(
        "the model's input shape (None, None, 3) leaves sizes open (None); a plan needs them: "
        "give them, e.g. --input-shape 224,224,3"
    )
    assert import_model(
        write_json(tmp_path, model), input_shape=(16, 16, 3)
    ).trace.output_shape == (16, 16, 4)


def test_operations_become_the_layers_that_compute_the_same(tmp_path: Path) -> None:
    ops = "keras.src.ops.numpy"
    model = functional(
        conv("c", IN),
        layer("Add", "add", tensor("c", (8, 8, 4)), 3.0, module=ops),
        layer("ReLU", "relu", tensor("add", (8, 8, 4)), max_value=6.0, negative_slope=0.0, threshold=0.0),
        layer("Multiply", "multiply", tensor("relu", (8, 8, 4)), 0.5, module=ops),
        layer("Subtract", "subtract", 1.0, tensor("multiply", (8, 8, 4)), module=ops),
        layer("TrueDivide", "divide", tensor("subtract", (8, 8, 4)), 4, module=ops),
        layer("Multiply", "gate", tensor("c", (8, 8, 4)), tensor("divide", (8, 8, 4)), module=ops),
    )  # fmt: skip
    assert [{k: v for k, v in layer.items() if k != "name"} for layer in imported_layers(tmp_path, model)] == [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
        {"type": "Rescaling", "scale": 1.0, "offset": 3.0},
        {"type": "ReLU", "max_value": 6.0},
        {"type": "Rescaling", "scale": 0.5},
        {"type": "Rescaling", "scale": -1.0, "offset": 1.0},
        {"type": "Rescaling", "scale": 0.25},
        {"type": "Multiply", "inputs": ["c", "divide"]},
    ]  # fmt: skip


UNSUPPORTED = [
    ("a custom class", layer("CustomScaleLayer", "s", [IN, IN], module="my_project.layers", scale=0.1),
     "CustomScaleLayer (a custom class, from my_project.layers) ×1 (s)"),
    ("a Keras layer archplan lacks", layer("LSTM", "lstm", IN, units=4), "LSTM ×1 (lstm)"),
    ("a Keras class name in a custom module", layer("Dense", "d", IN, module="my_project", units=2),
     "Dense (a custom class, from my_project) ×1 (d)"),
    ("LoRA", layer("Dense", "d", IN, units=2, lora_rank=4), "Dense(lora_rank=4) ×1 (d)"),
    ("batch renormalisation", layer("BatchNormalization", "bn", IN, renorm=True), "BatchNormalization(renorm=True) ×1 (bn)"),
    ("a custom activation", conv("c", IN, activation={"class_name": "function", "config": "my_act"}),
     "Conv2D(activation=function) ×1 (c)"),
    ("a value archplan refuses", layer("ZeroPadding2D", "pad", IN, padding=[[-1, 0], [0, 0]]),
     "1 layer with a value archplan's rules refuse: pad (ZeroPadding2D: padding: expected an integer >= 0, [height, width] or [[top, bottom], [left, right]], got [[-1, 0], [0, 0]]) (fix it where the model is built and save it again)"),
    ("an operation without a layer", layer("Transpose", "t", IN, module="keras.src.ops.numpy", axes=None),
     "ops.numpy.Transpose ×1 (t)"),
    ("an operation on two constants' worth", layer("Power", "p", IN, 2.0, module="keras.src.ops.numpy"),
     "ops.numpy.Power of a tensor and a constant ×1 (p)"),
    ("a layer called on two tensors", layer("Dense", "d", IN, IN, units=2), "Dense called on 2 tensors ×1 (d)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("model_layer", "listed"),
    [case[1:] for case in UNSUPPORTED],
    ids=[case[0] for case in UNSUPPORTED],
)
def test_what_archplan_does_not_model_is_listed(
    tmp_path: Path, model_layer: dict[str, Any], listed: str
) -> None:
    """The first layer after the input: --partial would keep nothing, so it is not advised."""
    message = refusal(tmp_path, functional(model_layer), UnsupportedLayersError)
    if not listed.startswith("1 layer with"):
        listed = f"1 kind of layer archplan does not model yet: {listed}"
    assert message.endswith(f"model.json: {listed}")


def test_each_unsupported_kind_is_counted_where_it_occurs(tmp_path: Path) -> None:
    scale = "my_project.layers"  # a class of that name outside Keras Applications is a custom one
    entries = [conv("c0", IN)]
    for index in range(6):
        entries.append(
            layer(
                "CustomScaleLayer",
                f"scale_{index}",
                [tensor(f"c{index}"), IN],
                module=scale,
                scale=0.1,
            )
        )
        entries.append(conv(f"c{index + 1}", tensor(f"scale_{index}")))
    entries.append(layer("Lambda", "lambda", tensor("c6"), function="..."))
    message = refusal(tmp_path, functional(*entries), UnsupportedLayersError)
    assert message.endswith(
        "model.json: 2 kinds of layer archplan does not model yet: CustomScaleLayer (a custom "
        f"class, from {scale}) ×6 (scale_0, scale_1, scale_2, ... scale_5); Lambda ×1 (lambda); "
        "--partial imports the model up to the first of them (scale_0)"
    )


def test_partial_cuts_before_the_first_unsupported_layer(tmp_path: Path) -> None:
    model = functional(
        conv("a", IN),
        conv("side", IN),
        conv("b", tensor("a")),
        layer("Custom", "custom", tensor("b"), module="mine"),
        conv("after", tensor("custom")),
        layer("Add", "sum", [tensor("after"), tensor("side")]),
    )
    imported = import_model(write_json(tmp_path, model), partial=True)
    assert [layer["name"] for layer in imported.spec["layers"]] == ["a", "b"]  # 'side' feeds no b
    assert imported.cut == (
        "cut before custom (Custom (a custom class, from mine)); the spec ends at 'b': 2 of the "
        "model's 6 layers, 4 left out"
    )
    first = functional(layer("Custom", "custom", IN, module="mine"), conv("c", tensor("custom")))
    assert (
        "--partial keeps nothing: the first layer, custom (Custom (a custom class, from mine)), is already one archplan does not model"
        in refusal(tmp_path, first, partial=True)
    )


def test_settings_without_effect_on_the_plan_are_left_out_and_noted(tmp_path: Path) -> None:
    variance = {"module": "keras.initializers", "class_name": "VarianceScaling", "config": {}}
    model = functional(
        conv("a", IN, kernel_initializer=variance),
        conv(
            "b", tensor("a"), kernel_initializer=variance, bias_constraint={"class_name": "NonNeg"}
        ),
        layer("Dense", "d", tensor("b"), units=2, dtype=policy("mixed_float16"), made_up=1),
    )
    assert import_model(write_json(tmp_path, model)).notes == (
        "not kept (no effect on the plan): kernel_initializer (VarianceScaling) on 2 layers (a, b)",
        "not kept (no effect on the plan): bias_constraint (NonNeg) on 1 layer (b)",
        "not kept (no effect on the plan): dtype policy 'mixed_float16' (plan with --dtype) on 1 layer (d)",
        "not kept (no effect on the plan): made_up (a Keras argument archplan does not know) on 1 layer (d)",
    )


def test_pooling_strides_equal_to_the_pool_size_are_keras_default(tmp_path: Path) -> None:
    model = functional(
        layer("MaxPooling2D", "p", IN, pool_size=[2, 2], strides=[2, 2], padding="valid", data_format="channels_last"),
        layer("AveragePooling2D", "q", tensor("p"), pool_size=[2, 2], strides=[1, 1], padding="same", data_format="channels_last"),
    )  # fmt: skip
    assert imported_layers(tmp_path, model) == [
        {"type": "MaxPooling2D", "name": "p"},
        {"type": "AveragePooling2D", "name": "q", "pool_size": 2, "strides": 1, "padding": "same"},
    ]


def test_a_normalization_to_adapt_counts_its_statistics(tmp_path: Path) -> None:
    model = functional(
        layer("Rescaling", "rescaling", IN, scale=0.00392156862745098, offset=0.0),
        layer("Normalization", "normalization", tensor("rescaling"), axis=[3], mean=None, variance=None, invert=False),
        layer("Dropout", "drop", tensor("normalization"), rate=0.2, seed=None, noise_shape=[None, 1, 1, 1]),
    )  # fmt: skip
    imported = import_model(write_json(tmp_path, model))
    assert imported.spec["layers"][1:] == [
        {"type": "Normalization", "name": "normalization", "axis": 3},
        {"type": "Dropout", "name": "drop", "rate": 0.2, "noise_shape": [None, 1, 1, 1]},
    ]
    assert imported.trace.non_trainable_params == 2 * 3 + 1


def test_shapes_keras_recorded_must_be_the_engines(tmp_path: Path) -> None:
    model = functional(
        conv("c", IN, padding="valid"), layer("Flatten", "f", tensor("c", (8, 8, 4)))
    )
    message = refusal(tmp_path, model, MismatchError)
    assert (
        "archplan and the shapes Keras recorded disagree on 1 layer: c (Conv2D): archplan (6, 6, 4), Keras (8, 8, 4)"
        in message
    )
    # a shape given with --input-shape is planned as given: Keras' shapes are for its own
    assert import_model(
        write_json(tmp_path, model), input_shape=(10, 10, 3)
    ).trace.output_shape == (256,)


def test_a_keras_archive_is_read_without_its_weights(tmp_path: Path) -> None:
    path = write_keras(tmp_path, functional(conv("c", IN)), version="3.15.1")
    imported = import_model(path)
    assert imported.spec["description"] == "Imported from model.keras (Keras 3.15.1)"
    assert imported.trace.total_params == 3 * 3 * 3 * 4 + 4


def test_get_config_dumped_as_json_is_read_too(tmp_path: Path) -> None:
    model = functional(conv("c", IN))
    assert imported_layers(tmp_path, model["config"])[0]["name"] == "c"


def test_tf_keras_configurations_are_read(tmp_path: Path) -> None:
    """tf.keras wrote inbound nodes as [[layer, node, tensor, kwargs], ...] and TFOpLambda layers."""
    legacy = {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": [
                {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
                 "config": {"batch_input_shape": [None, 28, 28, 1], "dtype": "float32", "name": "input_1"}},
                {"class_name": "Conv2D", "name": "conv2d", "inbound_nodes": [[["input_1", 0, 0, {}]]],
                 "config": {"name": "conv2d", "filters": 8, "kernel_size": [3, 3], "activation": "relu"}},
                {"class_name": "Add", "name": "add", "inbound_nodes": [[["conv2d", 0, 0, {}], ["conv2d", 0, 0, {}]]],
                 "config": {"name": "add"}},
                {"class_name": "TFOpLambda", "name": "tf.math.multiply", "inbound_nodes": [["add", 0, 0, {"y": 0.5}]],
                 "config": {"name": "tf.math.multiply", "function": "math.multiply"}},
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["tf.math.multiply", 0, 0]],
        },
        "keras_version": "2.13.1",
    }  # fmt: skip
    assert "TFOpLambda ×1 (tf.math.multiply)" in refusal(tmp_path, legacy, UnsupportedLayersError)
    imported = import_model(write_json(tmp_path, legacy), partial=True)
    assert imported.spec["layers"] == [
        {"type": "Conv2D", "name": "conv2d", "filters": 8, "kernel_size": 3, "activation": "relu"},
        {"type": "Add", "name": "add", "inputs": ["conv2d", "conv2d"]},
    ]


STRUCTURE = [
    ("two inputs", functional(input_layer("a"), input_layer("b"), layer("Add", "add", [tensor("a"), tensor("b")]), inputs=("a", "b")),
     "model.json: the model has 2 inputs (a, b); a spec plans a network with one input"),
    ("two outputs", functional(conv("c", IN), conv("d", IN), outputs=("c", "d")),
     "model.json: the model has 2 outputs (c, d); a spec plans a network with one output (its last layer)"),
    ("a shared layer", functional(conv("c", IN, calls=2)),
     "model.json: c (Conv2D) is called 2 times, sharing its weights; a spec's layers are each called once, so archplan cannot plan shared layers"),
    ("a second output of a layer", functional(conv("c", tensor("input_layer", index=1))),
     "model.json: c takes output 1 of 'input_layer'; a spec's layers each give one output"),
    ("an undefined input", functional(conv("c", tensor("nowhere"))), "model.json: c takes the output of 'nowhere', which is not defined before it"),
    ("a tensor as keyword", functional({**conv("c", IN), "inbound_nodes": [{"args": [IN], "kwargs": {"mask": IN}}]}),
     "model.json: c takes a tensor as a keyword argument (mask); a spec's layers take their inputs only"),
    ("an output that is not a layer", functional(conv("c", IN), outputs=("d",)), "model.json: the model names 'd' as its output, which the model does not define"),
    ("no layers", {"class_name": "Sequential", "config": {"name": "s", "layers": "none"}}, "model.json: the model has no list of layers in its configuration"),
    ("only an input", functional(), "model.json: the model has no layers between its input and its output; there is nothing to plan"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("model", "message"), [case[1:] for case in STRUCTURE], ids=[case[0] for case in STRUCTURE]
)
def test_wiring_a_spec_cannot_express_is_refused(
    tmp_path: Path, model: dict[str, Any], message: str
) -> None:
    assert refusal(tmp_path, model).endswith(message)


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_files_that_are_not_models_are_refused_in_one_line(tmp_path: Path) -> None:
    how = "save the model with model.save('model.keras'), or write model.to_json() to a file"
    cases = {
        tmp_path / "missing.keras": "missing.keras: no such file; check the path",
        tmp_path: "is a directory, not a model configuration file; a TensorFlow SavedModel folder is not read: archplan reads .keras files and JSON model configurations; " + how,
        write_bytes(tmp_path, "m.h5", b"\x89HDF\r\n"): "m.h5: an HDF5 file (legacy Keras format, or weights only) is not read: archplan never opens weights; " + how,
        write_bytes(tmp_path, "m.json", b"{\"class_name\": "): "m.json:1:16: the JSON ends too early (Expecting value); is the file truncated?",
        write_bytes(tmp_path, "list.json", b"[1, 2]"): "list.json: a model configuration is a JSON object, got a JSON list; " + how,
        write_bytes(tmp_path, "bin.json", b"\xff\xfe\x00"): "bin.json: is not UTF-8 text (byte 0xff at offset 0); save the model configuration as UTF-8 JSON",
        SPECS / "tutorial-convnet.json": "tutorial-convnet.json: is already an archplan spec; trace it, or export it with archplan export",
        write_bytes(tmp_path, "sub.json", json.dumps({"class_name": "MyModel", "config": {}}).encode()):
            "sub.json: a 'MyModel' object, not a Sequential or Functional model: archplan reads the models whose configuration lists their layers (a subclassed model's layers live in its Python code)",
        write_bytes(tmp_path, "odd.json", b"{\"class_name\": 3}"): "odd.json: not a Keras model configuration (no 'class_name' and 'config'); " + how,
    }  # fmt: skip
    import zipfile

    with zipfile.ZipFile(tmp_path / "weights.zip", "w") as archive:
        archive.writestr("model.weights.h5", b"")
    cases[tmp_path / "weights.zip"] = (
        "weights.zip: a zip archive without config.json, so not a Keras 3 .keras file; " + how
    )
    for path, message in cases.items():
        assert refusal(tmp_path, path).endswith(message), path


def test_the_training_block_comes_from_the_compile_config(tmp_path: Path) -> None:
    compiled = {
        "optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {
            "name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": 1.0,
            "global_clipnorm": None, "clipvalue": None, "use_ema": True, "ema_momentum": 0.99,
            "beta_1": 0.8999999761581421, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}},
        "loss": {"module": "keras.losses", "class_name": "CategoricalCrossentropy",
                 "config": {"name": "categorical_crossentropy", "from_logits": True, "label_smoothing": 0.1}},
        "metrics": ["accuracy", "top_k_categorical_accuracy"],
    }  # fmt: skip
    imported = import_model(
        write_json(tmp_path, functional(conv("c", IN), compile_config=compiled))
    )
    assert imported.spec["training"] == {
        "optimizer": {"type": "Adam", "clipnorm": 1.0},
        "label_smoothing": 0.1,
    }
    assert imported.notes == (
        "not kept from the compile configuration: optimizer use_ema=True",
        "not kept from the compile configuration: loss from_logits=True",
        "not kept from the compile configuration: metric 'top_k_categorical_accuracy' (archplan keeps accuracy only)",
    )


@pytest.mark.parametrize(
    ("compiled", "training"),
    [
        ({"optimizer": "sgd", "loss": "sparse_categorical_crossentropy", "metrics": None},
         {"optimizer": {"type": "SGD"}, "loss": "sparse_categorical_crossentropy", "metrics": []}),
        ({"optimizer": {"class_name": "SGD", "config": {"learning_rate": {"class_name": "PiecewiseConstantDecay",
          "config": {"boundaries": [100, 200], "values": [0.1, 0.01, 0.001], "name": "p"}}, "momentum": 0.9}}},
         {"optimizer": {"type": "SGD", "learning_rate": {"type": "PiecewiseConstantDecay", "boundaries": [100, 200],
          "values": [0.1, 0.01, 0.001]}, "momentum": 0.9}, "metrics": []}),
        ({"optimizer": {"class_name": "Lion", "config": {}}, "loss": "mse", "metrics": ["accuracy"]}, None),
    ],
)  # fmt: skip
def test_compile_configs(
    tmp_path: Path, compiled: dict[str, Any], training: dict[str, Any] | None
) -> None:
    imported = import_model(
        write_json(tmp_path, functional(conv("c", IN), compile_config=compiled))
    )
    assert imported.spec.get("training") == training


def test_the_spec_text_has_one_layer_per_line_and_reads_back(tmp_path: Path) -> None:
    model = functional(
        conv("a", IN, filters=3),
        layer("Add", "sum", [tensor("a"), IN]),
        compile_config={"optimizer": "adam"},
    )
    imported = import_model(write_json(tmp_path, model))
    text = spec_text(imported.spec)
    assert text.splitlines()[4:8] == [
        '  "layers": [',
        '    {"type": "Conv2D", "name": "a", "filters": 3, "kernel_size": 3, "padding": "same"},',
        '    {"type": "Add", "name": "sum", "inputs": ["a", "input"]}',
        "  ],",
    ]
    assert parse_spec(json.loads(text)) == imported.network
