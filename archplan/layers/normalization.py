"""Normalisation layer specs: BatchNormalization (statistics over the batch, kept for inference),
LayerNormalization and GroupNormalization (statistics of each sample, computed at inference too).

LayerNormalization's (and GroupNormalization's) work per value at inference, counted as other
ops: 4 for the statistics (an add for the mean; a difference, a square and an add for the
variance), 1 to normalise (the difference times 1/σ), and 1 each for the learnt scale and shift.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from archplan.layers.args import as_tuple
from archplan.layers.base import Inference, Layer, LayerShapeError, register
from archplan.rules.arith import dotted, group
from archplan.rules.costs import NORMALIZATION_OPS_PER_VALUE
from archplan.rules.receptive import GLOBAL, POINTWISE
from archplan.rules.shapes import Shape, format_shape

LAYER_NORMALIZATION_OPS_PER_VALUE = 5
"""Statistics (4) and normalising (1), before the optional scale and shift (1 each)."""


@register
class BatchNormalization(Layer):
    """Normalises each channel; learns a scale (gamma) and shift (beta), tracks mean and variance.

    The moving mean and variance are weights Keras counts as non-trainable: 4·C in all, 2·C of them
    trainable when both ``center`` and ``scale`` are on.
    """

    keras_class = "BatchNormalization"
    type: Literal["BatchNormalization"]
    axis: int = -1
    momentum: Annotated[float, Field(ge=0.0, le=1.0)] = 0.99
    epsilon: Annotated[float, Field(gt=0.0)] = 0.001
    center: bool = True
    scale: bool = True

    def infer(self, input_shape: Shape) -> Inference:
        (axis,) = feature_axes((self.axis,), input_shape)
        channels = input_shape[axis]
        learned = self.center + self.scale
        trainable, moving = learned * channels, 2 * channels
        total = trainable + moving
        if learned:
            formula = f"{2 + learned}·{channels} = {group(total)} ({group(moving)} non-trainable)"
        else:
            formula = f"2·{channels} = {group(total)} (non-trainable)"
        return Inference(
            output_shape=input_shape,
            trainable=trainable,
            non_trainable=moving,
            param_formula=formula,
            arithmetic=(f"normalises axis {self.axis} ({channels} channels)",),
            macs=0,
            other_ops=NORMALIZATION_OPS_PER_VALUE * math.prod(input_shape),
            reach=POINTWISE,
        )

    def describe(self) -> str:
        return "" if self.axis == -1 else f"axis {self.axis}"


def feature_axes(
    axes: tuple[int, ...], input_shape: Shape, argument: str = "axis"
) -> tuple[int, ...]:
    """Keras' axes (the batch axis is 0, negatives count from the end) as sorted indices into
    archplan's shapes (which have no batch axis); refuses the batch axis and axes past the last."""
    rank = len(input_shape) + 1
    indices = []
    for axis in axes:
        index = axis + rank if axis < 0 else axis
        if not 1 <= index < rank:
            raise LayerShapeError(
                f"{argument}={axis} is not a feature axis of an input of shape "
                f"{format_shape(input_shape)} (Keras counts the batch axis as 0): axes run from "
                f"1 to {rank - 1}, or {-(rank - 1)} to -1; use {argument}=-1 for channels"
            )
        indices.append(index - 1)
    return tuple(sorted(indices))


@register
class LayerNormalization(Layer):
    """Normalises each sample over ``axis`` (default: its channels, at every position) with the
    sample's own mean and variance, then learns a scale (gamma) and shift (beta) per value of those
    axes: ``(center + scale)·∏ sizes`` trainable weights, nothing non-trainable.

    Normalising over a spatial axis (height or width) mixes positions: every output value then
    depends on the whole input, as after global pooling. Keras 3's ``rms_scaling`` is left out:
    Keras deprecated it (it scales by the variance; ``keras.layers.RMSNormalization`` is the fix).
    """

    keras_class = "LayerNormalization"
    type: Literal["LayerNormalization"]
    axis: Annotated[int | tuple[int, ...], BeforeValidator(as_tuple)] = -1
    epsilon: Annotated[float, Field(gt=0.0)] = 0.001
    center: bool = True
    scale: bool = True

    def infer(self, input_shape: Shape) -> Inference:
        indices = self._indices(input_shape)
        sizes = tuple(input_shape[index] for index in indices)
        learned = self.center + self.scale
        weights = learned * math.prod(sizes)
        formula = f"{learned}·{dotted(sizes)} = {group(weights)}" if learned else "0"
        names = ", ".join(str(axis) for axis in self._axes)
        values = math.prod(input_shape)
        spatial = any(index < len(input_shape) - 1 for index in indices)
        return Inference(
            output_shape=input_shape,
            trainable=weights,
            param_formula=formula,
            arithmetic=(
                f"normalises each sample over axis {names} ({group(math.prod(sizes))} values)",
            ),
            macs=0,
            other_ops=(LAYER_NORMALIZATION_OPS_PER_VALUE + learned) * values,
            reach=GLOBAL if spatial else POINTWISE,
        )

    @property
    def _axes(self) -> tuple[int, ...]:
        return self.axis if isinstance(self.axis, tuple) else (self.axis,)

    def _indices(self, input_shape: Shape) -> tuple[int, ...]:
        """The normalised axes as indices into ``input_shape``; none twice, at least one."""
        if not self._axes:
            raise LayerShapeError(
                "axis=[] normalises over no axis (each value by itself: the output is beta); "
                "use axis=-1 for channels"
            )
        indices = feature_axes(self._axes, input_shape)
        if len(set(indices)) != len(indices):
            raise LayerShapeError(
                f"axis={list(self._axes)} names the same axis twice (Keras builds it, then "
                "fails on the first call); name each axis once"
            )
        return indices

    def describe(self) -> str:
        parts = [] if self.axis == -1 else [f"axis {', '.join(map(str, self._axes))}"]
        parts += [] if self.center else ["no center"]
        parts += [] if self.scale else ["no scale"]
        return ", ".join(parts)


def _no_zero_groups(value: int) -> int:
    if value == 0:
        raise ValueError("groups must be a positive integer, or -1 for one group per channel")
    return value


@register
class GroupNormalization(Layer):
    """Normalises each sample over groups of channels (``groups`` of them, each C/groups
    channels), every position of the group together, then learns a scale and shift per channel:
    ``(center + scale)·C`` weights. ``groups=-1`` is one group per channel (instance
    normalisation); ``groups=1`` normalises all channels together.

    The statistics span every spatial position, so each output value depends on the whole input,
    as after global pooling.
    """

    keras_class = "GroupNormalization"
    type: Literal["GroupNormalization"]
    groups: Annotated[int, Field(ge=-1), AfterValidator(_no_zero_groups)] = 32
    axis: int = -1
    epsilon: Annotated[float, Field(gt=0.0)] = 0.001
    center: bool = True
    scale: bool = True

    def infer(self, input_shape: Shape) -> Inference:
        (index,) = feature_axes((self.axis,), input_shape)
        channels = input_shape[index]
        groups = channels if self.groups == -1 else self.groups
        if groups > channels or channels % groups:
            raise LayerShapeError(
                f"groups={self.groups} does not divide the {channels} channels of axis "
                f"{self.axis} (Keras refuses it); choose groups that divides {channels}, or -1 "
                "for one group per channel"
            )
        learned = self.center + self.scale
        weights = learned * channels
        values = math.prod(input_shape)
        return Inference(
            output_shape=input_shape,
            trainable=weights,
            param_formula=f"{learned}·{channels} = {group(weights)}" if learned else "0",
            arithmetic=(
                f"normalises each of {groups} groups of {channels // groups} channels over "
                f"{group(values // groups)} values",
            ),
            macs=0,
            other_ops=(LAYER_NORMALIZATION_OPS_PER_VALUE + learned) * values,
            reach=GLOBAL if len(input_shape) > 1 else POINTWISE,
        )

    def describe(self) -> str:
        parts = [f"{self.groups} groups" if self.groups != -1 else "one group per channel"]
        parts += [] if self.axis == -1 else [f"axis {self.axis}"]
        return ", ".join(parts)
