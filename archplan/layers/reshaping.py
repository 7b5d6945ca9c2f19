"""Layer specs that move values around without weights: padding, cropping, upsampling, reshaping."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator

from archplan.layers.args import PositivePair, as_tuple, int_items
from archplan.layers.base import Inference, Layer, LayerShapeError, register, require_rank
from archplan.rules.arith import axis_lines, dotted, group
from archplan.rules.costs import interpolation_ops
from archplan.rules.receptive import GLOBAL, POINTWISE, Reach, Spread, Window
from archplan.rules.shapes import Pair, Shape, format_shape

Margins = tuple[tuple[int, int], tuple[int, int]]
"""((top, bottom), (left, right))."""


def _to_margins(value: Any) -> Margins:
    """Read Keras' spellings: ``n``, ``[h, w]``, ``[[top, bottom], [left, right]]``, or a mix
    (``[[top, bottom], w]``), every amount >= 0."""
    expected = "expected an integer >= 0, [height, width] or [[top, bottom], [left, right]]"
    pairs = None
    if isinstance(value, int) and not isinstance(value, bool):
        pairs = [int_items(value, 2)] * 2
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        pairs = [int_items(side, 2) for side in value]
    if pairs is None or any(p is None or min(p) < 0 for p in pairs):
        raise ValueError(f"{expected}, got {value!r}")
    (top, bottom), (left, right) = pairs  # type: ignore[misc]
    return ((top, bottom), (left, right))


_COUNT = {"type": "integer", "minimum": 0}
_PAIR = {"type": "array", "items": _COUNT, "minItems": 2, "maxItems": 2}
MarginsArg = Annotated[
    Margins,
    BeforeValidator(_to_margins),
    WithJsonSchema(
        {"anyOf": [_COUNT, _PAIR, {"type": "array", "items": {"anyOf": [_COUNT, _PAIR]},
                                   "minItems": 2, "maxItems": 2}]}
    ),
]  # fmt: skip


def _margin_lines(
    sign: str, sizes: tuple[int, ...], margins: Margins, outs: Pair
) -> tuple[str, ...]:
    """``H: 1 + 32 + 1 = 34`` (padding, sign '+') or ``H: 32 − 1 − 1 = 30`` (cropping, '−')."""
    texts = [
        f"{before} + {size} + {after} = {out}"
        if sign == "+"
        else f"{size} − {before} − {after} = {out}"
        for size, (before, after), out in zip(sizes, margins, outs, strict=True)
    ]
    return axis_lines(*texts)


@register
class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around each feature map."""

    keras_class = "ZeroPadding2D"
    type: Literal["ZeroPadding2D"]
    padding: MarginsArg = ((1, 1), (1, 1))

    def infer(self, input_shape: Shape) -> Inference:
        require_rank(input_shape, 3, "ZeroPadding2D", "pad before flattening")
        height, width, channels = input_shape
        (top, bottom), (left, right) = self.padding
        outs = (top + height + bottom, left + width + right)
        reach = (Window(1, pad_before=top), Window(1, pad_before=left))  # shifts the field's start
        return Inference(
            output_shape=(*outs, channels),
            arithmetic=_margin_lines("+", (height, width), self.padding, outs),
            macs=0,
            reach=reach,
        )

    def describe(self) -> str:
        (top, bottom), (left, right) = self.padding
        return f"top {top}, bottom {bottom}, left {left}, right {right}"


@register
class Cropping2D(Layer):
    """Removes rows and columns at the borders of each feature map (U-Net's skip connections)."""

    keras_class = "Cropping2D"
    type: Literal["Cropping2D"]
    cropping: MarginsArg = ((0, 0), (0, 0))

    def infer(self, input_shape: Shape) -> Inference:
        require_rank(input_shape, 3, "Cropping2D", "crop before flattening")
        height, width, channels = input_shape
        (top, bottom), (left, right) = self.cropping
        outs = (height - top - bottom, width - left - right)
        lines = _margin_lines("−", (height, width), self.cropping, outs)
        if min(outs) <= 0:
            raise LayerShapeError(
                f"the output would be empty ({'; '.join(lines)}); crop less than the input's "
                "height and width"
            )
        reach = (Window(1, pad_before=-top), Window(1, pad_before=-left))  # moves the start in
        return Inference(output_shape=(*outs, channels), arithmetic=lines, macs=0, reach=reach)

    def describe(self) -> str:
        (top, bottom), (left, right) = self.cropping
        return f"top {top}, bottom {bottom}, left {left}, right {right}"


UpsamplingInterpolation = Literal["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"]

INTERPOLATION_TAPS: dict[str, int] = {
    "nearest": 1, "area": 1, "bilinear": 2, "bicubic": 4, "lanczos3": 6, "lanczos5": 10,
}  # fmt: skip
"""Input values one output value blends, per axis, when upsampling by an integer factor."""


@register
class UpSampling2D(Layer):
    """Repeats (or interpolates) each row ``size[0]`` times and each column ``size[1]`` times."""

    keras_class = "UpSampling2D"
    type: Literal["UpSampling2D"]
    size: PositivePair = (2, 2)
    interpolation: UpsamplingInterpolation = "nearest"

    def infer(self, input_shape: Shape) -> Inference:
        require_rank(input_shape, 3, "UpSampling2D", "upsample before flattening")
        height, width, channels = input_shape
        outs = (height * self.size[0], width * self.size[1])
        lines = axis_lines(
            f"{height}·{self.size[0]} = {outs[0]}", f"{width}·{self.size[1]} = {outs[1]}"
        )
        taps = tuple(self._taps(factor) for factor in self.size)
        return Inference(
            output_shape=(*outs, channels),
            arithmetic=lines,
            macs=0,
            other_ops=interpolation_ops(math.prod(outs) * channels, math.prod(taps)),
            reach=tuple(
                Spread(factor, tap, offset=-(factor - 1) / (2 * factor))
                for factor, tap in zip(self.size, taps, strict=True)
            ),
        )

    def _taps(self, factor: int) -> int:
        return 1 if factor == 1 else INTERPOLATION_TAPS[self.interpolation]

    def describe(self) -> str:
        return f"×{'×'.join(map(str, self.size))}, {self.interpolation}"


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
