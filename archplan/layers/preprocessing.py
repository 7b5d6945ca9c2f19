"""Preprocessing layer specs: Rescaling and Normalization, which put pixel values on the scale the
network trains best on, inside the model (so a saved model takes raw pixels).

Neither learns by gradient, and both work at inference: 2 other ops per value (Rescaling always
computes ``x·scale + offset``; Normalization ``(x − mean) / √variance``, the square root being one
constant per channel). Each output value depends on its input value only: pointwise.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from archplan.layers.args import as_tuple
from archplan.layers.base import Inference, Layer, LayerShapeError, register
from archplan.layers.normalization import feature_axes
from archplan.rules.arith import group
from archplan.rules.receptive import POINTWISE
from archplan.rules.shapes import Shape

OPS_PER_VALUE = 2
"""A multiply and an add (Rescaling), a subtract and a divide (Normalization)."""


def _values(value: object) -> float | tuple[float, ...]:
    """A finite number, or a non-empty list of them; one message for every other input."""
    expected = "expected a finite number, or a list of them (one per channel)"
    items = value if isinstance(value, (list, tuple)) else [value]
    numbers = [
        float(item) for item in items
        if isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item)
    ]  # fmt: skip
    if len(numbers) != len(items) or not numbers:
        raise ValueError(f"{expected}, got {json.dumps(value)}")
    return tuple(numbers) if isinstance(value, (list, tuple)) else numbers[0]


_NUMBER = {"type": "number"}
_AS_IS = PlainSerializer(lambda value: value, return_type=Any)  # a number, or a tuple of them
Values = Annotated[
    float | tuple[float, ...],
    PlainValidator(_values),
    _AS_IS,
    WithJsonSchema({"anyOf": [_NUMBER, {"type": "array", "items": _NUMBER}]}),
]
"""One number for all channels, or a list of them (one per channel, or a single one)."""
OptionalValues = Annotated[
    float | tuple[float, ...] | None,
    PlainValidator(lambda value: None if value is None else _values(value)),
    _AS_IS,
    WithJsonSchema({"anyOf": [_NUMBER, {"type": "array", "items": _NUMBER}, {"type": "null"}]}),
]
"""Values that may be left out (None): a Normalization's statistics, to adapt."""


def _count(value: float | tuple[float, ...]) -> int | None:
    """How many values a list holds; None for a single number (it fits any shape)."""
    return len(value) if isinstance(value, tuple) else None


def _fits(argument: str, value: float | tuple[float, ...], size: int, axis: str) -> None:
    """Refuse a list that cannot be broadcast over an axis of ``size`` values (1 or all fit)."""
    count = _count(value)
    if count not in (None, 1, size):
        raise LayerShapeError(
            f"{argument} has {count} values and {axis} has {size}; give one number, or {size} "
            "(one each)"
        )


def _number(value: float) -> str:
    """``0.00392156…`` → ``'1/255'``; ``0.5`` → ``'0.5'``: a reciprocal where it reads better."""
    text = f"{value:g}"
    if len(text) > 6 and 1e-6 < abs(value) < 1:
        inverse = 1 / value
        if abs(inverse - round(inverse)) < 1e-6:
            return f"1/{round(inverse)}"
    return text


def _plus(offset: float | tuple[float, ...]) -> str:
    """``' − 1'``, ``' + [0.1, 0.2]'``, or nothing for no offset."""
    if isinstance(offset, tuple):
        return f" + {_numbers(offset)}"
    if offset == 0:
        return ""
    return f" − {_number(-offset)}" if offset < 0 else f" + {_number(offset)}"


def _numbers(value: float | tuple[float, ...]) -> str:
    if isinstance(value, tuple):
        return f"[{', '.join(_number(item) for item in value)}]"
    return _number(value)


@register
class Rescaling(Layer):
    """Multiplies by ``scale`` and adds ``offset``: ``1/255`` takes pixels to [0, 1],
    ``1/127.5`` with offset ``-1`` to [-1, 1]. Either may be a list, one value per channel."""

    keras_class = "Rescaling"
    type: Literal["Rescaling"]
    scale: Values
    offset: Values = 0.0

    def infer(self, input_shape: Shape) -> Inference:
        channels = input_shape[-1]
        for argument, value in (("scale", self.scale), ("offset", self.offset)):
            _fits(argument, value, channels, "the channel axis")  # Keras fails on the first call
        return Inference(
            output_shape=input_shape,
            arithmetic=(f"x·{_numbers(self.scale)}{_plus(self.offset)}",),
            macs=0,
            other_ops=OPS_PER_VALUE * math.prod(input_shape),
            reach=POINTWISE,
        )

    def describe(self) -> str:
        return f"×{_numbers(self.scale)}{_plus(self.offset)}"


@register
class Normalization(Layer):
    """Standardises values: ``(x − mean) / √variance`` (``invert``: back again), one mean and
    variance per value of the kept ``axis`` (per channel by default), or one for all values.

    Given ``mean`` and ``variance`` (one number, or one per value of the last kept axis, e.g.
    CIFAR-10's per-channel statistics of pixels in [0, 1]), Keras keeps them as constants: 0
    parameters. Without them, Keras learns them from data with ``adapt(data)`` and holds them as
    non-trainable weights: a mean and a variance per kept value and a sample count, 2·∏ sizes + 1
    (EfficientNet's input normalisation is such a layer). A spec has no data to adapt on: those
    weights then stay at Keras' initial values (mean 0, variance 1) until code adapts the layer.
    """

    keras_class = "Normalization"
    type: Literal["Normalization"]
    axis: Annotated[int | tuple[int, ...] | None, BeforeValidator(as_tuple)] = -1
    mean: OptionalValues = Field(
        default=None,
        description="The mean to subtract; without mean and variance the layer is to be adapted "
        "on data (Keras then keeps them as 2·C + 1 non-trainable weights).",
    )
    variance: OptionalValues = Field(
        default=None, description="The variance to divide by (its square root); with mean."
    )
    invert: bool = False

    @model_validator(mode="after")
    def _keras_argument_rules(self) -> Normalization:
        if (self.mean is None) != (self.variance is None):
            given = "mean" if self.variance is None else "variance"
            raise ValueError(
                f"{given} is given without {'variance' if given == 'mean' else 'mean'}; give "
                "both (Keras refuses one alone), or neither to adapt the layer on data"
            )
        if self.mean is None or self.variance is None:
            return self
        if _count(self.mean) != _count(self.variance):
            raise ValueError(
                f"mean and variance must have the same shape (Keras refuses it), got "
                f"{_numbers(self.mean)} and {_numbers(self.variance)}"
            )
        variances = self.variance if isinstance(self.variance, tuple) else (self.variance,)
        if min(variances) < 0:
            raise ValueError(
                f"a variance cannot be negative, got {_numbers(self.variance)} "
                "(Keras would divide by the square root of it: NaN)"
            )
        if _count(self.mean) is not None and not self._axes:
            raise ValueError(
                "axis=null (or []) normalises everything by one mean and variance, so each must "
                "be one number (Keras refuses a list)"
            )
        return self

    @property
    def adapted(self) -> bool:
        """True when mean and variance are to be learnt from data (``adapt``), not given."""
        return self.mean is None

    @property
    def _axes(self) -> tuple[int, ...]:
        """The kept axes as Keras takes them: None is no axis, a number is one."""
        if self.axis is None:
            return ()
        return self.axis if isinstance(self.axis, tuple) else (self.axis,)

    def infer(self, input_shape: Shape) -> Inference:
        kept = sorted(set(feature_axes(self._axes, input_shape)))
        per = "all values"
        if kept:
            last = input_shape[kept[-1]]
            if self.mean is not None:
                _fits("mean", self.mean, last, f"axis {kept[-1] + 1}")  # Keras refuses it
            per = f"per value of axis {', '.join(map(str, self._axes))}"
        formula = "x·√variance + mean" if self.invert else "(x − mean) / √variance"
        statistics = math.prod(input_shape[axis] for axis in kept)
        weights = 2 * statistics + 1 if self.adapted else 0
        return Inference(
            output_shape=input_shape,
            non_trainable=weights,
            param_formula=(
                f"2·{group(statistics)} + 1 = {group(weights)} (non-trainable: mean, variance, "
                "count, to adapt)"
                if self.adapted
                else "0 (mean and variance are constants)"
            ),
            arithmetic=(f"{formula}, {per}",),
            macs=0,
            other_ops=OPS_PER_VALUE * math.prod(input_shape),
            reach=POINTWISE,
        )

    def describe(self) -> str:
        count = _count(self.mean) if self.mean is not None else None
        if self.mean is None or self.variance is None:
            parts = ["to adapt"]
        elif count is not None and count > 4:
            parts = [f"{group(count)} means and variances"]
        else:
            parts = [f"mean {_numbers(self.mean)}", f"variance {_numbers(self.variance)}"]
        if self.axis != -1:
            parts.append(f"axis {', '.join(map(str, self._axes)) or 'none'}")
        if self.invert:
            parts.append("inverted")
        return ", ".join(parts)
