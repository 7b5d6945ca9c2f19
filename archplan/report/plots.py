"""A run's learning curves as one PNG: accuracy and loss per epoch, training against validation.

Like the tutorial's figure, with the epoch of peak validation accuracy marked: past it the network
learns its training images rather than the task (overfitting). Drawn on a bare matplotlib
``Figure`` (the Agg renderer, no pyplot and no GUI), imported only when a plot is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archplan.records.history import EpochRecord, best_val_epoch

TRAIN_COLOR = "tab:blue"
VALIDATION_COLOR = "tab:orange"
BEST_COLOR = "tab:green"
FIGURE_SIZE = (11.0, 4.2)
DPI = 110
MARKERS_UP_TO = 30
"""Epochs up to which each point gets a marker; longer runs read better as plain lines."""

PANELS = (("accuracy", "val_accuracy", "Accuracy"), ("loss", "val_loss", "Loss"))
"""Each panel: the training log, its validation twin, and the panel's title."""


def plot_history(history: Sequence[EpochRecord], path: Path, *, title: str) -> None:
    """Write the two-panel PNG of ``history`` to ``path`` (any name: the format is fixed)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    figure.suptitle(title)
    best = best_val_epoch(history)
    for axes, (train_key, val_key, label) in zip(figure.subplots(1, 2), PANELS, strict=True):
        if best is not None:
            _mark_best(axes, best)
        _draw_panel(axes, history, train_key, val_key, label)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.ticklabel_format(axis="y", useOffset=False)  # 2.3026, not +2.302 and 0.0006
    figure.savefig(path, format="png")


def _draw_panel(
    axes: Any, history: Sequence[EpochRecord], train_key: str, val_key: str, label: str
) -> None:
    lines = ((train_key, "train", TRAIN_COLOR), (val_key, "validation", VALIDATION_COLOR))
    for key, name, color in lines:
        points = _series(history, key)
        if points:
            marker = "." if len(points) < MARKERS_UP_TO else None
            axes.plot(*zip(*points, strict=True), marker=marker, color=color, label=name)
    axes.set_title(label)
    axes.set_xlabel("epoch")
    axes.set_ylabel(label.lower())
    axes.grid(alpha=0.3)
    if history:
        axes.legend(loc="best")


def _mark_best(axes: Any, best: EpochRecord) -> None:
    """A dashed line at the best validation epoch, explained in the legend."""
    label = f"best validation accuracy {best.val_accuracy:.3f} (epoch {best.epoch})"
    axes.axvline(best.epoch, color=BEST_COLOR, linestyle="--", linewidth=1, label=label)


def _series(history: Sequence[EpochRecord], key: str) -> list[tuple[int, float]]:
    """(epoch, value) pairs for one log, skipping epochs without it."""
    points = []
    for record in history:
        value = getattr(record, key)
        if value is not None:
            points.append((record.epoch, float(value)))
    return points
