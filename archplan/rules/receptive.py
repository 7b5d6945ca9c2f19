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

Upsampling (UpSampling2D, Conv2DTranspose) is a :class:`Spread`: each input unit spreads over
``factor`` output units, so ``jump`` is divided by the factor and may become a fraction of a pixel,
the field grows by ``(taps − 1)·jump`` for the ``taps`` input units one output unit reads at most,
and ``start`` moves to the best straight-line fit of the units' centres. After upsampling, units are
no longer evenly placed over the input pixels: the numbers describe a typical unit (the field of a
later window may be up to one input unit larger or smaller for some units).

On a graph, a merge (Add, Concatenate, ...) sees the fields of all its inputs; archplan follows the
path with the largest field, per axis, with that path's ``jump`` and ``start``
(:func:`merge_fields`); one input that sees the whole input makes the merge see it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

POINTWISE: Literal["pointwise"] = "pointwise"
GLOBAL: Literal["global"] = "global"


class Window(NamedTuple):
    """A sliding window along one axis: size, step, dilation, and the padding before the input."""

    kernel: int
    stride: int = 1
    dilation: int = 1
    pad_before: int = 0

    @property
    def span(self) -> int:
        """Input positions the (dilated) window covers: ``d·(k − 1) + 1``."""
        return self.dilation * (self.kernel - 1) + 1


class Spread(NamedTuple):
    """Upsampling along one axis: each input unit spreads over ``factor`` output units.

    ``taps`` is the most input units one output unit reads (nearest neighbour: 1, bilinear: 2);
    ``offset`` is where the centre of output unit 0 sits, in input units from input unit 0, on
    the straight line through all the output units' centres.
    """

    factor: int
    taps: int = 1
    offset: float = 0.0


Reach = tuple[Window | Spread, ...] | Literal["pointwise", "global"]
"""How far one output value reaches into the layer's input."""


def tidy(value: float) -> float:
    """A whole number as an ``int`` (so JSON and tables print ``4``, not ``4.0``)."""
    rounded = round(value)
    return int(rounded) if abs(value - rounded) < 1e-9 else value


def window(size: int, out: int, kernel: int, stride: int, dilation: int, padding: str) -> Window:
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


class Field(NamedTuple):
    """What one unit of a layer's output sees of the network's input, per spatial input axis.

    ``jump`` and ``start`` are None once the spatial layout is gone (``whole`` is then true).
    """

    size: tuple[float, ...]
    """Whole input pixels on every axis, except after upsampling (see :class:`Spread`)."""
    jump: tuple[float, ...] | None
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
    axes = [
        _advance_axis(size, jump, start, step)
        for size, jump, start, step in zip(field.size, field.jump, field.start, reach, strict=True)
    ]
    return Field(
        size=tuple(axis[0] for axis in axes),
        jump=tuple(axis[1] for axis in axes),
        start=tuple(axis[2] for axis in axes),
    )


def _advance_axis(
    size: float, jump: float, start: float, step: Window | Spread
) -> tuple[float, float, float]:
    """(size, jump, start) along one axis after one window or spread."""
    if isinstance(step, Spread):
        return (
            tidy(size + (step.taps - 1) * jump),
            tidy(jump / step.factor),
            float(tidy(start + step.offset * jump)),
        )
    return (
        tidy(size + (step.span - 1) * jump),
        tidy(jump * step.stride),
        float(tidy(start + ((step.span - 1) / 2 - step.pad_before) * jump)),
    )


def merge_fields(fields: Sequence[Field | None]) -> Field | None:
    """The field of a merge: per axis, the largest of its inputs' fields, with its jump and start.

    Unknown if any input's field is unknown; the whole input if any input sees all of it.
    """
    known = [field for field in fields if field is not None]
    if len(known) != len(fields) or not known:
        return None
    whole = [field for field in known if field.whole]
    if whole:
        return whole[0]
    axes = []
    for axis in range(len(known[0].size)):
        widest = max(known, key=lambda field: field.size[axis])
        jump, start = widest.jump or (), widest.start or ()  # never empty: none is whole
        axes.append((widest.size[axis], jump[axis], start[axis]))
    return Field(
        size=tuple(axis[0] for axis in axes),
        jump=tuple(axis[1] for axis in axes),
        start=tuple(axis[2] for axis in axes),
    )
