"""Activation layer specs: ``Activation`` (any of Keras' element-wise activations by name) and
``ReLU`` (Keras' ``keras.layers.ReLU``), which has arguments of its own.

``Activation("relu")`` takes no arguments; the ReLU layer adds a ceiling (``max_value``: 6 gives
ReLU6, as MobileNet uses), a slope below the threshold (``negative_slope``: a leaky ReLU), and the
``threshold`` itself. Like ``Activation``, it learns nothing and costs one other op per value.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field

from archplan.layers.args import ActivationName
from archplan.layers.base import Inference, Layer, register
from archplan.rules.costs import pointwise_ops
from archplan.rules.receptive import POINTWISE
from archplan.rules.shapes import Shape

NonNegative = Annotated[float, Field(ge=0.0)]


@register
class ReLU(Layer):
    """``x`` above ``threshold`` (capped at ``max_value``), ``negative_slope·(x − threshold)``
    below it: Keras' ``f(x) = max_value if x ≥ max_value; x if threshold ≤ x < max_value;
    negative_slope·(x − threshold) otherwise``. The defaults are the plain ReLU, max(x, 0)."""

    keras_class = "ReLU"
    type: Literal["ReLU"]
    max_value: NonNegative | None = None
    negative_slope: NonNegative = 0.0
    threshold: NonNegative = 0.0

    def infer(self, input_shape: Shape) -> Inference:
        return Inference(
            output_shape=input_shape,
            arithmetic=(self.formula(),),
            macs=0,
            other_ops=math.prod(input_shape),  # one element-wise operation per value
            reach=POINTWISE,
        )

    def formula(self) -> str:
        """``'max(x, 0)'``, ``'min(max(x, 0), 6)'``, ``'x ≥ 0.5 ? x : 0.1·(x − 0.5)'``."""
        low = f"{self.threshold:g}"
        shifted = f"(x − {low})" if self.threshold else "x"
        if self.negative_slope:
            text = f"x ≥ {low} ? x : {self.negative_slope:g}·{shifted}"
        elif self.threshold:
            text = f"x ≥ {low} ? x : 0"
        else:
            text = "max(x, 0)"
        if self.max_value is not None:
            text = f"min({text}, {self.max_value:g})"
        return text

    def describe(self) -> str:
        parts = [] if self.max_value is None else [f"max {self.max_value:g}"]
        parts += [f"slope {self.negative_slope:g}"] if self.negative_slope else []
        parts += [f"threshold {self.threshold:g}"] if self.threshold else []
        return ", ".join(parts)


@register
class Activation(Layer):
    """Applies an activation function on its own; the shape is unchanged."""

    keras_class = "Activation"
    type: Literal["Activation"]
    activation: ActivationName

    def infer(self, input_shape: Shape) -> Inference:
        ops = pointwise_ops(math.prod(input_shape), activation=self.activation)
        return Inference(output_shape=input_shape, macs=0, other_ops=ops, reach=POINTWISE)

    def describe(self) -> str:
        return self.activation or "linear"
