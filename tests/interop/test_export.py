"""``python_script`` and ``keras_model_config`` without Keras: what the exported code says, that it
passes ``ruff check``, and that the exported configuration imports back to the same spec.

test_roundtrip_keras.py builds all of it in Keras."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from archplan import SpecError, load_spec, parse_spec, trace_network
from archplan.interop import import_model
from archplan.interop.arguments import given_arguments
from archplan.interop.keras_json import keras_model_config
from archplan.interop.pysource import Call, Code, Items, Keyword, identifier, literal, render
from archplan.interop.python_code import python_script
from archplan.layers import layer_types
from archplan.schema import Network
from tests.conftest import SPECS, chain
from tests.engine.test_graph_keras import graphs
from tests.interop.conftest import ruff_problems

SPEC_FILES = sorted(
    path.name for path in SPECS.glob("*.json") if not path.name.endswith(".schema.json")
)


def script(spec: dict[str, Any] | Network, source: str = "net.json") -> str:
    network = spec if isinstance(spec, Network) else parse_spec(spec)
    return python_script(network, trace_network(network), source=source)


def build_model_body(text: str) -> list[str]:
    start = text.index("def build_model():")
    return text[start : text.index("\n\n\n", start)].splitlines()[2:]


def test_the_tutorial_network_exports_as_the_golden_script(
    golden: Callable[[str, str], None],
) -> None:
    network = load_spec(SPECS / "tutorial-dimensioning.json")
    golden("export-tutorial-dimensioning.py", script(network, "specs/tutorial-dimensioning.json"))


def test_a_chain_is_a_sequential_with_keras_defaults_left_out() -> None:
    text = script(chain(
        {"type": "Conv2D", "filters": 64, "kernel_size": [3, 3], "strides": 1, "padding": "same", "activation": "relu"},
        {"type": "MaxPool2D", "pool_size": 2, "strides": [2, 2]},
        {"type": "Dropout", "rate": 0.25, "noise_shape": [None, 1, 1, 64]},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax", "kernel_regularizer": {"l2": 5e-4}},
    ))  # fmt: skip
    assert build_model_body(text) == [
        "    return keras.Sequential(",
        "        [",
        "            keras.Input(shape=(32, 32, 3)),",
        '            layers.Conv2D(64, 3, padding="same", activation="relu"),',
        "            layers.MaxPooling2D(strides=2),",
        "            layers.Dropout(0.25, noise_shape=(None, 1, 1, 64)),",
        "            layers.Flatten(),",
        "            layers.Dense(",
        "                10,",
        '                activation="softmax",',
        "                kernel_regularizer=keras.regularizers.L2(0.0005),",
        "            ),",
        "        ],",
        '        name="network",',
        "    )",
    ]


def test_a_graph_uses_the_functional_api_and_names_only_what_is_reused() -> None:
    text = script(load_spec(SPECS / "resnet-small.json"))
    body = build_model_body(text)
    assert body[:4] == [
        "    inputs = keras.Input(shape=(32, 32, 3))",
        '    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="stem_conv")(inputs)',
        '    x = layers.BatchNormalization(momentum=0.9, name="stem_bn")(x)',
        '    stem_relu = layers.Activation("relu", name="stem_relu")(x)',
    ]
    assert '    x = layers.Add(name="s1b1_add")([stem_relu, x])' in body
    assert body[-2:] == [
        '    outputs = layers.Dense(10, activation="softmax", name="classes")(x)',
        '    return keras.Model(inputs, outputs, name="resnet-small")',
    ]


def test_names_are_written_where_keras_would_not_give_them() -> None:
    spec = chain(
        {"type": "Conv2D", "filters": 2, "kernel_size": 1, "name": "conv2d"},  # the spec's own
        {"type": "Conv2D", "filters": 2, "kernel_size": 1},  # engine: conv2d_1; Keras: conv2d
        {"type": "Dense", "units": 2},  # dense, as Keras names it
        {"type": "Dense", "units": 2, "name": "dense_3"},
        {"type": "Dense", "units": 2},  # dense_1
    )
    assert build_model_body(script(spec))[3:8] == [
        '            layers.Conv2D(2, 1, name="conv2d"),',
        '            layers.Conv2D(2, 1, name="conv2d_1"),',
        "            layers.Dense(2),",
        '            layers.Dense(2, name="dense_3"),',
        "            layers.Dense(2),",
    ]


def test_a_dead_end_is_left_out_with_a_comment() -> None:
    spec = chain(
        {"type": "Conv2D", "filters": 2, "kernel_size": 1, "name": "dead"},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "inputs": ["input"]},
        shape=(8, 8, 3),
    )
    assert build_model_body(script(spec))[1:4] == [
        "    # 'dead' (Conv2D) is left out: nothing uses its output, so Keras would leave it out",
        "    # of the model too.",
        "    outputs = layers.Conv2D(2, 3)(inputs)",
    ]


TRAINING_CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "cosine in epochs with warm-up": (
        {"optimizer": {"type": "SGD", "momentum": 0.9, "learning_rate": {
            "type": "CosineDecay", "initial_learning_rate": 0.0, "warmup_target": 0.1, "warmup_epochs": 2}},
         "epochs": 10},
        ["def compile_model(model, steps_per_epoch):",
         "    learning_rate = keras.optimizers.schedules.CosineDecay(",
         "        initial_learning_rate=0.0,",
         "        decay_steps=max(1, EPOCHS * steps_per_epoch - 2 * steps_per_epoch),",
         "        warmup_target=0.1,",
         "        warmup_steps=2 * steps_per_epoch,",
         "    )",
         "        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),",
         "    steps_per_epoch = math.ceil(train_count / BATCH_SIZE)"]),
    "piecewise in epochs": (
        {"optimizer": {"type": "SGD", "learning_rate": {
            "type": "PiecewiseConstantDecay", "boundaries_epochs": [30, 60], "values": [0.1, 0.01, 0.001]}}},
        ["        boundaries=[30 * steps_per_epoch - 1, 60 * steps_per_epoch - 1],",
         "        values=[0.1, 0.01, 0.001],"]),
    "exponential in steps": (
        {"optimizer": {"type": "Adam", "learning_rate": {
            "type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.9,
            "staircase": True}}},
        ["def compile_model(model):",
         "    learning_rate = keras.optimizers.schedules.ExponentialDecay(",
         "        initial_learning_rate=0.1, decay_steps=100, decay_rate=0.9, staircase=True"]),
    "one cycle": (
        {"optimizer": {"type": "SGD", "learning_rate": {"type": "OneCycle", "max_learning_rate": 0.4,
                                                        "end_factor": 0.001}}},
        ["class OneCycle(keras.optimizers.schedules.LearningRateSchedule):",
         "    total_steps = EPOCHS * steps_per_epoch",
         "        warmup_steps=min(round(0.25 * total_steps), total_steps - 1),",
         "        end_factor=0.001,"]),
    "sparse labels, rescaled, seeded, no metrics": (
        {"optimizer": "adamw", "loss": "sparse_categorical_crossentropy", "metrics": [],
         "rescale": {"scale": 0.00784313725490196, "offset": -1}, "seed": 7},
        ["        optimizer=keras.optimizers.AdamW(),",
         '    x_train = x_train.astype("float32") / 127.5 - 1.0',
         "    keras.utils.set_random_seed(SEED)",
         "    loss = model.evaluate(x_test, y_test)"]),
    "label smoothing and callbacks": (
        {"label_smoothing": 0.1, "validation_split": 0.1,
         "early_stopping": {"monitor": "val_accuracy", "patience": 3}, "checkpoint_best": {"monitor": "val_accuracy"}},
        ["        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),",
         "    y_train = keras.utils.to_categorical(y_train, 10)",
         "            keras.callbacks.EarlyStopping(",
         '                monitor="val_accuracy", patience=3, restore_best_weights=True',
         '            keras.callbacks.ModelCheckpoint(',
         '    model.load_weights("best.keras")  # the best epoch, as kept']),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(TRAINING_CASES))
def test_the_training_block_becomes_compile_and_fit(case: str, tmp_path: Path) -> None:
    training, expected = TRAINING_CASES[case]
    spec = {**chain({"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}),
            "training": training}  # fmt: skip
    text = script(spec)
    lines = text.splitlines()
    for line in expected:
        assert line in lines, line
    (tmp_path / "exported.py").write_text(text, encoding="utf-8")
    assert ruff_problems(tmp_path / "exported.py", project_rules=True) == ""
    assert ("import math" in lines) == ("steps_per_epoch" in text)


def test_a_normalization_to_adapt_is_adapted_on_the_images_it_takes() -> None:
    spec = chain(
        {"type": "Normalization", "name": "first"},
        {"type": "Conv2D", "filters": 3, "kernel_size": 1},
        {"type": "Normalization", "name": "deeper"},
        {"type": "Flatten"}, {"type": "Dense", "units": 10},
    )  # fmt: skip
    lines = script(spec).splitlines()
    assert '    model.get_layer("first").adapt(x_train)' in lines
    assert (
        "    # 'deeper' (Normalization) has no mean and variance and takes no images directly, so"
        in lines
    )


def test_a_network_cifar10_does_not_fit_says_so() -> None:
    text = script(
        chain(
            {"type": "GlobalAveragePooling2D"},
            {"type": "Dense", "units": 1000},
            shape=(224, 224, 3),
        )
    )
    assert (
        "The network takes (224, 224, 3) and gives (1000,), not CIFAR-10's (32, 32, 3) images and 10 classes: main() needs your own data."
        in " ".join(text.split())
    )


@pytest.mark.parametrize("name", SPEC_FILES)
def test_every_spec_exports_a_script_ruff_accepts(name: str, tmp_path: Path) -> None:
    path = tmp_path / "exported.py"
    path.write_text(script(load_spec(SPECS / name), f"specs/{name}"), encoding="utf-8")
    assert ruff_problems(path, project_rules=False) == ""
    assert ruff_problems(path, project_rules=True) == ""


@pytest.mark.parametrize(
    ("layer", "given"),
    [
        ({"type": "Conv2D", "filters": 8, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid"}, {"filters": 8, "kernel_size": 3}),
        ({"type": "Conv2D", "filters": 8, "kernel_size": [3, 5], "activation": "relu", "use_bias": True}, {"filters": 8, "kernel_size": [3, 5], "activation": "relu"}),
        ({"type": "ZeroPadding2D", "padding": [[1, 1], [1, 1]]}, {}),
        ({"type": "ZeroPadding2D", "padding": [[0, 1], [0, 1]]}, {"padding": [[0, 1], [0, 1]]}),
        ({"type": "Cropping2D", "cropping": [[2, 2], [1, 1]]}, {"cropping": [2, 1]}),
        ({"type": "Normalization", "axis": [3]}, {"axis": 3}),
        ({"type": "LayerNormalization", "axis": [-1], "epsilon": 1e-6}, {"epsilon": 1e-6}),
        ({"type": "Rescaling", "scale": 0.5, "offset": 0.0}, {"scale": 0.5}),
        ({"type": "Reshape", "target_shape": [4, 4]}, {"target_shape": [4, 4]}),
        ({"type": "Dense", "units": 2, "kernel_regularizer": "l2"}, {"units": 2, "kernel_regularizer": {"l2": 0.01}}),
        ({"type": "Dense", "units": 2, "kernel_regularizer": "l1l2"}, {"units": 2, "kernel_regularizer": {"l1": 0.0, "l2": 0.0}}),
        ({"type": "Activation", "activation": None}, {"activation": None}),
        ({"type": "RandomRotation", "factor": [-0.1, 0.1]}, {"factor": 0.1}),  # as Keras writes 0.1
        ({"type": "RandomRotation", "factor": [-0.0, 0.0]}, {"factor": 0.0}),
        ({"type": "RandomZoom", "height_factor": [0.2, -0.2]}, {"height_factor": [0.2, -0.2]}),
    ],
)  # fmt: skip
def test_only_arguments_that_differ_from_keras_defaults_are_given(
    layer: dict[str, Any], given: dict[str, Any]
) -> None:
    spec_layer = layer_types()[layer["type"]].model_validate_json(json.dumps(layer))
    assert given_arguments(spec_layer) == given


def test_long_calls_wrap_as_a_formatter_would() -> None:
    call = Call(Code("layers.Conv2D"), (literal(64), literal(3), Keyword("padding", literal("same")),
                                        Keyword("name", literal("a_rather_long_layer_name_indeed"))))  # fmt: skip
    applied = Call(call, (Items((Code("first_branch_output"), Code("second_branch_output"))),))
    assert render(applied, 4, 8) == (
        'layers.Conv2D(64, 3, padding="same", name="a_rather_long_layer_name_indeed")(\n'
        "        [first_branch_output, second_branch_output]\n"
        "    )"
    )
    assert (
        render(Items(tuple(literal(n) for n in range(30))), 0, 0)
        == "[\n" + "".join(f"    {n},\n" for n in range(30)) + "]"
    )
    assert literal((None, 1)) == Code("(None, 1)")
    assert literal([3]) == Code("(3,)")
    taken: set[str] = {"x"}
    assert [identifier(name, taken) for name in ("Conv1_relu", "conv1-relu", "1st", "l", "class", "x")] == [
        "conv1_relu", "conv1_relu_1", "layer_1st", "l_out", "class_out", "x_1",
    ]  # fmt: skip


def test_a_chain_exports_as_a_sequential_configuration() -> None:
    network = load_spec(SPECS / "tutorial-dimensioning.json")
    config = keras_model_config(network, trace_network(network))
    assert config["class_name"] == "Sequential"
    layers = config["config"]["layers"]
    assert layers[0]["config"] == {
        "batch_shape": [None, 32, 32, 3],
        "dtype": "float32",
        "name": "input",
    }
    assert layers[1] == {
        "module": "keras.layers",
        "class_name": "Conv2D",
        "config": {"name": "conv2d", "trainable": True, "filters": 16, "kernel_size": (5, 5), "strides": (1, 1),
                   "padding": "valid", "data_format": "channels_last", "dilation_rate": (1, 1), "groups": 1,
                   "activation": "relu",
                   "use_bias": True, "kernel_regularizer": None},
        "registered_name": None,
    }  # fmt: skip


def test_a_graph_exports_as_a_functional_configuration_without_dead_ends() -> None:
    network = parse_spec(chain(
        {"type": "Conv2D", "filters": 2, "kernel_size": 1, "name": "dead"},
        {"type": "Conv2D", "filters": 3, "kernel_size": 3, "padding": "same", "name": "a", "inputs": ["input"]},
        {"type": "Add", "name": "sum", "inputs": ["a", "input"]},
        shape=(8, 8, 3),
    ))  # fmt: skip
    config = keras_model_config(network, trace_network(network))["config"]
    assert [entry["name"] for entry in config["layers"]] == ["input", "a", "sum"]
    assert config["layers"][2]["inbound_nodes"] == [{"args": [[
        {"class_name": "__keras_tensor__", "config": {"shape": [None, 8, 8, 3], "dtype": "float32", "keras_history": ["a", 0, 0]}},
        {"class_name": "__keras_tensor__", "config": {"shape": [None, 8, 8, 3], "dtype": "float32", "keras_history": ["input", 0, 0]}},
    ]], "kwargs": {}}]  # fmt: skip
    assert (config["input_layers"], config["output_layers"]) == ([["input", 0, 0]], [["sum", 0, 0]])


def reimported(network: Network, folder: Path) -> Network:
    """The network, exported as Keras' configuration and imported again."""
    path = folder / "model.json"
    path.write_text(
        json.dumps(keras_model_config(network, trace_network(network))), encoding="utf-8"
    )
    return import_model(path).network


def kept_layers(network: Network) -> dict[str, tuple[Any, ...]]:
    trace = trace_network(network)
    counted = {row.name for row in trace.counted}
    return {
        node.name: (node.layer.keras_class, node.layer.keras_arguments(), node.inputs)
        for node in network.nodes()
        if node.name in counted
    }


@pytest.mark.parametrize("name", SPEC_FILES)
def test_every_spec_exported_as_keras_json_imports_back(name: str, tmp_path: Path) -> None:
    network = load_spec(SPECS / name)
    back = reimported(network, tmp_path)
    assert kept_layers(back) == kept_layers(network)
    assert back.input_shape == network.input_shape


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=graphs())
def test_random_graphs_exported_as_keras_json_import_back(
    tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]
) -> None:
    try:
        network = parse_spec(spec)
        trace_network(network)
    except SpecError:
        assume(False)
        return
    back = reimported(network, tmp_path_factory.mktemp("graph"))
    assert kept_layers(back) == kept_layers(network)


def test_names_cannot_break_out_of_the_code() -> None:
    """A spec's names reach the script only as string literals, comments' reprs or docstring
    text that is escaped: quotes and backslashes in them never become code."""
    import ast

    hostile = 'n") or print("x'
    spec = {
        "name": 'net""" + print("x") + """\\',
        "input": {"shape": [8, 8, 3]},
        "layers": [
            {"type": "Normalization", "name": hostile},
            {
                "type": "Conv2D",
                "filters": 2,
                "kernel_size": 1,
                "name": "dead'\" # x",
                "inputs": ["input"],
            },
            {"type": "Flatten", "inputs": [hostile]},
        ],
    }
    network = parse_spec(spec)
    text = python_script(network, trace_network(network), source='a\\b"""c.json')
    tree = ast.parse(text)
    docstring = ast.get_docstring(tree)
    assert docstring is not None
    assert docstring.startswith('net""" + print("x") + """\\: a Keras model exported by')
    calls = [
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]
    assert calls.count("print") == 1  # main()'s own
