"""Receptive field arithmetic: what region of the input one unit of each layer sees.

Per spatial axis of the network's input, three numbers follow every layer (the standard
recurrence, with a dilated kernel spanning ``k_eff = d·(k − 1) + 1`` input positions):

- ``jump``: the distance, in input pixels, between two neighbouring units (the product of strides);
- ``size``: the receptive field, ``size_out = size_in + (k_eff − 1)·jump_in``;
- ``start``: the centre of the first unit's field,
  ``start_out = start_in + ((k_eff − 1)/2 − pad_before)·jump_in``.

``start`` is an input pixel index: 0.0 is the centre of the first pixel, and a half means the field
is centred between two pixels. The field may stick out of the input (``same`` padding), so ``size``
may exceed the input's size and ``start`` may be negative: part of the field then sees padding.

A layer describes its effect with a :data:`Reach`: a :class:`Window` per spatial axis; ``POINTWISE``
(each output value depends on one position: activations, Dense per position, normalisation); or
``GLOBAL`` (each output value depends on every position: Flatten, global pooling). After ``GLOBAL``
the spatial layout is gone, every unit sees the whole input, and ``jump``/``start`` no longer apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

POINTWISE: Literal["pointwise"] = "pointwise"
GLOBAL: Literal["global"] = "global"


@dataclass(frozen=True)
class Window:
    """A sliding window along one axis: size, step, dilation, and the padding before the input."""

    kernel: int
    stride: int = 1
    dilation: int = 1
    pad_before: int = 0

    @property
    def span(self) -> int:
        """Input positions the (dilated) window covers: ``d·(k − 1) + 1``."""
        return self.dilation * (self.kernel - 1) + 1


Reach = tuple[Window, ...] | Literal["pointwise", "global"]
"""How far one output value reaches into the layer's input."""


def window(
    size: int, out: int, kernel: int, stride: int, dilation: int, padding: str
) -> Window:
    """The window of a convolution or pooling along one axis of ``size`` giving ``out`` positions.

    ``same`` pads ``max((out − 1)·s + k_eff − size, 0)`` in all, the smaller half before the input
    (TensorFlow's convention, which Keras follows: an odd extra row goes at the end).
    """
    span = dilation * (kernel - 1) + 1
    pad_before = max((out - 1) * stride + span - size, 0) // 2 if padding == "same" else 0
    return Window(kernel=kernel, stride=stride, dilation=dilation, pad_before=pad_before)


def windows(
    sizes: tuple[int, ...],
    outs: tuple[int, ...],
    kernels: tuple[int, ...],
    strides: tuple[int, ...],
    dilations: tuple[int, ...],
    padding: str,
) -> tuple[Window, ...]:
    """:func:`window` along each axis."""
    return tuple(
        window(*axis, padding)
        for axis in zip(sizes, outs, kernels, strides, dilations, strict=True)
    )


@dataclass(frozen=True)
class Field:
    """What one unit of a layer's output sees of the network's input, per spatial input axis.

    ``jump`` and ``start`` are None once the spatial layout is gone (``whole`` is then true).
    """

    size: tuple[int, ...]
    jump: tuple[int, ...] | None
    start: tuple[float, ...] | None

    @property
    def whole(self) -> bool:
        """True when every unit sees the whole input (after Flatten or global pooling)."""
        return self.jump is None


def input_field(input_shape: tuple[int, ...]) -> Field:
    """The input itself: each pixel sees one pixel. Spatial axes are all but the last (channels)."""
    axes = len(input_shape) - 1
    return Field(size=(1,) * axes, jump=(1,) * axes, start=(0.0,) * axes)


def whole_input(input_shape: tuple[int, ...]) -> Field:
    """The field of a unit that sees every position: the input's spatial size."""
    return Field(size=tuple(input_shape[:-1]), jump=None, start=None)


def advance(field: Field, reach: Reach, input_shape: tuple[int, ...]) -> Field:
    """The field after a layer of the given reach; ``input_shape`` is the network's input."""
    if field.jump is None or field.start is None or reach == POINTWISE:
        return field
    if reach == GLOBAL:
        return whole_input(input_shape)
    if len(reach) != len(field.size):
        raise ValueError(
            f"a window on {len(reach)} axes cannot follow a field on {len(field.size)} axes"
        )
    return Field(
        size=tuple(
            size + (w.span - 1) * jump
            for size, jump, w in zip(field.size, field.jump, reach, strict=True)
        ),
        jump=tuple(jump * w.stride for jump, w in zip(field.jump, reach, strict=True)),
        start=tuple(
            start + ((w.span - 1) / 2 - w.pad_before) * jump
            for start, jump, w in zip(field.start, field.jump, reach, strict=True)
        ),
    )
