"""Constraints on a candidate network, checked on the engine's own numbers.

Each limit reads a figure that ``archplan trace`` prints for the same spec: total parameters,
MACs, the training memory estimate (at the plan's batch size and dtype), the receptive field of
the last layer that still has a spatial layout (as a fraction of the input, on every axis), the
spatial size the head receives, and the depth (layers with weights, as ``archplan compare``
counts it). A candidate that breaks a limit gets a :class:`Violation` saying by how much, so the
nearest one can be named when nothing fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archplan.engine.measure import Measures
from archplan.engine.memory import estimate_memory

FLAGS = {
    "max_params": "--max-params",
    "max_macs": "--max-macs",
    "max_memory": "--max-memory",
    "min_rf": "--min-rf",
    "final_size": "--final-size",
    "max_depth": "--max-depth",
}
"""Each limit's command-line flag, in the order they are checked and reported."""


@dataclass(frozen=True)
class Figures:
    """What a candidate is judged and ranked on, from the engine's numbers."""

    params: int
    macs: int | None
    """None only if a layer type has no cost rule."""
    training_bytes: int
    receptive_field: tuple[float, ...]
    """The last spatial layer's field per input axis, in pixels; empty if there is none."""
    rf_fraction: float | None
    """The smallest of the field's sizes as fractions of the input's: 1.0 sees it all."""
    final_size: tuple[int, ...]
    """The spatial sizes (height, width) the head receives; empty if no layer keeps them."""
    depth: int


def figures(measures: Measures, *, bytes_per_value: int, batch_size: int) -> Figures:
    """The figures of a measured network, its training memory at ``batch_size`` values of
    ``bytes_per_value`` bytes (the optimizer as the network's training block says)."""
    memory = estimate_memory(measures, bytes_per_value=bytes_per_value, batch_size=batch_size)
    field = measures.last_spatial_field
    size = field.size if field is not None else ()
    fraction = (
        min(axis / length for axis, length in zip(size, measures.input_shape, strict=False))
        if size
        else None
    )
    spatial = measures.last_spatial_shape
    return Figures(
        params=measures.total_params,
        macs=measures.total_macs,
        training_bytes=memory.training_bytes,
        receptive_field=tuple(size),
        rf_fraction=fraction,
        final_size=tuple(spatial[:-1]) if spatial is not None else (),
        depth=measures.depth,
    )


@dataclass(frozen=True)
class Violation:
    """A limit a candidate breaks: its figure, and the bound it would have to move to."""

    key: str
    """One of :data:`FLAGS`' keys."""
    value: float | None
    """The candidate's figure (None: unknown); for ``final_size``, the size out of range."""
    limit: float
    """The bound it breaks; for ``final_size``, the end of the range it misses."""

    @property
    def flag(self) -> str:
        return FLAGS[self.key]

    @property
    def excess(self) -> float:
        """How far past the bound, as a log ratio (0 at the bound): comparable across limits."""
        if self.value is None or self.value <= 0:
            return math.inf
        return abs(math.log(self.value / self.limit))


@dataclass(frozen=True)
class Limits:
    """The constraints of a plan; None: no limit."""

    max_params: int | None = None
    max_macs: int | None = None
    max_memory: int | None = None
    """Bytes of training memory (the estimate ``archplan trace`` prints)."""
    min_rf: float | None = None
    final_size: tuple[int, int | None] | None = None
    """(smallest, largest or None) spatial size before the head, on every axis."""
    max_depth: int | None = None

    def given(self) -> list[str]:
        """The keys of the limits that are set, in :data:`FLAGS` order."""
        return [key for key in FLAGS if getattr(self, key) is not None]

    def check(self, figures: Figures) -> tuple[Violation, ...]:
        """Every limit ``figures`` break (none: the candidate fits)."""
        found = [
            _above("max_params", figures.params, self.max_params),
            _above("max_macs", figures.macs, self.max_macs),
            _above("max_memory", figures.training_bytes, self.max_memory),
            _below("min_rf", figures.rf_fraction, self.min_rf),
            self._final_size(figures.final_size),
            _above("max_depth", figures.depth, self.max_depth),
        ]
        return tuple(violation for violation in found if violation is not None)

    def _final_size(self, sizes: tuple[int, ...]) -> Violation | None:
        if self.final_size is None:
            return None
        low, high = self.final_size
        if not sizes:
            return Violation("final_size", None, low)
        if min(sizes) < low:
            return Violation("final_size", min(sizes), low)
        if high is not None and max(sizes) > high:
            return Violation("final_size", max(sizes), high)
        return None


def _above(key: str, value: float | None, limit: float | None) -> Violation | None:
    if limit is None or (value is not None and value <= limit):
        return None
    return Violation(key, value, limit)


def _below(key: str, value: float | None, limit: float | None) -> Violation | None:
    if limit is None or (value is not None and value >= limit):
        return None
    return Violation(key, value, limit)
