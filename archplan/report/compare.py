"""``archplan compare``: several traced networks side by side, the best value in each row marked.

Ranked rows and their direction: fewest parameters, fewest MACs, least activation memory per
sample, least training memory, largest receptive field (of the last layer that still has a spatial
layout, compared by area). The final shape and the depth describe a network without being better
or worse, so they are shown but not ranked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from archplan.engine.summary import Memory, Summary, Trace
from archplan.messages import visible
from archplan.report.data import one_or_list
from archplan.report.styles import BEST_STYLE, HEADER_STYLE, TITLE_STYLE
from archplan.report.tables import axes_text
from archplan.rules.shapes import format_shape
from archplan.rules.sizes import readable_size

BEST_MARK = "★"


@dataclass(frozen=True)
class Compared:
    """One network in a comparison: its summary (trace and memory), and where it came from."""

    label: str
    source: str
    summary: Summary

    @property
    def trace(self) -> Trace:
        return self.summary.trace

    @property
    def memory(self) -> Memory:
        return self.summary.memory

    @property
    def receptive_field(self) -> tuple[float, ...]:
        """The last spatial layer's field per axis; empty when the network has none."""
        field = self.trace.last_spatial_field
        return field.size if field is not None else ()


@dataclass(frozen=True)
class Row:
    """A compared quantity: its JSON key, its label, how to read it, how to rank it."""

    key: str
    label: str
    value: Callable[[Compared], Any]
    text: Callable[[Any], str]
    rank: Callable[[Any], float] | None  # lower is better; None: not ranked


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _field_text(size: tuple[float, ...]) -> str:
    return axes_text(size) if size else "–"


def _area(size: tuple[float, ...]) -> float:
    """The field's area (its size on one axis, or the product on several)."""
    return math.prod(size)


ROWS: tuple[Row, ...] = (
    Row("params", "Parameters", lambda c: c.trace.total_params, _count, float),
    Row("macs", "MACs", lambda c: c.trace.total_macs, _count,
        lambda v: float("inf") if v is None else float(v)),
    Row("activation_bytes_per_sample", "Activations per sample",
        lambda c: c.memory.activation_bytes_per_sample, readable_size, float),
    Row("training_bytes", "Training memory (estimate)",
        lambda c: c.memory.training_bytes, readable_size, float),
    Row("output_shape", "Final shape", lambda c: c.trace.output_shape, format_shape, None),
    Row("receptive_field", "Receptive field", lambda c: c.receptive_field, _field_text,
        lambda v: -float(_area(v)) if v else float("inf")),
    Row("depth", "Depth (layers with weights)", lambda c: c.trace.depth, str, None),
)  # fmt: skip


def compared(summaries: Sequence[tuple[str, Summary]]) -> list[Compared]:
    """The networks to compare, labelled by name (by source where two names clash)."""
    names = [summary.trace.name for _, summary in summaries]
    unique = len(set(names)) == len(names)
    return [
        Compared(label=summary.trace.name if unique else source, source=source, summary=summary)
        for source, summary in summaries
    ]


def best(row: Row, networks: Sequence[Compared]) -> set[int]:
    """Indices of the networks with the best value of a ranked row (all of them on a tie)."""
    if row.rank is None:
        return set()
    scores = [row.rank(row.value(network)) for network in networks]
    top = min(scores)
    if top == float("inf"):
        return set()
    return {index for index, score in enumerate(scores) if score == top}


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


def compare_record(networks: Sequence[Compared]) -> dict[str, Any]:
    """The ``--json`` form: one object per network, and which rows each is best in."""
    winners = {row.key: best(row, networks) for row in ROWS}
    records = []
    for index, network in enumerate(networks):
        record: dict[str, Any] = {"name": network.trace.name, "spec": network.source}
        for row in ROWS:
            record[row.key] = _json_value(row.value(network))
        record["receptive_field"] = one_or_list(network.receptive_field)
        record["flops"] = network.trace.total_flops
        record["batch_size"] = network.memory.batch_size
        record["best_in"] = [key for key, indices in winners.items() if index in indices]
        records.append(record)
    return {
        "networks": records,
        "ranked": {row.key: ("max" if row.key == "receptive_field" else "min")
                   for row in ROWS if row.rank is not None},
    }  # fmt: skip


def compare_table(networks: Sequence[Compared]) -> RenderableType:
    """Rows of quantities, a column per network; the best value of each ranked row starred."""
    table = Table(
        title="Comparison", title_style=TITLE_STYLE, box=box.SIMPLE_HEAD, header_style=HEADER_STYLE
    )
    table.add_column("")
    for network in networks:
        table.add_column(Text(visible(network.label)), justify="right")
    for row in ROWS:
        winners = best(row, networks)
        cells = []
        for index, network in enumerate(networks):
            text = row.text(row.value(network))
            cells.append(
                Text(f"{BEST_MARK} {text}", style=BEST_STYLE) if index in winners else Text(text)
            )
        table.add_row(Text(row.label, style=HEADER_STYLE), *cells)
    legend = Text(
        f"{BEST_MARK} best in its row: fewest parameters and MACs, least memory, largest receptive "
        "field (of the last layer before Flatten or global pooling); final shape and depth are "
        "not ranked."
    )
    return Group(table, legend, Text(_batch_note(networks)))


def _batch_note(networks: Sequence[Compared]) -> str:
    """Which batch size the training memory assumes: one for all, or each spec's own."""
    batches = [network.memory.batch_size for network in networks]
    if len(set(batches)) == 1:
        return f"Training memory at batch size {batches[0]}."
    each = ", ".join(f"{n.label} {n.memory.batch_size}" for n in networks)
    return f"Training memory at each spec's batch size ({each}); --batch-size sets one for all."
