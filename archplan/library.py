"""archplan for a notebook or a script: ``archplan.trace(...)`` and ``archplan.plan(...)``.

Each returns a result that *is* its table: ``print(result)``, or the last line of a notebook
cell, shows what ``archplan trace`` (or ``archplan plan``) prints, as torchinfo's ``summary()``
object does, and its attributes hold every figure as plain data. The command line and these
functions share one engine and one renderer.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archplan.engine.summary import Summary, summarize
from archplan.engine.trace import Trace, trace_network
from archplan.rules.sizes import DTYPE_BYTES
from archplan.schema import Network, load_spec, parse_spec

if TYPE_CHECKING:
    from rich.console import RenderableType

    from archplan.planner.search import Candidate, SearchResult

TEXT_WIDTH = 120
"""Columns of ``str(result)``: a notebook cell is wider than a terminal's 80."""

NetworkLike = str | os.PathLike[str] | Mapping[str, Any] | Network
"""A spec file's path, its JSON as a dict, or a network already loaded."""


def _plain(renderable: RenderableType, width: int = TEXT_WIDTH) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(renderable)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def as_network(network: NetworkLike) -> Network:
    """A network from a path, a dict (a spec file's JSON) or a network itself."""
    if isinstance(network, Network):
        return network
    if isinstance(network, Mapping):
        return parse_spec(network)
    return load_spec(Path(network))


class Traced:
    """A traced network: the table when shown, the numbers as attributes.

    ``trace`` holds every layer (``traced.layers[0].output_shape``), ``memory`` the estimate at
    the dtype and batch asked for; :meth:`with_layer` traces a variant with one layer changed.
    """

    def __init__(self, network: Network, summary: Summary) -> None:
        self.network = network
        self.summary = summary

    @property
    def trace(self) -> Trace:
        return self.summary.trace

    @property
    def layers(self) -> Sequence[Any]:
        return self.summary.trace.layers

    @property
    def total_params(self) -> int:
        return self.summary.trace.total_params

    @property
    def total_macs(self) -> int | None:
        return self.summary.trace.total_macs

    @property
    def memory(self) -> Any:
        return self.summary.memory

    def with_layer(self, which: int | str, **changes: Any) -> Traced:
        """The same network with one layer changed (by index or name), traced again at the same
        dtype and batch: ``traced.with_layer(0, padding="same")``; ``None`` drops an argument."""
        from archplan.schema.edit import replace_layer

        network = replace_layer(self.network, which, changes, source=self.trace.name)
        memory = self.summary.memory
        return _traced(network, memory.bytes_per_value, memory.batch_size)

    def to_dict(self) -> dict[str, Any]:
        """What ``archplan trace --json`` prints."""
        from archplan.report.data import trace_record

        return trace_record(self.summary)

    def __rich__(self) -> RenderableType:
        from archplan.report.tables import trace_table

        return trace_table(self.summary)

    def __str__(self) -> str:
        return _plain(self.__rich__())

    def __repr__(self) -> str:
        return self.__str__()


def _traced(network: Network, bytes_per_value: int, batch_size: int | None) -> Traced:
    summary = summarize(
        trace_network(network), bytes_per_value=bytes_per_value, batch_size=batch_size
    )
    return Traced(network, summary)


def trace(network: NetworkLike, *, dtype: str = "float32", batch_size: int | None = None) -> Traced:
    """Trace a network, as ``archplan trace`` does: a spec file's path, its JSON as a dict, or a
    loaded :class:`~archplan.schema.Network`. Memory is estimated at ``dtype`` and ``batch_size``
    (default: the spec's training batch, else 32). Bad input raises :class:`SpecError`."""
    if dtype not in DTYPE_BYTES:
        raise ValueError(f"dtype {dtype!r}: expected one of {', '.join(DTYPE_BYTES)}")
    return _traced(as_network(network), DTYPE_BYTES[dtype], batch_size)


class Planned:
    """A plan's chosen networks, best first: the table when shown, the candidates as data."""

    def __init__(self, result: SearchResult) -> None:
        self.result = result

    @property
    def chosen(self) -> tuple[Candidate, ...]:
        """The chosen candidates, best first: each with ``network``, ``figures`` and ``slug``."""
        return self.result.chosen

    def networks(self) -> list[Network]:
        """The chosen networks, ready for :func:`trace` or a spec file."""
        return [candidate.network for candidate in self.chosen]

    def __rich__(self) -> RenderableType:
        from archplan.report.plan import plan_table

        return plan_table(self.result)

    def __str__(self) -> str:
        return _plain(self.__rich__())

    def __repr__(self) -> str:
        return self.__str__()


def plan(
    plan_file: str | os.PathLike[str] | None = None,
    *,
    input_shape: Sequence[int] | str | None = None,
    classes: int | None = None,
    max_params: int | str | None = None,
    max_macs: int | str | None = None,
    max_memory: int | str | None = None,
    min_rf: float | None = None,
    family: Sequence[str] | str | None = None,
    top: int | None = None,
    seed: int | None = None,
    batch_size: int | None = None,
) -> Planned:
    """Design networks to a budget, as ``archplan plan`` does (without writing files): the same
    limits, given as numbers (``1_000_000``) or as the flags write them (``"1M"``, ``"64MB"``).
    Raises :class:`ArchplanError` when nothing fits, with the nearest network and what to change."""
    from archplan.errors import ArchplanError
    from archplan.planner.planfile import Overrides, PlanFile, load_plan, resolve
    from archplan.planner.quantities import parse_bytes, parse_count, parse_input_shape
    from archplan.planner.refusal import nothing_fits
    from archplan.planner.search import search

    shape = parse_input_shape(input_shape) if isinstance(input_shape, str) else input_shape
    families = (family,) if isinstance(family, str) else family
    overrides = Overrides(
        input_shape=tuple(shape) if shape is not None else None,
        classes=classes,
        families=tuple(families) if families is not None else None,
        max_params=parse_count(max_params) if isinstance(max_params, str) else max_params,
        max_macs=parse_count(max_macs) if isinstance(max_macs, str) else max_macs,
        max_memory=parse_bytes(max_memory) if isinstance(max_memory, str) else max_memory,
        min_rf=min_rf,
        top=top,
        seed=seed,
        batch_size=batch_size,
    )
    data = load_plan(Path(plan_file)) if plan_file is not None else PlanFile()
    result = search(resolve(data, overrides, source=str(plan_file or "plan()")))
    if not result.ranked:
        raise ArchplanError(nothing_fits(result))
    return Planned(result)
