"""The network Keras evaluates: what ``fit``'s validation, ``evaluate`` and ``predict`` run.

Keras runs a model in two modes. Training crops (RandomCrop), but at inference Keras 3 passes a
RandomCrop's input through uncropped (keras-team/keras#21868), so every later layer receives the
larger image. Convolutions and global pooling take it; Flatten, Dense, Reshape and merges with a
branch that skipped the crop refuse it (a Dense layer's weights were built for the cropped size),
and Keras fails in the middle of ``fit``, at the first validation. This module traces the
inference-mode network, so a training run can refuse such a spec before it claims a folder or
loads any data.
"""

from __future__ import annotations

from archplan.engine.trace import trace_network
from archplan.errors import SpecError
from archplan.layers import layer_class
from archplan.messages import layer_label
from archplan.rules.shapes import format_shape
from archplan.schema.network import Network


def evaluation_refusal(network: Network) -> str | None:
    """Why Keras could train the network but not evaluate it; None when it can do both."""
    trace = trace_network(network)
    crops = [
        row
        for row in trace.layers
        if row.type == "RandomCrop" and row.output_shape != row.input_shape
    ]
    if not crops:
        return None
    identity = layer_class("Identity")
    assert identity is not None
    replaced = {row.index for row in crops}
    layers = [
        identity.model_validate(
            {"type": "Identity", "name": node.name, "inputs": node.layer.inputs}
        )
        if node.index in replaced
        else node.layer.model_copy(update={"name": node.name})
        for node in network.nodes()
    ]
    first = crops[0]
    crop = (
        f"{layer_label(first.index, first.name, first.type)} crops "
        f"{format_shape(first.input_shape)} to {format_shape(first.output_shape)} while training, "
        f"but Keras passes its input through uncropped at inference (keras-team/keras#21868)"
    )
    fix = (
        "crop in the data instead, use Cropping2D (which crops in both modes), or follow the "
        "crop only with layers that take any size (convolutions, pooling, then global pooling)"
    )
    try:
        evaluated = trace_network(network.model_copy(update={"layers": layers}))
    except SpecError as error:
        return f"{crop}, where {str(error).removeprefix('<spec>: ')}; {fix}"
    for trained, seen in zip(trace.layers, evaluated.layers, strict=True):
        if seen.params != trained.params:  # its weights were built for the training shape
            return (
                f"{crop}, where {layer_label(seen.index, seen.name, seen.type)} would receive "
                f"{format_shape(seen.input_shape)} and not the {format_shape(trained.input_shape)} "
                f"its weights are built for; {fix}"
            )
    if evaluated.output_shape != trace.output_shape:
        return (
            f"{crop}, so the output is {format_shape(evaluated.output_shape)} at inference and "
            f"{format_shape(trace.output_shape)} while training; {fix}"
        )
    return None
