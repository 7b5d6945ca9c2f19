"""Traces as plain JSON-ready data: the ``--json`` contract of ``trace`` and ``params``.

Keys are only ever added, never renamed or removed. Per-axis values (receptive field, jump, start)
are one number when every spatial axis agrees, else a list ``[height, width]``; ``jump`` and
``start`` are null once the spatial layout is gone (after Flatten or global pooling), where every
unit sees the whole input. ``start`` is an input pixel index: 0.0 is the first pixel's centre.
After upsampling, ``jump`` (and so the field) may be a fraction of a pixel.

Each row names the outputs it takes (``inputs``: earlier layers' names, ``"input"`` for the
network's input) with their shapes (``input_shapes``; ``input_shape`` is the first of them), and
whether the output depends on it (``reaches_output``: false for a layer Keras would leave out of
the model, which the totals leave out too). ``warnings`` lists problems that did not stop the trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archplan.engine.summary import Field, LayerTrace, Memory, Summary


def one_or_list(values: Sequence[float] | None) -> Any:
    """One value when all axes agree, else a list; None when there is nothing to say."""
    if not values:
        return None
    return values[0] if len(set(values)) == 1 else list(values)


def field_record(field: Field | None) -> dict[str, Any]:
    """``receptive_field``, ``jump`` and ``start`` of one layer (null where unknown)."""
    if field is None:
        return {"receptive_field": None, "jump": None, "start": None}
    start = None if field.start is None else [float(s) for s in field.start]
    return {
        "receptive_field": one_or_list(field.size),
        "jump": one_or_list(field.jump),
        "start": one_or_list(start),
    }


def layer_record(layer: LayerTrace, summary: Summary) -> dict[str, Any]:
    """One layer's row; shapes are lists of ints without the batch axis, costs are per sample."""
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
        "macs": layer.macs,
        "flops": layer.flops,
        "other_ops": layer.other_ops,
        **field_record(layer.field),
        "activations": layer.activations,
        "activation_bytes": summary.activation_bytes(layer),
        "inputs": list(layer.inputs),
        "input_shapes": [list(shape) for shape in layer.input_shapes or (layer.input_shape,)],
        "reaches_output": layer.reaches_output,
    }


def memory_record(memory: Memory) -> dict[str, Any]:
    """The memory estimate, every size in bytes (see :mod:`archplan.engine.memory`)."""
    return {
        "bytes_per_value": memory.bytes_per_value,
        "batch_size": memory.batch_size,
        "input_bytes_per_sample": memory.input_bytes_per_sample,
        "activation_bytes_per_sample": memory.activation_bytes_per_sample,
        "activation_bytes_per_batch": memory.activation_bytes_per_batch,
        "params_bytes": memory.params_bytes,
        "training": {
            "optimizer": memory.optimizer,
            "optimizer_slots": memory.optimizer_slots,
            "params_bytes": memory.params_bytes,
            "gradients_bytes": memory.gradients_bytes,
            "optimizer_bytes": memory.optimizer_bytes,
            "input_bytes": memory.input_bytes_per_batch,
            "activation_bytes": memory.activation_bytes_per_batch,
            "total_bytes": memory.training_bytes,
        },
    }


def trace_record(summary: Summary) -> dict[str, Any]:
    """The whole trace: the rows, the totals Keras' summary prints (and their bytes), the costs."""
    trace, memory = summary
    return {
        "name": trace.name,
        "input_shape": list(trace.input_shape),
        "output_shape": list(trace.output_shape),
        "layers": [layer_record(layer, summary) for layer in trace.layers],
        "total_params": trace.total_params,
        "trainable_params": trace.trainable_params,
        "non_trainable_params": trace.non_trainable_params,
        "total_params_bytes": summary.total_params_bytes,
        "trainable_params_bytes": summary.trainable_params_bytes,
        "non_trainable_params_bytes": summary.non_trainable_params_bytes,
        "total_macs": trace.total_macs,
        "total_flops": trace.total_flops,
        "total_other_ops": trace.total_other_ops,
        "memory": memory_record(memory),
        "warnings": list(trace.warnings),
    }
