"""Traces as plain JSON-ready data: the ``--json`` contract of ``trace`` and ``params``."""

from __future__ import annotations

from typing import Any

from archplan.engine.trace import LayerTrace, Trace


def layer_record(layer: LayerTrace) -> dict[str, Any]:
    """One layer's row; shapes are lists of ints without the batch axis."""
    return {
        "index": layer.index,
        "name": layer.name,
        "type": layer.type,
        "arguments": layer.arguments,
        "input_shape": list(layer.input_shape),
        "output_shape": list(layer.output_shape),
        "params": layer.params,
        "trainable_params": layer.trainable_params,
        "non_trainable_params": layer.non_trainable_params,
        "param_formula": layer.param_formula,
        "arithmetic": list(layer.arithmetic),
    }


def trace_record(trace: Trace, *, bytes_per_param: int = 4) -> dict[str, Any]:
    """The whole trace: the rows, then the totals Keras' summary prints (and their bytes)."""
    return {
        "name": trace.name,
        "input_shape": list(trace.input_shape),
        "output_shape": list(trace.output_shape),
        "layers": [layer_record(layer) for layer in trace.layers],
        "total_params": trace.total_params,
        "trainable_params": trace.trainable_params,
        "non_trainable_params": trace.non_trainable_params,
        "total_params_bytes": trace.total_params * bytes_per_param,
        "trainable_params_bytes": trace.trainable_params * bytes_per_param,
        "non_trainable_params_bytes": trace.non_trainable_params * bytes_per_param,
    }
