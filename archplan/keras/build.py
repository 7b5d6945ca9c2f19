"""Build a spec's Keras model with the functional API, one generic step per layer.

Every layer spec names its Keras class and hands over its fields as Keras' own keyword arguments,
so there is no per-layer code here: a layer type registered in :mod:`archplan.layers` builds as is.
Layers are wired as ``network.nodes()`` says (a merge is called on the list of its inputs) and get
the engine's names, so the cross-check can pair rows by name.
"""

from __future__ import annotations

from typing import Any

from archplan.messages import layer_label
from archplan.schema import Network
from archplan.schema.network import INPUT, Node

KerasModel = Any
"""A ``keras.Model``; Keras ships no type information."""


class KerasRefusalError(Exception):
    """Keras raised while constructing or applying one layer of a spec."""

    def __init__(self, index: int, name: str, keras_class: str, cause: BaseException) -> None:
        reason = " ".join(str(cause).split()) or type(cause).__name__
        self.where = layer_label(index, name, keras_class)
        super().__init__(f"{self.where}: {reason}")
        self.index = index
        self.name = name
        self.keras_class = keras_class
        self.reason = reason


def build_model(network: Network, *, output_dtype: str | None = None) -> KerasModel:
    """The Keras model of ``network``, symbolically built (weights created, nothing trained).

    Call :func:`archplan.keras.backend.load_keras` first: it decides the backend Keras runs on.
    ``output_dtype`` overrides the output layer's dtype policy alone: under mixed precision its
    softmax stays in float32, as Keras' guide advises; shapes and parameters are unchanged.
    """
    import keras

    tensors = {INPUT: keras.Input(shape=network.input_shape, name=INPUT)}
    nodes = network.nodes()
    for node in nodes:
        dtype = output_dtype if node is nodes[-1] else None
        tensors[node.name] = _apply(keras, node, [tensors[name] for name in node.inputs], dtype)
    return keras.Model(tensors[INPUT], tensors[node.name], name=model_name(network))


def _apply(keras: Any, node: Node, inputs: list[Any], dtype: str | None = None) -> Any:
    """Construct the node's Keras layer and call it on its input (a merge: on the list)."""
    layer = node.layer
    policy = {"dtype": dtype} if dtype else {}
    try:
        keras_layer = getattr(keras.layers, layer.keras_class)(
            name=node.name, **layer.keras_arguments(), **policy
        )
        keras_layer.trainable = layer.trainable  # also where the class takes no such argument
        return keras_layer(inputs) if layer.merges else keras_layer(*layer.call_inputs(inputs))
    except Exception as error:  # whatever Keras raises is its refusal
        raise KerasRefusalError(node.index, node.name, layer.keras_class, error) from error


def model_name(network: Network) -> str:
    """The spec's name as a Keras model name (Keras refuses ``/`` in names)."""
    return (network.name or "network").replace("/", "_")


def summary_text(model: KerasModel) -> str:
    """``model.summary()`` as plain text, to print and to keep in the run folder.

    Keras sizes the table to the terminal and renders it into a console of that width.
    """
    lines: list[str] = []
    model.summary(print_fn=lambda text, **_: lines.append(text))
    return "\n".join(line.rstrip("\n") for line in lines)
