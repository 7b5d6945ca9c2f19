"""Keras and TensorFlow as references for the costs: parameter bytes as ``model.summary()`` prints
them, activation sizes from the model's output shapes, and MACs from TensorFlow's own FLOP counts
of the Conv2D and MatMul operations (2 per multiply-accumulate)."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import pytest

from archplan import load_spec, parse_spec, trace_network
from archplan.engine.summary import summarize
from archplan.report.data import trace_record
from archplan.rules.sizes import readable_size
from tests.conftest import SPECS, chain
from tests.engine.conftest import keras_chain

pytestmark = [pytest.mark.keras, pytest.mark.usefixtures("tensorflow_backend")]

# TensorFlow's profiler counts a dilated convolution on its space-to-batch padded input, and gives
# no count for a grouped one, so those are checked by hand in test_costs.py, not here.
VARIED = chain(
    {"type": "ZeroPadding2D", "padding": [[1, 0], [2, 1]]},
    {"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"},
    {"type": "Conv2D", "filters": 6, "kernel_size": [3, 2], "use_bias": False},
    {"type": "BatchNormalization"},
    {"type": "Dense", "units": 5},
    {"type": "AveragePooling2D", "pool_size": 3, "strides": 2, "padding": "same"},
    {"type": "GlobalMaxPooling2D"},
    {"type": "Dense", "units": 7, "activation": "softmax"},
    shape=(23, 20, 3),
)  # fmt: skip
NETWORKS = {
    "tutorial-convnet": lambda: load_spec(SPECS / "tutorial-convnet.json"),
    "tutorial-dimensioning": lambda: load_spec(SPECS / "tutorial-dimensioning.json"),
    "varied": lambda: parse_spec(VARIED),
}


def tensorflow_flops(model: Any, input_shape: tuple[int, ...]) -> dict[str, int]:
    """FLOPs per operation type, as TensorFlow's profiler counts them for one sample."""
    import tensorflow as tf

    function = tf.function(lambda x: model(x, training=False))
    graph = function.get_concrete_function(tf.TensorSpec([1, *input_shape], tf.float32)).graph
    builder = tf.compat.v1.profiler.ProfileOptionBuilder
    options = builder(builder.float_operation()).with_empty_output().build()
    profile = tf.compat.v1.profiler.profile(graph, cmd="op", options=options)
    counts: dict[str, int] = {}
    nodes = list(profile.children)
    while nodes:
        node = nodes.pop()
        counts[node.name] = counts.get(node.name, 0) + node.float_ops
        nodes.extend(node.children)
    return counts


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_costs_match_keras_and_tensorflow(keras: ModuleType, name: str) -> None:
    network = NETWORKS[name]()
    trace = trace_network(network)
    model = keras_chain(keras, network, named=True)

    lines: list[str] = []
    model.summary(print_fn=lambda text, **_: lines.append(text))
    summary = "\n".join(lines)
    total = trace.total_params
    assert f"Total params: {total:,} ({readable_size(total * 4)})" in summary
    record = trace_record(summarize(trace, bytes_per_value=4))
    assert record["total_params_bytes"] == 4 * sum(math.prod(tuple(w.shape)) for w in model.weights)

    keras_layers = [
        layer for layer in model.layers if layer.name in {row.name for row in trace.layers}
    ]
    assert [math.prod(tuple(layer.output.shape)[1:]) for layer in keras_layers] == [
        row["activations"] for row in record["layers"]
    ]
    assert record["memory"]["activation_bytes_per_sample"] == 4 * sum(
        math.prod(tuple(layer.output.shape)[1:]) for layer in keras_layers
    )

    flops = tensorflow_flops(model, network.input_shape)
    assert flops.get("Conv2D", 0) + flops.get("MatMul", 0) == 2 * trace.total_macs  # type: ignore[operator]
