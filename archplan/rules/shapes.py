"""Shapes as archplan holds them: one sample's sizes, channels last, no batch axis."""

from __future__ import annotations

from collections.abc import Sequence

Shape = tuple[int, ...]
"""One sample's sizes, e.g. ``(32, 32, 3)``."""

Pair = tuple[int, int]
"""A (height, width) pair: a kernel size, strides, a dilation."""


def format_shape(shape: Sequence[int | None]) -> str:
    """``(32, 32, 3)`` → ``'(32, 32, 3)'``, and ``(10,)`` → ``'(10,)'``, as Keras prints shapes."""
    return str(tuple(shape))
