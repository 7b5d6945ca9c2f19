"""What ``archplan plan --train`` shows: a line per trial as it goes, the ranked table, the plot.

Rendering only: the trials' figures come from :mod:`archplan.study` as plain records
(:mod:`archplan.records.trials`). ``search.png`` is drawn with matplotlib, imported only then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from archplan.keras.distribute import Placement
from archplan.keras.realize import Realized
from archplan.records.settings import RunSettings
from archplan.records.trials import (
    INTERRUPTED,
    PRUNED,
    REJECTED,
    REPEAT,
    TRAINED,
    StudySummary,
    TrialRecord,
)
from archplan.report.pareto import FAMILY_COLORS
from archplan.report.realize import ConsoleProgress, RunFiles, crosscheck_verdict, duration
from archplan.report.styles import (
    BEST_STYLE,
    COST_STYLE,
    HEADER_STYLE,
    METRIC_STYLE,
    MUTED_STYLE,
    NAME_STYLE,
    PARAM_STYLE,
    TITLE_STYLE,
)
from archplan.rules.sizes import compact

FRONT_MARK = "✓"
MISSING = "–"
FIGURE_SIZE = (11.0, 4.6)
DPI = 110
BEST_COLOR = "tab:red"
REFERENCE_COLOR = "black"
PRUNED_COLOR = "tab:gray"


def _dashes(values: tuple[int, ...]) -> str:
    return "-".join(str(value) for value in values) or MISSING


def _accuracy(value: float | None) -> str:
    return MISSING if value is None else f"{value:.4f}"


def network_text(trial: TrialRecord) -> str:
    """``plain 2-2 48-48 k5 pool gap``: the family, stages, widths and traits, on one line."""
    return " ".join(
        [trial.family or "?", _dashes(trial.stage_depths), _dashes(trial.stage_widths),
         *trial.traits]
    )  # fmt: skip


# Progress, as the trials run.


class StudyConsole(RunFiles, ConsoleProgress):
    """A search's progress: each trial's network, Keras' epochs inside it, its result."""

    def realized(self, realized: Realized) -> None:
        self.console.print(Text.assemble("  ", crosscheck_verdict(realized.check)))

    def training_started(
        self, settings: RunSettings, folder: Path, done: int, placement: Placement
    ) -> None:
        """Said by :meth:`trial_started` already."""

    def trial_started(self, trial: TrialRecord, place: int, target: int) -> None:
        self.console.print(
            Text.assemble(
                (f"Trial {trial.number}", HEADER_STYLE),
                (f" ({place}/{target})", MUTED_STYLE),
                ": ",
                (network_text(trial), NAME_STYLE),
                "  ",
                (f"{compact(trial.params)} params", PARAM_STYLE),
                "  ",
                (f"{compact(trial.macs)} MACs", COST_STYLE),
            )
        )

    def trial_ended(self, trial: TrialRecord) -> None:
        what = {
            TRAINED: "trained",
            PRUNED: f"pruned after epoch {trial.epochs}",
            INTERRUPTED: "interrupted",
        }.get(trial.status, trial.status)
        self.console.print(
            Text.assemble(
                (f"  → trial {trial.number} {what}", HEADER_STYLE),
                ": best val_acc ",
                (_accuracy(trial.best_val_accuracy), METRIC_STYLE),
                ", test ",
                (_accuracy(trial.test_accuracy), METRIC_STYLE),
                f", {duration(trial.seconds or 0.0)}",
            )
        )

    def draw_skipped(self, trial: TrialRecord) -> None:
        verdict = "rejected" if trial.status == REJECTED else "repeat"
        self.console.print(
            Text(f"Trial {trial.number}: {trial.name}: {verdict}, {trial.note}; not built",
                 MUTED_STYLE)
        )  # fmt: skip

    def draw_search(self, result: StudySummary, path: Path) -> None:
        draw_search(result, path)


# The table.


def study_table(result: StudySummary) -> RenderableType:
    """The trained trials, best first, and beneath them how the study went."""
    table = Table(
        title=f"Study {result.study}: {len(result.counted)} of {result.target} trials trained",
        title_style=TITLE_STYLE,
        box=box.SIMPLE_HEAD,
        header_style=HEADER_STYLE,
        collapse_padding=True,
    )
    table.add_column("#", justify="right", style=MUTED_STYLE)
    table.add_column("Trial", justify="right", style=MUTED_STYLE)
    table.add_column("Network", min_width=10, max_width=22)
    table.add_column("Stages", no_wrap=True)
    table.add_column("Params", justify="right", style=PARAM_STYLE, no_wrap=True)
    table.add_column("MACs", justify="right", style=COST_STYLE, no_wrap=True)
    table.add_column("Val acc", justify="right", style=METRIC_STYLE, no_wrap=True)
    table.add_column("Epochs", justify="right", no_wrap=True)
    table.add_column("Time", justify="right", no_wrap=True)
    table.add_column("Front", justify="center", style=BEST_STYLE, no_wrap=True)
    for trial in result.counted:
        table.add_row(
            str(trial.rank),
            str(trial.number),
            Text.assemble((trial.family or "?", NAME_STYLE),
                          (f"\n{' '.join(trial.traits)}", MUTED_STYLE)),
            Text.assemble(_dashes(trial.stage_depths),
                          (f"\n{_dashes(trial.stage_widths)}", MUTED_STYLE)),
            compact(trial.params),
            compact(trial.macs),
            _accuracy(trial.best_val_accuracy),
            Text.assemble(
                f"{trial.epochs}/{trial.epochs_planned or result.epochs}",
                ("\npruned" if trial.status == PRUNED else "", MUTED_STYLE),
            ),
            duration(trial.seconds or 0.0),
            FRONT_MARK if trial.on_front else "",
        )  # fmt: skip
    notes = [Text(note, style=MUTED_STYLE) for note in study_notes(result)]
    return Group(table, *notes)


def study_notes(result: StudySummary) -> list[str]:
    """The lines under the table: the best, the reference, what was never built, the settings."""
    notes = []
    best = result.best
    if best is not None:
        notes.append(
            f"Best: trial {best.number}, {best.name}: validation accuracy "
            f"{_accuracy(best.best_val_accuracy)}, test accuracy {_accuracy(best.test_accuracy)}, "
            f"{best.params or 0:,} parameters, {best.macs or 0:,} MACs."
        )
    reference = result.reference
    if reference is not None:
        line = (
            f"Reference: {reference.name} ({reference.folder}): test accuracy "
            f"{reference.test_accuracy:.4f}, {reference.params:,} parameters, "
            f"{reference.macs:,} MACs"
        )
        if best is not None and best.test_accuracy is not None:
            gain = (best.test_accuracy - reference.test_accuracy) * 100
            line += f"; the best trial scores {gain:+.2f} points"
        notes.append(line + ".")
    skipped = [
        f"{result.count(status)} {words if result.count(status) > 1 else word}"
        for status, word, words in (
            (REJECTED, "rejected by the limits", "rejected by the limits"),
            (REPEAT, "repeat of a trained network", "repeats of a trained network"),
        )
        if result.count(status)
    ]
    others = [
        f"{result.count(status)} {status}"
        for status in ("running", "interrupted", "failed")
        if result.count(status)
    ]
    if skipped:
        notes.append(f"Draws never built: {', '.join(skipped)}.")
    if others:
        notes.append(f"Also: {', '.join(others)} (not counted).")
    limit = f", the first {result.limit:,} training images" if result.limit else ""
    notes.append(
        f"Each trial: {_epochs(result.epochs)}{limit}, pruner {result.pruner}; ranked by the "
        "best validation accuracy (pruned trials after those that ran every epoch)."
    )
    notes.append(
        f"{FRONT_MARK}: on the front of validation accuracy against MACs (no trial that ran every "
        "epoch is as accurate or more with as few MACs or fewer)."
    )
    notes.append(f"Study {result.study!r} in {result.storage}.")
    return notes


def _epochs(count: int) -> str:
    return f"{count} epoch{'s' if count != 1 else ''}"


def print_study(console: Console, result: StudySummary) -> None:
    console.print(study_table(result))


# The plot.


def draw_search(result: StudySummary, path: Path) -> None:
    """``search.png``: validation accuracy against MACs (the front, the best, pruned trials), and
    the test accuracy of the trials that ran every epoch beside the reference run's."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    left, right = figure.subplots(1, 2, sharex=True)
    _validation_panel(left, result)
    _test_panel(right, result)
    for axes in (left, right):
        axes.set_xscale("log")
        axes.set_xlabel("MACs per image")
        axes.grid(alpha=0.3, which="both")
        axes.legend(loc="best", fontsize="small")
    figure.suptitle(
        f"Study {result.study}: {len(result.counted)} trials, {result.epochs} epochs each"
        + (f", {result.limit:,} training images" if result.limit else "")
    )
    figure.savefig(path, format="png")


def _validation_panel(axes: Any, result: StudySummary) -> None:
    trained = [t for t in result.counted if t.status == TRAINED]
    for family in result.families:
        points = [(t.macs or 0, t.best_val_accuracy or 0.0) for t in trained if t.family == family]
        if points:
            xs, ys = zip(*points, strict=True)
            axes.scatter(xs, ys, s=24, color=FAMILY_COLORS.get(family, "tab:gray"), label=family)
    pruned = [
        (t.macs or 0, t.best_val_accuracy or 0.0) for t in result.counted if t.status == PRUNED
    ]
    if pruned:
        xs, ys = zip(*pruned, strict=True)
        axes.scatter(xs, ys, s=20, marker="x", color=PRUNED_COLOR, label="pruned")
    front = sorted((t.macs or 0, t.best_val_accuracy or 0.0) for t in trained if t.on_front)
    if front:
        xs, ys = zip(*front, strict=True)
        axes.plot(xs, ys, color="black", linewidth=1, drawstyle="steps-post", label="front")
    best = result.best
    if best is not None:
        axes.scatter([best.macs or 0], [best.best_val_accuracy or 0.0], s=140, marker="*",
                     color=BEST_COLOR, label=f"best: trial {best.number}", zorder=3)  # fmt: skip
    axes.set_ylabel("best validation accuracy")
    axes.set_title("the search's objective")


def _test_panel(axes: Any, result: StudySummary) -> None:
    trained = [t for t in result.counted if t.status == TRAINED and t.test_accuracy is not None]
    if trained:
        xs = [t.macs or 0 for t in trained]
        ys = [t.test_accuracy or 0.0 for t in trained]
        axes.scatter(xs, ys, s=24, color="tab:blue", label="trials")
    best = result.best
    if best is not None and best.test_accuracy is not None:
        axes.scatter([best.macs or 0], [best.test_accuracy], s=140, marker="*", color=BEST_COLOR,
                     label=f"best: trial {best.number}", zorder=3)  # fmt: skip
    reference = result.reference
    if reference is not None:
        axes.scatter([reference.macs], [reference.test_accuracy], s=90, marker="D",
                     color=REFERENCE_COLOR, label=f"{reference.name} ({reference.epochs} epochs)",
                     zorder=3)  # fmt: skip
    axes.set_ylabel("test accuracy")
    axes.set_title("on the test set")
