"""``pareto.png``: every network that fits, parameters against MACs, the front and the chosen.

Drawn on a bare matplotlib ``Figure`` (the Agg renderer, no pyplot, no GUI), imported only when
the plot is drawn, so ``archplan plan`` without ``--out-dir`` never loads matplotlib or numpy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archplan.planner.search import SearchResult

FAMILY_COLORS = {"plain": "tab:blue", "resnet": "tab:orange", "mobile": "tab:green"}
FRONT_COLOR = "black"
LIMIT_COLOR = "tab:red"
FIGURE_SIZE = (8.0, 5.6)
DPI = 110


def draw_pareto(result: SearchResult, path: Path) -> None:
    """Write the scatter plot to ``path`` (PNG whatever the name)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    axes = figure.subplots()
    _scatter(axes, result)
    _front(axes, result)
    _chosen(axes, result)
    _limits(axes, result)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("parameters")
    axes.set_ylabel("MACs per image")
    shape = "×".join(str(size) for size in result.settings.problem.input_shape)
    axes.set_title(
        f"{len(result.ranked):,} networks that fit, of {result.examined:,} examined (input {shape})"
    )
    axes.grid(alpha=0.3, which="both")
    axes.legend(loc="best", fontsize="small")
    figure.savefig(path, format="png")


def _scatter(axes: Any, result: SearchResult) -> None:
    for name in result.settings.family_names:
        points = [
            (c.figures.params, c.figures.macs or 0) for c in result.ranked if c.family == name
        ]
        if points:
            xs, ys = zip(*points, strict=True)
            color = FAMILY_COLORS.get(name, "tab:gray")
            axes.scatter(xs, ys, s=8, alpha=0.35, color=color, label=name, linewidths=0)


def _front(axes: Any, result: SearchResult) -> None:
    front = sorted(
        (c.figures.params, c.figures.macs or 0)
        for c, on in zip(result.ranked, result.on_front, strict=True)
        if on
    )
    if front:
        xs, ys = zip(*front, strict=True)
        axes.plot(xs, ys, color=FRONT_COLOR, linewidth=1, marker=".", label="Pareto front",
                  drawstyle="steps-post")  # fmt: skip


def _chosen(axes: Any, result: SearchResult) -> None:
    for rank, candidate in enumerate(result.chosen, start=1):
        x, y = candidate.figures.params, candidate.figures.macs or 0
        label = "chosen" if rank == 1 else None
        axes.scatter([x], [y], s=60, facecolors="none", edgecolors=LIMIT_COLOR, label=label)
        axes.annotate(str(rank), (x, y), textcoords="offset points", xytext=(5, 5),
                      fontsize="small", color=LIMIT_COLOR)  # fmt: skip


def _limits(axes: Any, result: SearchResult) -> None:
    limits = result.settings.limits
    if limits.max_params is not None:
        axes.axvline(limits.max_params, color=LIMIT_COLOR, linestyle="--", linewidth=0.8,
                     label="--max-params")  # fmt: skip
    if limits.max_macs is not None:
        axes.axhline(limits.max_macs, color=LIMIT_COLOR, linestyle=":", linewidth=0.8,
                     label="--max-macs")  # fmt: skip
