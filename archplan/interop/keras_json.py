"""``archplan export --format keras-json``: a spec as the model configuration Keras itself writes
(``model.to_json()``), built without Keras, so that ``keras.models.model_from_json`` reads it.

A chain is written as a ``Sequential`` model, a graph as a ``Functional`` one whose layers list the
tensors they are called on (each with the shape the engine traced). Each layer's configuration is
its name and the spec's arguments, which are Keras' own; what a spec does not hold (initializers,
dtype policies) is left out, and Keras fills in its defaults. Layers the output does not depend on
are left out, as Keras leaves them out of a model.
"""

from __future__ import annotations

from typing import Any

from archplan.engine.graph import reaching_output
from archplan.engine.trace import Trace
from archplan.interop.layout import is_chain
from archplan.rules.shapes import Shape
from archplan.schema import Network
from archplan.schema.network import INPUT, Node

LAYERS_MODULE = "keras.layers"


def keras_model_config(network: Network, trace: Trace) -> dict[str, Any]:
    """What ``model.to_json()`` would give for ``realize``'s model of ``network`` (as JSON data)."""
    nodes = network.nodes()
    reached = reaching_output(nodes)
    kept = [node for node in nodes if node.name in reached]
    name = (network.name or "network").replace("/", "_")
    if is_chain(kept):
        layers = [_input_layer(network.input_shape), *(_layer(node) for node in kept)]
        return {
            "module": "keras",
            "class_name": "Sequential",
            "config": {"name": name, "trainable": True, "layers": layers},
            "registered_name": None,
        }
    shapes = {INPUT: network.input_shape} | {row.name: row.output_shape for row in trace.layers}
    layers = [
        {**_input_layer(network.input_shape), "name": INPUT, "inbound_nodes": []},
        *(_called_layer(node, shapes) for node in kept),
    ]
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": name,
            "trainable": True,
            "layers": layers,
            "input_layers": [[INPUT, 0, 0]],
            "output_layers": [[kept[-1].name, 0, 0]],
        },
        "registered_name": "Functional",
    }


def _input_layer(shape: Shape) -> dict[str, Any]:
    return {
        "module": LAYERS_MODULE,
        "class_name": "InputLayer",
        "config": {"batch_shape": [None, *shape], "dtype": "float32", "name": INPUT},
        "registered_name": None,
    }


def _layer(node: Node) -> dict[str, Any]:
    """The layer's own entry: its class, name and arguments (tuples become JSON lists)."""
    return {
        "module": LAYERS_MODULE,
        "class_name": node.layer.keras_class,
        "config": {"name": node.name, **node.layer.keras_arguments()},
        "registered_name": None,
    }


def _called_layer(node: Node, shapes: dict[str, Shape]) -> dict[str, Any]:
    """A functional model's entry: the layer, and the tensors it is called on."""
    tensors = [_tensor(name, shapes[name]) for name in node.inputs]
    arguments: list[Any] = [tensors] if node.layer.merges else node.layer.call_inputs(tensors)
    return {
        **_layer(node),
        "name": node.name,
        "inbound_nodes": [{"args": arguments, "kwargs": {}}],
    }


def _tensor(name: str, shape: Shape) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": [None, *shape], "dtype": "float32", "keras_history": [name, 0, 0]},
    }
