"""Layer specs that only move values around: padding (and, later, cropping, reshaping)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, WithJsonSchema

from archplan.engine.receptive import Window
from archplan.layers.args import Shape, _is_int
from archplan.layers.base import Inference, Layer, register, require_rank

Margins = tuple[tuple[int, int], tuple[int, int]]
"""((top, bottom), (left, right))."""


def _to_margins(value: Any) -> Margins:
    """Read Keras' three spellings: ``n``, ``[h, w]`` and ``[[top, bottom], [left, right]]``."""
    expected = "expected an integer >= 0, [height, width] or [[top, bottom], [left, right]]"
    if _is_int(value) and value >= 0:
        return ((value, value), (value, value))
    if isinstance(value, (list, tuple)) and len(value) == 2:
        if all(_is_int(v) and v >= 0 for v in value):
            return ((value[0], value[0]), (value[1], value[1]))
        if all(
            isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_int(x) and x >= 0 for x in v)
            for v in value
        ):
            return ((value[0][0], value[0][1]), (value[1][0], value[1][1]))
    raise ValueError(f"{expected}, got {value!r}")


_COUNT = {"type": "integer", "minimum": 0}
_PAIR = {"type": "array", "items": _COUNT, "minItems": 2, "maxItems": 2}
MarginsArg = Annotated[
    Margins,
    BeforeValidator(_to_margins),
    WithJsonSchema(
        {"anyOf": [_COUNT, _PAIR, {"type": "array", "items": _PAIR, "minItems": 2, "maxItems": 2}]}
    ),
]


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
        out_h, out_w = top + height + bottom, left + width + right
        lines = (f"H: {top} + {height} + {bottom} = {out_h}", f"W: {left} + {width} + {right} = {out_w}")
        if lines[0][3:] == lines[1][3:]:
            lines = (f"H, W: {lines[0][3:]}",)
        reach = (Window(1, pad_before=top), Window(1, pad_before=left))  # shifts the field's start
        output = (out_h, out_w, channels)
        return Inference(output_shape=output, arithmetic=lines, macs=0, reach=reach)

    def describe(self) -> str:
        (top, bottom), (left, right) = self.padding
        return f"top {top}, bottom {bottom}, left {left}, right {right}"
