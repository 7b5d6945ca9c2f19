"""What to say when a merge's inputs disagree: the shapes, where they come from, and a fix.

The layer that made a shape wrong is often not the merge's direct input (a BatchNormalization or
an Activation sits in between), so the hints walk back along one-input layers to the layer that
last changed the disagreeing size, and suggest a change to that layer:

- height or width, from a 'valid' window that 'same' would have kept at the other branch's size:
  ``use padding='same' on 'b'``;
- height or width, one branch downsampled an integer factor more: the shortcut needs the same
  stride (a 1×1 Conv2D with ``strides``, the projection shortcut of ResNets);
- channels: match ``filters``, or project the other branch with a 1×1 Conv2D;
- Concatenate's other axes, and ranks, get the same, for the axis that differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from archplan.layers.base import MergeMismatchError, SlidingWindowLayer
from archplan.rules.shapes import SPATIAL_NAMES, Shape, format_shape
from archplan.schema.network import Node


class Step(NamedTuple):
    """A traced layer, as the hints need it: its node, its (first) input and its output shape."""

    node: Node
    input_shape: Shape
    output_shape: Shape


def mismatch_message(
    where: str,
    mismatch: MergeMismatchError,
    names: tuple[str, ...],
    shapes: tuple[Shape, ...],
    steps: Mapping[str, Step],
) -> str:
    """``layers[7] ('sum', Add) gets (32, 32, 16) from 'stem' and (30, 30, 16) from 'b': ...``."""
    first, second = mismatch.first, mismatch.second
    gets = (
        f"{where} gets {format_shape(shapes[first])} from {names[first]!r} and "
        f"{format_shape(shapes[second])} from {names[second]!r}"
    )
    if mismatch.axis is None:
        return f"{gets}: {mismatch.rule}; {_rank_hint()}"
    sizes = (shapes[first][mismatch.axis], shapes[second][mismatch.axis])
    label = axis_label(mismatch.axis, shapes[first], shapes[second])
    differs = f"{label} differs ({sizes[0]} vs {sizes[1]})"
    pair = (names[first], names[second])
    return f"{gets}: {differs}; {mismatch.rule}; {_hint(mismatch.axis, pair, sizes, steps)}"


def axis_label(axis: int, *shapes: Shape) -> str:
    """``'height'`` for an image's axis -3 (``'steps'`` for a sequence's -2, ``'depth'`` for a
    volume's -4); else ``'axis 2'`` as Keras counts (batch axis 0)."""
    ranks = {len(shape) for shape in shapes}
    if len(ranks) == 1 and (rank := ranks.pop()) - 1 in SPATIAL_NAMES:
        names = (*SPATIAL_NAMES[rank - 1], "channels")
        return names[rank + axis]
    return f"axis {max(len(shape) for shape in shapes) + axis + 1}"


def _hint(
    axis: int, names: tuple[str, str], sizes: tuple[int, int], steps: Mapping[str, Step]
) -> str:
    if axis == -1:
        return _channel_hint(names, sizes, steps)
    return _spatial_hint(axis, names, sizes, steps)


def _spatial_hint(
    axis: int, names: tuple[str, str], sizes: tuple[int, int], steps: Mapping[str, Step]
) -> str:
    small, big = (0, 1) if sizes[0] < sizes[1] else (1, 0)
    culprit = _origin(names[small], steps, lambda step: _resizes(step, axis))
    if culprit is not None and _same_would_give(culprit, axis) == sizes[big]:
        return f"use padding='same' on {culprit.node.name!r}"
    if sizes[big] % sizes[small] == 0:
        factor = sizes[big] // sizes[small]
        return (
            f"the path through {names[small]!r} is downsampled {factor}× more: give the path from "
            f"{names[big]!r} the same stride (a 1×1 Conv2D with strides={factor}, the projection "
            "shortcut of ResNets), or drop the extra stride"
        )
    return (
        "give both paths the same height and width (padding='same', matching strides, "
        "Cropping2D or ZeroPadding2D)"
    )


def _channel_hint(names: tuple[str, str], sizes: tuple[int, int], steps: Mapping[str, Step]) -> str:
    """Match the width of the layer that set the second input's channels, or project the first."""
    projection = (
        f"a 1×1 Conv2D with {sizes[1]} filters on the path from {names[0]!r} "
        "(a projection shortcut)"
    )
    origin = _origin(names[1], steps, _sets_channels)
    width = origin.node.layer.width_argument if origin is not None else None
    if origin is not None and width is not None:
        return f"use {width}={sizes[0]} on {origin.node.name!r}, or {projection}"
    return f"add {projection}"


def _sets_channels(step: Step) -> bool:
    """True for a layer that chooses its output's channels, or changes them."""
    changed = step.input_shape[-1:] != step.output_shape[-1:]
    return changed or step.node.layer.width_argument is not None


def _rank_hint() -> str:
    return (
        "give both the same rank (join them before Flatten, or flatten or pool both: "
        "Flatten, GlobalAveragePooling2D, Reshape)"
    )


def _origin(name: str, steps: Mapping[str, Step], found: Callable[[Step], bool]) -> Step | None:
    """The nearest layer at or before ``name``, along one-input layers, for which ``found``."""
    while name in steps:
        step = steps[name]
        if found(step):
            return step
        if len(step.node.inputs) != 1:
            return None
        name = step.node.inputs[0]
    return None


def _resizes(step: Step, axis: int) -> bool:
    """True for a layer that changes the size of spatial ``axis`` (-3: an image's height)."""
    if len(step.input_shape) != len(step.output_shape):
        return True  # the layout starts here: nothing before it to blame
    return step.input_shape[axis] != step.output_shape[axis]


def _same_would_give(step: Step, axis: int) -> int | None:
    """The size a 'valid' window layer would give on ``axis`` with padding='same': ⌈D / s⌉."""
    layer = step.node.layer
    if not isinstance(layer, SlidingWindowLayer) or layer.padding != "valid":
        return None
    if layer.channels_first or len(step.input_shape) != layer.spatial_rank + 1:
        return None
    return layer.same_length(step.input_shape[axis], layer.spatial_rank + 1 + axis)
