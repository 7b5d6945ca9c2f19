"""Counting rules for the work a layer does on one sample, apart from its multiply-accumulates.

MACs (multiply-accumulates) count only the products of weights and inputs: convolutions and Dense
layers; FLOPs are reported as 2·MACs (one multiply, one add). Everything else a layer computes is
counted here as *other ops*, one per elementary operation, and never folded into FLOPs:

- a bias: one add per output value; a non-linear activation: one operation per output value,
  whatever the function (``softmax`` costs more in practice: this is a count, not a time);
- pooling: ``P − 1`` comparisons per output value for a maximum, ``P − 1`` adds and one division for
  a mean, for a window of ``P`` values (border windows under ``same`` padding are counted as full);
- batch normalisation at inference: a multiply and an add per value (the moving statistics folded
  into them);
- element-wise merges: one operation per output value for each input joined (Add of 3 inputs: 2),
  Average one more (the division); Concatenate only moves values (0);
- interpolating upsampling (bilinear, bicubic, ...): a weighted sum of the ``T`` input values each
  output value blends, ``T`` multiplies and ``T − 1`` adds; nearest-neighbour copies (0).
"""

from __future__ import annotations

from typing import Literal

Reduction = Literal["max", "mean"]


def pointwise_ops(values: int, *, bias: bool = False, activation: str | None = None) -> int:
    """Element-wise work on ``values`` outputs: a bias add each, an activation if non-linear."""
    nonlinear = activation is not None and activation != "linear"
    return values * (int(bias) + int(nonlinear))


def reduction_ops(outputs: int, window: int, reduction: Reduction) -> int:
    """Work to reduce a window of ``window`` values to each of ``outputs`` values."""
    per_output = window - 1 if reduction == "max" else window
    return outputs * per_output


NORMALIZATION_OPS_PER_VALUE = 2
"""Batch normalisation at inference is ``x·a + b`` per value, with the statistics folded in."""


def interpolation_ops(values: int, taps: int) -> int:
    """Work to blend ``taps`` input values into each of ``values`` outputs; copying is free."""
    return 0 if taps == 1 else values * (2 * taps - 1)
