"""``archplan solve``: the calculator's inverse for one layer.

Given an input length and the output length wanted, list every (kernel, stride, padding,
dilation) within the bounds that gives it under Keras' rules, each with the arithmetic, as the
online convolution calculators do in reverse; the simplest are listed and all are counted. The
kernels are derived for each stride and dilation, not tried, so any bounds answer at once. The
rules are the engine's own (:mod:`archplan.rules.arith`), and the combinations Keras refuses
(strides > 1 with dilation_rate > 1 on a convolution) are left out.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import Enum

from archplan.rules.arith import Length, conv_length, pool_length, transpose_length

PADDINGS = ("valid", "same")


class LayerKind(str, Enum):
    """The kind of layer to solve for."""

    conv = "conv"
    pool = "pool"
    transpose = "transpose"

    @property
    def keras_class(self) -> str:
        return {"conv": "Conv2D", "pool": "MaxPooling2D", "transpose": "Conv2DTranspose"}[
            self.value
        ]


@dataclass(frozen=True)
class Bounds:
    """The largest kernel (or pool size), stride and dilation tried; given values are fixed."""

    max_kernel: int = 7
    max_stride: int = 4
    max_dilation: int = 3
    kernel: int | None = None
    stride: int | None = None
    padding: str | None = None
    dilation: int | None = None

    def kernels(self) -> range:
        return _values(self.kernel, self.max_kernel)

    def strides(self) -> range:
        return _values(self.stride, self.max_stride)

    def dilations(self, kind: LayerKind) -> range:
        if kind is LayerKind.pool:
            return range(1, 2)  # pooling has no dilation
        return _values(self.dilation, self.max_dilation)

    def paddings(self) -> tuple[str, ...]:
        return (self.padding,) if self.padding is not None else PADDINGS


def _values(fixed: int | None, largest: int) -> range:
    return range(fixed, fixed + 1) if fixed is not None else range(1, largest + 1)


@dataclass(frozen=True)
class Solution:
    """One way to get the output length, and the arithmetic that shows it."""

    kind: LayerKind
    kernel: int
    stride: int
    padding: str
    dilation: int
    length: Length

    def keras_call(self) -> str:
        """``Conv2D(filters, 3, strides=2, padding="same")``: the layer as Keras code."""
        size = "pool_size=" if self.kind is LayerKind.pool else ""
        arguments = ["filters"] if self.kind is not LayerKind.pool else []
        arguments.append(f"{size}{self.kernel}")
        default_stride = self.kernel if self.kind is LayerKind.pool else 1
        if self.stride != default_stride:
            arguments.append(f"strides={self.stride}")
        if self.padding != "valid":
            arguments.append(f'padding="{self.padding}"')
        if self.dilation != 1:
            arguments.append(f"dilation_rate={self.dilation}")
        return f"{self.kind.keras_class}({', '.join(arguments)})"


def _length(
    kind: LayerKind, size: int, kernel: int, stride: int, dilation: int, padding: str
) -> Length:
    if kind is LayerKind.pool:
        return pool_length(size, kernel, stride, padding)
    if kind is LayerKind.transpose:
        return transpose_length(size, kernel, stride, dilation, padding, None)
    return conv_length(size, kernel, stride, dilation, padding)


SHOWN = 100
"""The settings ``archplan solve`` lists, simplest first; it counts the others."""


@dataclass(frozen=True)
class Solved:
    """The simplest solutions (at most the ``limit`` asked for) and how many there are in all."""

    solutions: list[Solution]
    count: int


def solve(size: int, target: int, kind: LayerKind, bounds: Bounds) -> list[Solution]:
    """Every combination within ``bounds`` that turns ``size`` into ``target``, simplest first
    (stride, then kernel, then dilation, then 'valid' before 'same')."""
    return solve_some(size, target, kind, bounds, limit=None).solutions


def solve_some(
    size: int, target: int, kind: LayerKind, bounds: Bounds, *, limit: int | None = SHOWN
) -> Solved:
    """The first ``limit`` of :func:`solve`'s list (None: all) and the length of the whole list.

    The kernels are derived from the arithmetic for each stride, dilation and padding (a range,
    :func:`matching_kernels`), not tried one by one; and strides or dilations beyond
    ``max(D, T)`` all give the same kernels (a stride of at least ``D`` leaves one position, a
    dilation that large fits only a 1-wide kernel), so they are counted together. The work is
    then at most ``max(D, T)²`` ranges, whatever the bounds; each listed setting is computed by
    the engine's own rule.
    """
    found: list[Solution] = []
    count = 0
    kernels = bounds.kernels()
    alike = max(size, target) + 1
    for stride, strides in _classes(bounds.strides(), alike):
        ranges = []
        dilations = bounds.dilations(kind) if stride == 1 else range(1, 2)
        for dilation, same_dilations in _classes(dilations, alike):
            if dilation not in bounds.dilations(kind):
                continue
            for order, padding in enumerate(bounds.paddings()):
                matching = matching_kernels(kind, size, target, stride, dilation, padding, kernels)
                if matching:
                    count += _length_of(matching) * _length_of(same_dilations) * _length_of(strides)
                    ranges.append((matching, same_dilations, order, padding))
        for each in strides if ranges else ():
            if limit is not None and len(found) >= limit:
                break
            wanted = None if limit is None else limit - len(found)
            found += _simplest(kind, size, target, each, ranges, wanted)
    return Solved(found, count)


def _classes(values: range, alike: int) -> list[tuple[int, range]]:
    """``values`` below ``alike`` one by one, then those from ``alike`` on as one class: each
    with the value that stands for it and the values it stands for."""
    one_by_one = [
        (value, range(value, value + 1)) for value in range(values.start, min(values.stop, alike))
    ]
    rest = range(max(values.start, alike), values.stop)
    return one_by_one + ([(rest.start, rest)] if rest else [])


def _length_of(values: range) -> int:
    """``len(values)``, for ranges longer than an index can count (``--max-kernel 10**24``)."""
    return max(0, values.stop - values.start)


def _simplest(
    kind: LayerKind,
    size: int,
    target: int,
    stride: int,
    ranges: list[tuple[range, range, int, str]],
    wanted: int | None,
) -> list[Solution]:
    """One stride's solutions in order (kernel, dilation, 'valid' before 'same'), the first
    ``wanted`` of them."""
    streams = [_settings(*entry) for entry in ranges]
    solutions = []
    for kernel, dilation, _, padding in itertools.islice(heapq.merge(*streams), wanted):
        length = _length(kind, size, kernel, stride, dilation, padding)
        if length.value == target:  # the derivation, checked by the engine's own rule
            solutions.append(Solution(kind, kernel, stride, padding, dilation, length))
    return solutions


def _settings(
    kernels: range, dilations: range, order: int, padding: str
) -> Iterator[tuple[int, int, int, str]]:
    """The settings of one range in order: kernel, then dilation."""
    return ((kernel, dilation, order, padding) for kernel in kernels for dilation in dilations)


def matching_kernels(
    kind: LayerKind,
    size: int,
    target: int,
    stride: int,
    dilation: int,
    padding: str,
    kernels: range,
) -> range:
    """The kernels of ``kernels`` that give ``target`` at this stride, dilation and padding.

    With ``'same'`` the length does not depend on the kernel: all or none. With ``'valid'`` a
    window of span ``d·(k − 1) + 1`` gives ``⌊(D − span) / s⌋ + 1`` positions (convolution,
    pooling: ``d = 1``), so the span lies in ``(D − T·s, D − (T − 1)·s]``; a transposed one gives
    ``(D − 1)·s + max(span, s)``: ``D·s`` for every span up to ``s``, else one span.
    """
    if not kernels:
        return kernels
    if padding == "same":
        value = _length(kind, size, kernels.start, stride, dilation, padding).value
        return kernels if value == target else range(0)
    if kind is LayerKind.transpose:
        if target == size * stride:
            return _within(kernels, 1, (stride - 1) // dilation + 1)
        span = target - (size - 1) * stride
        if span <= stride or (span - 1) % dilation:
            return range(0)
        kernel = (span - 1) // dilation + 1
        return _within(kernels, kernel, kernel)
    low_span = size - target * stride + 1
    high_span = size - (target - 1) * stride
    low = max(-(-(low_span - 1) // dilation), 0) + 1
    high = (high_span - 1) // dilation + 1
    return _within(kernels, low, high)


def _within(kernels: range, low: int, high: int) -> range:
    """The kernels of ``kernels`` from ``low`` to ``high``, both included."""
    return range(max(kernels.start, low), min(kernels.stop, high + 1))


SEARCHED_LIMIT = 512
"""The largest kernel or stride tried when looking for bounds that work, so a hint stays quick."""


def no_solution_hint(size: int, target: int, kind: LayerKind, bounds: Bounds) -> str:
    """Why nothing within the bounds works, when there is a reason beyond the bounds."""
    if target > size and kind is not LayerKind.transpose:
        return "a convolution or pooling never enlarges its input; try --layer transpose"
    if target < size and kind is LayerKind.transpose:
        return "a transposed convolution never shrinks its input; try --layer conv or pool"
    if (bounds.stride or 1) > 1 and (bounds.dilation or 1) > 1:
        return "Keras forbids a stride and a dilation both above 1 in one layer"
    return ""


def bounds_that_work(size: int, target: int, kind: LayerKind, bounds: Bounds) -> Bounds | None:
    """The closest bounds with an answer: one fixed value dropped, then all of them, then larger
    kernels and strides (only as large as an answer needs); None when one layer cannot do it."""
    fixed = [name for name in ("kernel", "stride", "padding", "dilation")
             if getattr(bounds, name) is not None]  # fmt: skip
    tries = [_dropped(bounds, name) for name in fixed]
    if len(fixed) > 1:
        tries.append(replace(bounds, kernel=None, stride=None, padding=None, dilation=None))
    for tried in tries:
        if solve(size, target, kind, tried):
            return tried
    free = replace(bounds, kernel=None, stride=None, padding=None, dilation=None)
    limit = min(max(size, target), SEARCHED_LIMIT)
    wide = replace(free, max_kernel=max(limit, free.max_kernel),
                   max_stride=max(limit, free.max_stride))  # fmt: skip
    found = solve(size, target, kind, wide)
    if not found:
        return None

    def beyond(solution: Solution) -> tuple[int, int, int]:
        """How far past the bounds an answer lies: the nearest one is advised."""
        past = max(solution.kernel - free.max_kernel, 0) + max(solution.stride - free.max_stride, 0)
        return (past, solution.kernel, solution.stride)

    simplest = min(found, key=beyond)
    return replace(free, max_kernel=max(simplest.kernel, free.max_kernel),
                   max_stride=max(simplest.stride, free.max_stride))  # fmt: skip


def _dropped(bounds: Bounds, name: str) -> Bounds:
    """``bounds`` with the value given for ``name`` (kernel, stride, padding, dilation) free."""
    if name == "kernel":
        return replace(bounds, kernel=None)
    if name == "stride":
        return replace(bounds, stride=None)
    if name == "padding":
        return replace(bounds, padding=None)
    return replace(bounds, dilation=None)
