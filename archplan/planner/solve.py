"""``archplan solve``: the calculator's inverse for one layer.

Given an input length and the output length wanted, list every (kernel, stride, padding,
dilation) within small bounds that gives it under Keras' rules, each with the arithmetic, as the
online convolution calculators do in reverse. The rules are the engine's own
(:mod:`archplan.rules.arith`), and the combinations Keras refuses (strides > 1 with
dilation_rate > 1 on a convolution) are left out.
"""

from __future__ import annotations

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


def solve(size: int, target: int, kind: LayerKind, bounds: Bounds) -> list[Solution]:
    """Every combination within ``bounds`` that turns ``size`` into ``target``, simplest first
    (stride, then kernel, then dilation, then 'valid' before 'same')."""
    found = []
    for stride in bounds.strides():
        for kernel in bounds.kernels():
            for dilation in bounds.dilations(kind):
                if stride > 1 and dilation > 1:
                    continue  # Keras refuses it on Conv2D and Conv2DTranspose
                for padding in bounds.paddings():
                    length = _length(kind, size, kernel, stride, dilation, padding)
                    if length.value == target:
                        found.append(Solution(kind, kernel, stride, padding, dilation, length))
    return found


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
