"""What the report formats: a trace with every figure shown beside it, computed once, here.

torchinfo's ``ModelStatistics`` sums everything before its formatter runs; archplan's renderers
(tables, JSON, ``compare``) likewise read a :class:`Summary` and compute nothing, so a figure has
one truth whichever way it is shown.
"""

from __future__ import annotations

from typing import NamedTuple

from archplan.engine.memory import Memory, estimate_memory
from archplan.engine.trace import LayerTrace, Trace
from archplan.rules.receptive import Field

__all__ = ["Field", "LayerTrace", "Memory", "Summary", "Trace", "summarize"]


class Summary(NamedTuple):
    """A trace, its costs (on the trace's rows and totals) and its memory at a dtype and batch."""

    trace: Trace
    memory: Memory

    @property
    def bytes_per_value(self) -> int:
        return self.memory.bytes_per_value

    @property
    def total_params_bytes(self) -> int:
        return self.trace.total_params * self.bytes_per_value

    @property
    def trainable_params_bytes(self) -> int:
        return self.trace.trainable_params * self.bytes_per_value

    @property
    def non_trainable_params_bytes(self) -> int:
        return self.trace.non_trainable_params * self.bytes_per_value

    def activation_bytes(self, layer: LayerTrace) -> int:
        """One sample's output of ``layer``, in bytes at this summary's dtype."""
        return layer.activations * self.bytes_per_value


def summarize(trace: Trace, *, bytes_per_value: int = 4, batch_size: int | None = None) -> Summary:
    """``trace`` with its memory at ``bytes_per_value`` per value and ``batch_size`` (the spec's
    training batch size by default, as :func:`estimate_memory` reads it)."""
    memory = estimate_memory(trace, bytes_per_value=bytes_per_value, batch_size=batch_size)
    return Summary(trace, memory)
