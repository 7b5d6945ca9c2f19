"""Layer specs that move values around without weights: padding, cropping, upsampling (each for
1, 2 and 3 spatial axes, one class per family with thin Keras-named subclasses), reshaping,
permuting and repeating."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema, field_validator

from archplan.layers.args import (
    SIZE_NAMES,
    DataFormat,
    PositiveInt,
    PositivePair,
    as_tuple,
    int_items,
)
from archplan.layers.base import Inference, Layer, LayerShapeError, SpatialLayer, register
from archplan.rules.arith import axis_lines, dotted, group
from archplan.rules.costs import interpolation_ops
from archplan.rules.receptive import GLOBAL, POINTWISE, Reach, Spread, Window
from archplan.rules.shapes import Shape, format_shape

Margins = tuple[tuple[int, int], ...]
"""(before, after) along each spatial axis: ((top, bottom), (left, right)) for an image."""


def _margins_validator(rank: int) -> Any:
    """Read Keras' spellings of margins along ``rank`` axes, every amount >= 0: ``n``, one item
    per axis (each ``n`` or ``[before, after]``), or, for a sequence, ``[before, after]``."""
    per_axis = ", ".join(["[before, after]"] * rank)
    expected = {
        1: "expected an integer >= 0 or [before, after]",
        2: "expected an integer >= 0, [height, width] or [[top, bottom], [left, right]]",
    }.get(rank, f"expected an integer >= 0, {SIZE_NAMES[rank]} or [{per_axis}]")

    def to_margins(value: Any) -> Margins:
        pairs: list[tuple[int, ...] | None] | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            pairs = [int_items(value, 2)] * rank
        elif rank == 1:
            pairs = [int_items(value, 2)]
        elif isinstance(value, (list, tuple)) and len(value) == rank:
            pairs = [int_items(side, 2) for side in value]
        if pairs is None or any(p is None or min(p) < 0 for p in pairs):
            raise ValueError(f"{expected}, got {value!r}")
        return tuple((p[0], p[1]) for p in pairs if p is not None)

    return to_margins


_COUNT = {"type": "integer", "minimum": 0}
_PAIR = {"type": "array", "items": _COUNT, "minItems": 2, "maxItems": 2}


def _margins_schema(rank: int) -> dict[str, Any]:
    if rank == 1:
        return {"anyOf": [_COUNT, _PAIR]}
    sized = {**_PAIR, "minItems": rank, "maxItems": rank}
    per_axis = {**sized, "items": {"anyOf": [_COUNT, _PAIR]}}
    return {"anyOf": [_COUNT, sized, per_axis]}


Margins1 = Annotated[
    Margins,
    BeforeValidator(_margins_validator(1)),
    PlainSerializer(lambda margins: margins[0]),  # Keras takes (before, after), not a list of one
    WithJsonSchema(_margins_schema(1)),
]
MarginsArg = Annotated[
    Margins, BeforeValidator(_margins_validator(2)), WithJsonSchema(_margins_schema(2))
]
Margins3 = Annotated[
    Margins, BeforeValidator(_margins_validator(3)), WithJsonSchema(_margins_schema(3))
]


def _margin_lines(
    sign: str, sizes: tuple[int, ...], margins: Margins, outs: tuple[int, ...]
) -> tuple[str, ...]:
    """``H: 1 + 32 + 1 = 34`` (padding, sign '+') or ``H: 32 − 1 − 1 = 30`` (cropping, '−')."""
    texts = [
        f"{before} + {size} + {after} = {out}"
        if sign == "+"
        else f"{size} − {before} − {after} = {out}"
        for size, (before, after), out in zip(sizes, margins, outs, strict=True)
    ]
    return axis_lines(*texts)


def _margins_text(margins: Margins) -> str:
    """``top 1, bottom 1, left 2, right 2`` for an image; ``before 1, after 2`` per axis else."""
    if len(margins) == 2:
        (top, bottom), (left, right) = margins
        return f"top {top}, bottom {bottom}, left {left}, right {right}"
    if len(margins) == 1:
        return f"before {margins[0][0]}, after {margins[0][1]}"
    return ", ".join(f"{letter} {b}+{a}" for letter, (b, a) in zip("DHW", margins, strict=True))


class _ZeroPadding(SpatialLayer):
    """Adds zeros before and after each spatial axis of each feature map."""

    padding: Margins

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels = self.split(input_shape)
        outs = tuple(b + size + a for size, (b, a) in zip(sizes, self.padding, strict=True))
        reach = tuple(Window(1, pad_before=b) for b, _ in self.padding)  # shifts the start
        return Inference(
            output_shape=self.join(outs, channels),
            arithmetic=_margin_lines("+", sizes, self.padding, outs),
            macs=0,
            reach=self.spatial_reach(reach),
        )

    def describe(self) -> str:
        return _margins_text(self.padding)


@register
class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros around each feature map."""

    keras_class = "ZeroPadding2D"
    type: Literal["ZeroPadding2D"]
    padding: MarginsArg = ((1, 1), (1, 1))
    data_format: DataFormat = "channels_last"


class _Cropping(SpatialLayer):
    """Removes positions at the borders of each spatial axis (U-Net's skip connections)."""

    cropping: Margins

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels = self.split(input_shape)
        outs = tuple(size - b - a for size, (b, a) in zip(sizes, self.cropping, strict=True))
        lines = _margin_lines("−", sizes, self.cropping, outs)
        if min(outs) <= 0:
            raise LayerShapeError(
                f"the output would be empty ({'; '.join(lines)}); crop less than the input's "
                "size along each axis"
            )
        reach = tuple(Window(1, pad_before=-b) for b, _ in self.cropping)  # moves the start in
        return Inference(
            output_shape=self.join(outs, channels),
            arithmetic=lines,
            macs=0,
            reach=self.spatial_reach(reach),
        )

    def describe(self) -> str:
        return _margins_text(self.cropping)


@register
class Cropping2D(_Cropping):
    """Removes rows and columns at the borders of each feature map."""

    keras_class = "Cropping2D"
    type: Literal["Cropping2D"]
    cropping: MarginsArg = ((0, 0), (0, 0))
    data_format: DataFormat = "channels_last"


UpsamplingInterpolation = Literal["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"]

INTERPOLATION_TAPS: dict[str, int] = {
    "nearest": 1, "area": 1, "bilinear": 2, "bicubic": 4, "lanczos3": 6, "lanczos5": 10,
}  # fmt: skip
"""Input values one output value blends, per axis, when upsampling by an integer factor."""


class _UpSampling(SpatialLayer):
    """Repeats (or, in 2-D, interpolates) each position ``size`` times along each axis."""

    def factors(self) -> tuple[int, ...]:
        """The factor along each spatial axis."""
        raise NotImplementedError

    def interpolation_name(self) -> str:
        return "nearest"

    def infer(self, input_shape: Shape) -> Inference:
        sizes, channels = self.split(input_shape)
        factors = self.factors()
        outs = tuple(size * factor for size, factor in zip(sizes, factors, strict=True))
        lines = axis_lines(
            *(
                f"{size}·{factor} = {out}"
                for size, factor, out in zip(sizes, factors, outs, strict=True)
            )
        )
        taps = tuple(
            1 if factor == 1 else INTERPOLATION_TAPS[self.interpolation_name()]
            for factor in factors
        )
        return Inference(
            output_shape=self.join(outs, channels),
            arithmetic=lines,
            macs=0,
            other_ops=interpolation_ops(math.prod(outs) * channels, math.prod(taps)),
            reach=self.spatial_reach(
                tuple(
                    Spread(factor, tap, offset=-(factor - 1) / (2 * factor))
                    for factor, tap in zip(factors, taps, strict=True)
                )
            ),
        )

    def describe(self) -> str:
        return f"×{'×'.join(map(str, self.factors()))}, {self.interpolation_name()}"


@register
class UpSampling2D(_UpSampling):
    """Repeats (or interpolates) each row ``size[0]`` times and each column ``size[1]`` times."""

    keras_class = "UpSampling2D"
    type: Literal["UpSampling2D"]
    size: PositivePair = (2, 2)
    data_format: DataFormat = "channels_last"
    interpolation: UpsamplingInterpolation = "nearest"

    def factors(self) -> tuple[int, ...]:
        return self.size

    def interpolation_name(self) -> str:
        return self.interpolation


def _target_axis(value: int) -> int:
    if value == 0 or value < -1:
        raise ValueError("each size must be a positive integer, or -1 for one size to compute")
    return value


@register
class Reshape(Layer):
    """Lays the same values out in ``target_shape`` (no batch axis); one size may be -1."""

    keras_class = "Reshape"
    type: Literal["Reshape"]
    target_shape: Annotated[
        tuple[Annotated[int, Field(ge=-1)], ...], Field(min_length=1), BeforeValidator(as_tuple)
    ]

    @field_validator("target_shape")
    @classmethod
    def _one_unknown_at_most(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for size in value:
            _target_axis(size)
        if value.count(-1) > 1:
            raise ValueError(
                f"at most one size may be -1 (computed from the others), got {list(value)}"
            )
        return value

    def infer(self, input_shape: Shape) -> Inference:
        values = math.prod(input_shape)
        known = math.prod([size for size in self.target_shape if size != -1])
        target = format_shape(self.target_shape)
        if -1 not in self.target_shape:
            if known != values:
                raise LayerShapeError(
                    f"target_shape {target} holds {group(known)} values and its input "
                    f"{format_shape(input_shape)} holds {group(values)}; they must be equal "
                    "(use -1 for one size to have it computed)"
                )
            output = self.target_shape
            line = f"{dotted(input_shape)} = {group(values)} = {dotted(output)}"
        else:
            if values % known:
                raise LayerShapeError(
                    f"the input {format_shape(input_shape)} holds {group(values)} values, not a "
                    f"multiple of the {group(known)} that target_shape {target} fixes; choose "
                    "sizes whose product divides it"
                )
            output = tuple(values // known if size == -1 else size for size in self.target_shape)
            line = f"-1 = {dotted(input_shape)} / {known} = {values // known}"
        return Inference(
            output_shape=output,
            arithmetic=(line,),
            macs=0,
            reach=self._reach(input_shape, output),
        )

    @staticmethod
    def _reach(input_shape: Shape, output: Shape) -> Reach:
        """Keeping the rank and the leading (spatial) sizes keeps each position's field;
        otherwise positions are mixed (a vector made an image, an image a vector), and as after
        Flatten every unit counts as seeing the whole input."""
        spatial = len(input_shape) - 1
        kept = len(output) == len(input_shape) and output[:spatial] == input_shape[:spatial]
        return POINTWISE if kept else GLOBAL

    def describe(self) -> str:
        return format_shape(self.target_shape)


def _dims(value: Any) -> Any:
    value = as_tuple(value)
    dims = isinstance(value, tuple) and all(isinstance(d, int) for d in value)
    if dims and sorted(value) != list(range(1, len(value) + 1)):
        raise ValueError(
            f"dims must be a permutation of 1 ... {len(value)} (Keras counts the batch axis "
            f"as 0 and keeps it first), got {list(value)}"
        )
    return value


@register
class Permute(Layer):
    """Reorders the axes: output axis ``i`` is input axis ``dims[i]`` (1: the first after the
    batch), e.g. ``[2, 1]`` swaps a sequence's steps and channels."""

    keras_class = "Permute"
    type: Literal["Permute"]
    dims: Annotated[tuple[PositiveInt, ...], Field(min_length=1), BeforeValidator(_dims)]

    def infer(self, input_shape: Shape) -> Inference:
        if len(input_shape) != len(self.dims):
            raise LayerShapeError(
                f"dims={list(self.dims)} permutes {len(self.dims)} axes and the input "
                f"{format_shape(input_shape)} has {len(input_shape)}; give one entry per axis "
                "(the batch axis not counted)"
            )
        output = tuple(input_shape[dim - 1] for dim in self.dims)
        kept = self.dims == tuple(range(1, len(self.dims) + 1))
        return Inference(
            output_shape=output,
            arithmetic=(f"axes {', '.join(map(str, self.dims))} of {format_shape(input_shape)}",),
            macs=0,
            reach=POINTWISE if kept else None,  # a field cannot follow its axes being swapped
        )

    def describe(self) -> str:
        return f"dims {list(self.dims)}"


@register
class RepeatVector(Layer):
    """Repeats a vector ``n`` times: ``(features,)`` becomes ``(n, features)``, a sequence."""

    keras_class = "RepeatVector"
    type: Literal["RepeatVector"]
    n: PositiveInt

    def infer(self, input_shape: Shape) -> Inference:
        if len(input_shape) != 1:
            raise LayerShapeError(
                f"RepeatVector expects a vector (features,), got {format_shape(input_shape)}; "
                "Flatten or pool it first (GlobalAveragePooling1D/2D, Flatten)"
            )
        return Inference(
            output_shape=(self.n, input_shape[0]),
            arithmetic=(f"{self.n} copies of {input_shape[0]} values",),
            macs=0,
            reach=GLOBAL,
        )

    def describe(self) -> str:
        return f"×{self.n}"
