"""Merge layer specs: the layers that join branches (Add, Subtract, ..., Concatenate).

A merge takes the outputs of several earlier layers, named in its ``inputs``. Keras' rules:

- element-wise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) line the shapes up from
  the last axis; on each axis the sizes must be equal, or one of them 1 (it is repeated: broadcast);
  a shorter shape is repeated over the missing leading axes. Subtract takes exactly two inputs,
  the others one or more;
- Concatenate joins along ``axis`` (default -1, channels; Keras counts the batch axis as 0): the
  inputs must have the same rank and agree on every other axis.

When two inputs disagree the layer raises :class:`MergeMismatchError`, saying which inputs and
which axis; the engine, which knows where each input comes from, turns it into a message naming
them.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, model_validator

from archplan.layers.base import Inference, Layer, LayerShapeError, MergeMismatchError, register
from archplan.rules.receptive import POINTWISE
from archplan.rules.shapes import Shape, format_shape


def broadcast(shapes: tuple[Shape, ...]) -> Shape:
    """Keras' element-wise merge shape: shapes aligned on their last axes, size-1 axes repeated.

    Raises :class:`MergeMismatchError` naming the first pair of inputs that cannot be lined up.
    """
    result = shapes[0]
    for index, shape in enumerate(shapes[1:], start=1):
        result = _broadcast_pair(result, shape, index, shapes)
    return result


def _broadcast_pair(result: Shape, shape: Shape, index: int, shapes: tuple[Shape, ...]) -> Shape:
    longer, shorter = (result, shape) if len(result) >= len(shape) else (shape, result)
    lead = len(longer) - len(shorter)
    merged = list(longer[:lead])
    for offset, (a, b) in enumerate(zip(longer[lead:], shorter, strict=True)):
        if a != b and 1 not in (a, b):
            from_end = len(longer) - lead - offset
            culprit = _culprit(shapes, index, from_end)
            raise MergeMismatchError(culprit, index, -from_end, _BROADCAST_RULE)
        merged.append(b if a == 1 else a)
    return tuple(merged)


_BROADCAST_RULE = "an element-wise merge needs equal sizes on every axis (or 1, repeated to match)"


def _culprit(shapes: tuple[Shape, ...], index: int, from_end: int) -> int:
    """The earlier input whose size ``from_end`` axes from the end clashes with input ``index``."""
    size = _size_from_end(shapes[index], from_end)
    for earlier in range(index):
        other = _size_from_end(shapes[earlier], from_end)
        if other not in (None, 1, size):
            return earlier
    return 0


def _size_from_end(shape: Shape, from_end: int) -> int | None:
    return shape[-from_end] if from_end <= len(shape) else None


def _inputs_required(schema: dict[str, Any]) -> None:
    """In the JSON Schema, a merge's ``inputs`` is required (editors then ask for it)."""
    schema["required"] = [*schema.get("required", []), "inputs"]


class MergeLayer(Layer):
    """A layer Keras calls on a list of tensors: the outputs named in ``inputs`` (at least one)."""

    model_config = ConfigDict(json_schema_extra=_inputs_required)
    merges: ClassVar[bool] = True

    def infer(self, input_shape: Shape) -> Inference:
        return self.infer_inputs((input_shape,))


class _Merge(MergeLayer):
    """Element-wise merges: one output value from the values at the same place in every input."""

    operation: ClassVar[str]
    """What the output holds, for the arithmetic column: 'sum', 'product', ..."""

    def infer_inputs(self, input_shapes: tuple[Shape, ...]) -> Inference:
        output = broadcast(input_shapes)
        count = len(input_shapes)
        lines = [f"{self.operation} of {count} input{'s' * (count != 1)}, value by value"]
        lines += [
            f"{format_shape(shape)} broadcasts to {format_shape(output)}"
            for shape in dict.fromkeys(input_shapes)
            if shape != output
        ]
        return Inference(
            output_shape=output,
            arithmetic=tuple(lines),
            macs=0,
            other_ops=self.ops_per_value(len(input_shapes)) * math.prod(output),
            reach=POINTWISE,
        )

    @classmethod
    def ops_per_value(cls, count: int) -> int:
        """Element-wise operations per output value for ``count`` inputs: one per pair joined."""
        return count - 1


@register
class Add(_Merge):
    """The sum of its inputs: a residual connection's join."""

    keras_class = "Add"
    type: Literal["Add"]
    operation: ClassVar[str] = "sum"


@register
class Subtract(_Merge):
    """The first input minus the second (exactly two inputs)."""

    keras_class = "Subtract"
    type: Literal["Subtract"]
    operation: ClassVar[str] = "difference"

    @model_validator(mode="after")
    def _two_inputs(self) -> Subtract:
        if self.inputs is not None and len(self.inputs) != 2:
            raise ValueError(
                f"inputs: Subtract takes exactly 2 inputs (the first minus the second), "
                f"got {len(self.inputs)}; use Add to join more"
            )
        return self


@register
class Multiply(_Merge):
    """The product of its inputs (a gate, or squeeze-and-excitation's channel weights)."""

    keras_class = "Multiply"
    type: Literal["Multiply"]
    operation: ClassVar[str] = "product"


@register
class Average(_Merge):
    """The mean of its inputs."""

    keras_class = "Average"
    type: Literal["Average"]
    operation: ClassVar[str] = "mean"

    @classmethod
    def ops_per_value(cls, count: int) -> int:
        return count  # count − 1 additions and one division


@register
class Maximum(_Merge):
    """The largest of its inputs, value by value."""

    keras_class = "Maximum"
    type: Literal["Maximum"]
    operation: ClassVar[str] = "maximum"


@register
class Minimum(_Merge):
    """The smallest of its inputs, value by value."""

    keras_class = "Minimum"
    type: Literal["Minimum"]
    operation: ClassVar[str] = "minimum"


_CONCATENATE_RULE = "Concatenate needs equal sizes on every axis but the concatenation axis"


@register
class Concatenate(MergeLayer):
    """Joins its inputs along ``axis`` (default -1: channels), as Inception-style blocks do."""

    keras_class = "Concatenate"
    type: Literal["Concatenate"]
    axis: int = -1

    def infer_inputs(self, input_shapes: tuple[Shape, ...]) -> Inference:
        first = input_shapes[0]
        for index, shape in enumerate(input_shapes[1:], start=1):
            if len(shape) != len(first):
                raise MergeMismatchError(
                    0, index, None, "Concatenate needs inputs of the same rank (number of axes)"
                )
        axis = self.sample_axis(len(first))
        for index, shape in enumerate(input_shapes[1:], start=1):
            for other in range(len(first)):
                if other != axis and shape[other] != first[other]:
                    raise MergeMismatchError(0, index, other - len(first), _CONCATENATE_RULE)
        sizes = [shape[axis] for shape in input_shapes]
        output = (*first[:axis], sum(sizes), *first[axis + 1 :])
        return Inference(
            output_shape=output,
            arithmetic=(f"axis {self.axis}: {' + '.join(map(str, sizes))} = {sum(sizes)}",),
            macs=0,
            reach=POINTWISE,  # each output value is one input value, moved
        )

    def sample_axis(self, rank: int) -> int:
        """The axis of a sample's shape (no batch axis) that ``axis`` names, as Keras counts."""
        if not -(rank + 1) <= self.axis <= rank:
            raise LayerShapeError(
                f"axis={self.axis} is not an axis of inputs of rank {rank} (Keras counts the "
                "batch axis as 0); use axis=-1 for channels"
            )
        index = self.axis % (rank + 1)
        if index == 0:
            raise LayerShapeError(
                f"axis={self.axis} is the batch axis: it would stack samples, not join features "
                "(Keras builds it, but the model then gives more outputs than samples); "
                "use axis=-1 for channels"
            )
        return index - 1

    def describe(self) -> str:
        return "" if self.axis == -1 else f"axis {self.axis}"
