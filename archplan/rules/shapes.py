"""Shapes as archplan holds them: one sample's sizes, channels last, no batch axis."""

from __future__ import annotations

import re
from collections.abc import Sequence

Shape = tuple[int, ...]
"""One sample's sizes, e.g. ``(32, 32, 3)``."""

Pair = tuple[int, int]
"""A (height, width) pair: a kernel size, strides, a dilation."""


def parse_shape(text: str) -> Shape:
    """``'32x32x3'``, ``'32×32×3'`` or ``'224,224,3'`` → ``(32, 32, 3)``: the one reading of a
    shape given on the command line, whichever command takes it. ValueError when it is not."""
    parts = re.split(r"\s*[x×,]\s*", text.strip().lower())
    if not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ValueError(f"{text!r} is not a shape: write sizes > 0 separated by x or commas")
    return tuple(int(part) for part in parts)


def format_shape(shape: Sequence[int | None]) -> str:
    """``(32, 32, 3)`` → ``'(32, 32, 3)'``, and ``(10,)`` → ``'(10,)'``, as Keras prints shapes."""
    return str(tuple(shape))


SPATIAL_NAMES: dict[int, tuple[str, ...]] = {
    1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width"),
}  # fmt: skip
"""The spatial axes' names by their number, as Keras' docstrings name them."""


def spatial_layout(spatial_rank: int, channels_first: bool = False) -> str:
    """``'(height, width, channels)'``: what a layer with ``spatial_rank`` axes takes."""
    names = list(SPATIAL_NAMES[spatial_rank])
    return "(" + ", ".join(["channels", *names] if channels_first else [*names, "channels"]) + ")"


def split_channels(shape: Shape, channels_first: bool = False) -> tuple[Shape, int]:
    """The spatial sizes and the channel count of ``shape``, channels last (or first)."""
    if channels_first:
        return shape[1:], shape[0]
    return shape[:-1], shape[-1]


def join_channels(spatial: Shape, channels: int, channels_first: bool = False) -> Shape:
    """The shape of ``spatial`` sizes with ``channels``, channels last (or first)."""
    return (channels, *spatial) if channels_first else (*spatial, channels)
