"""A run's per-epoch history and what it tells: the best validation epoch and the final gap.

Plain data and arithmetic, no Keras: the plots, the tables and ``metrics.json`` all read these.
Epochs count from 1, as people (and Keras' progress bar) count them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

METRIC_COLUMNS = ("accuracy", "val_accuracy", "loss", "val_loss")
"""The Keras logs kept per epoch (a missing one, e.g. without validation, is None)."""


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch: Keras' metrics for it and how long it took (validation included)."""

    epoch: int
    accuracy: float | None
    val_accuracy: float | None
    loss: float | None
    val_loss: float | None
    seconds: float


HISTORY_COLUMNS = tuple(field.name for field in fields(EpochRecord))


def epoch_record(epoch: int, logs: Mapping[str, Any], seconds: float) -> EpochRecord:
    """Turn Keras' ``on_epoch_end`` logs (0-based epoch) into a record."""
    values = {name: finite(logs.get(name)) for name in METRIC_COLUMNS}
    return EpochRecord(epoch=epoch + 1, seconds=round(seconds, 3), **values)


def finite(value: Any) -> float | None:
    """A log value as a float; None if absent or not finite (a diverged loss), as JSON allows."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class HistoryStats:
    """The story of a run in a few numbers; None where the run had no validation data."""

    epochs: int
    best_val_epoch: int | None
    best_val_accuracy: float | None
    final_accuracy: float | None
    final_val_accuracy: float | None
    train_seconds: float

    @property
    def final_gap(self) -> float | None:
        """Train minus validation accuracy at the last epoch: how far it overfits."""
        if self.final_accuracy is None or self.final_val_accuracy is None:
            return None
        return self.final_accuracy - self.final_val_accuracy


def history_stats(history: Sequence[EpochRecord]) -> HistoryStats:
    best = best_val_epoch(history)
    last = history[-1] if history else None
    return HistoryStats(
        epochs=len(history),
        best_val_epoch=best.epoch if best else None,
        best_val_accuracy=best.val_accuracy if best else None,
        final_accuracy=last.accuracy if last else None,
        final_val_accuracy=last.val_accuracy if last else None,
        train_seconds=round(sum(record.seconds for record in history), 3),
    )


def best_val_epoch(history: Sequence[EpochRecord]) -> EpochRecord | None:
    """The epoch of peak validation accuracy (the first, on ties): where overfitting sets in."""
    scored = [record for record in history if record.val_accuracy is not None]
    return max(scored, key=lambda record: record.val_accuracy or 0.0) if scored else None


def history_json(history: Sequence[EpochRecord]) -> str:
    return json.dumps({"epochs": [asdict(record) for record in history]}, indent=2) + "\n"


def history_csv(history: Sequence[EpochRecord]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in history:
        writer.writerow({k: "" if v is None else v for k, v in asdict(record).items()})
    return out.getvalue()


def parse_history_json(text: str) -> list[EpochRecord]:
    """Read ``history.json`` back; a ValueError (or KeyError/TypeError) if it is not one."""
    rows = json.loads(text)["epochs"]
    return [EpochRecord(**{name: row[name] for name in HISTORY_COLUMNS}) for row in rows]
