"""What ``archplan realize`` prints: the engine-versus-Keras table, training progress, the summary.

Rendering only: the numbers come from :mod:`archplan.keras.crosscheck` and
:mod:`archplan.records.history`, computed without any of this.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from archplan.keras.crosscheck import CrossCheck, LayerCheck
from archplan.keras.distribute import Placement
from archplan.keras.realize import Realized
from archplan.messages import visible, visible_lines
from archplan.records.history import EpochRecord, HistoryStats
from archplan.records.settings import RunSettings
from archplan.report.plots import plot_history
from archplan.report.styles import (
    AGREE_STYLE,
    DISAGREE_STYLE,
    HEADER_STYLE,
    METRIC_STYLE,
    MUTED_STYLE,
    NAME_STYLE,
    SHAPE_STYLE,
    TITLE_STYLE,
)
from archplan.rules.shapes import format_shape

if TYPE_CHECKING:
    from archplan.runs.lifecycle import RunOutcome

AGREE_MARK = "✓"
DISAGREE_MARK = "✗"
MISSING = "—"
EPOCH_LINE_NAMES = {
    "accuracy": "acc", "val_accuracy": "val_acc", "loss": "loss", "val_loss": "val_loss"
}  # fmt: skip
"""Short names, so one epoch's line fits an 80-column terminal."""
PLAIN_WIDTH = 100
"""Width of the text kept in ``summary.txt``."""


def _mark(agrees: bool) -> Text:
    return Text(AGREE_MARK, AGREE_STYLE) if agrees else Text(DISAGREE_MARK, DISAGREE_STYLE)


def _side_by_side(engine: object, keras: object, text: str) -> Text:
    """The Keras side of a pair, in red where it differs from the engine's."""
    return Text(text, "" if engine == keras else DISAGREE_STYLE)


def _count(value: int | None) -> str:
    return MISSING if value is None else f"{value:,}"


def crosscheck_table(check: CrossCheck, *, only_mismatches: bool = False) -> Table:
    """Per layer: engine and Keras output shapes, trainable and (if any) non-trainable weights."""
    rows = check.mismatches if only_mismatches else check.layers
    with_fixed = any(
        row.engine.non_trainable or (row.keras and row.keras.non_trainable) for row in check.layers
    )
    title = "layers where the engine and Keras differ" if only_mismatches else "engine vs Keras"
    table = Table(
        title=Text(f"{visible(check.model_name)}: {title}"),
        title_style=TITLE_STYLE,
        box=box.SIMPLE_HEAD,
        header_style=HEADER_STYLE,
        pad_edge=False,
    )
    table.add_column("#", justify="right", style=MUTED_STYLE, no_wrap=True)
    table.add_column("Layer (type)")  # the only column that wraps, at the space before the type
    table.add_column("Engine\nshape", style=SHAPE_STYLE, no_wrap=True)
    table.add_column("Keras\nshape", no_wrap=True)
    table.add_column("Engine\ntrainable", justify="right", no_wrap=True)
    table.add_column("Keras\ntrainable", justify="right", no_wrap=True)
    if with_fixed:
        table.add_column("Engine\nnon-trainable", justify="right", no_wrap=True)
        table.add_column("Keras\nnon-trainable", justify="right", no_wrap=True)
    table.add_column("", justify="center", no_wrap=True)
    for row in rows:
        table.add_row(*_layer_cells(row, with_fixed))
    if not only_mismatches:
        table.add_section()
        total = _side_by_side(check.engine_total, check.keras_total, _count(check.keras_total))
        fixed = ("", "") if with_fixed else ()
        agrees = _mark(check.engine_total == check.keras_total)
        table.add_row("", "Total params", "", "", _count(check.engine_total), total, *fixed, agrees)
    return table


def _layer_cells(row: LayerCheck, with_fixed: bool) -> list[str | Text]:
    engine, keras = row.engine, row.keras
    keras_shape = format_shape(keras.shape) if keras else MISSING
    keras_trainable = keras.trainable if keras else None
    cells: list[str | Text] = [
        str(row.index),
        Text.assemble((visible(row.name), NAME_STYLE), f" ({row.type})"),
        format_shape(engine.shape),
        _side_by_side(engine.shape, keras.shape if keras else None, keras_shape),
        _count(engine.trainable),
        _side_by_side(engine.trainable, keras_trainable, _count(keras_trainable)),
    ]
    if with_fixed:
        keras_fixed = keras.non_trainable if keras else None
        cells += [
            _count(engine.non_trainable),
            _side_by_side(engine.non_trainable, keras_fixed, _count(keras_fixed)),
        ]
    return [*cells, _mark(row.agrees)]


def crosscheck_verdict(check: CrossCheck) -> Text:
    """One line: do the engine and Keras agree, and on how much."""
    if check.agrees:
        return Text.assemble(
            (f"{AGREE_MARK} ", AGREE_STYLE),
            f"engine and Keras agree on all {len(check.layers)} layers' shapes and parameters "
            f"({check.keras_total:,} parameters)",
        )
    problems = [f"{len(check.mismatches)} of {len(check.layers)} layers differ"]
    if check.unmatched_keras_layers:
        extra = ", ".join(check.unmatched_keras_layers)
        problems.append(f"Keras has layers the engine lacks: {extra}")
    if check.engine_total != check.keras_total:
        problems.append(f"totals {check.engine_total:,} (engine) vs {check.keras_total:,} (Keras)")
    return Text.assemble((f"{DISAGREE_MARK} ", DISAGREE_STYLE), "; ".join(problems))


def crosscheck_report(check: CrossCheck) -> RenderableType:
    """The full table and the verdict, and the differing rows again when there are any."""
    parts: list[RenderableType] = [crosscheck_table(check), crosscheck_verdict(check)]
    if check.mismatches:
        parts.insert(1, crosscheck_table(check, only_mismatches=True))
    if check.left_out:
        parts.append(
            Text(
                f"Not compared: {', '.join(check.left_out)} (the output does not depend on "
                "them, so Keras' model leaves them out)",
                MUTED_STYLE,
            )
        )
    return Group(*parts)


def duration(seconds: float) -> str:
    """``75`` → ``'1m 15s'``; ``3725`` → ``'1h 02m'``."""
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _value(value: float | None, digits: int = 4) -> str:
    return MISSING if value is None else f"{value:.{digits}f}"


def epoch_line(record: EpochRecord, epochs: int, seconds_left: float) -> Text:
    """``epoch  3/80  acc 0.5104  val_acc 0.4893  loss ...  1m 55s  ~2h 31m left``."""
    width = len(str(epochs))
    parts: list[str | tuple[str, str]] = [(f"epoch {record.epoch:>{width}}/{epochs}", HEADER_STYLE)]
    for name, short in EPOCH_LINE_NAMES.items():
        value = getattr(record, name)
        if value is not None:
            parts += ["  ", (short, MUTED_STYLE), " ", (_value(value), METRIC_STYLE)]
    parts.append(f"  {duration(record.seconds)}")
    if seconds_left > 0:
        parts.append(f"  ~{duration(seconds_left)} left")
    return Text.assemble(*parts)


class ConsoleProgress:
    """Training progress: a step bar while an epoch runs (on terminals), then a line per epoch."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.wants_steps = console.is_terminal  # the step bar is drawn on terminals only
        self._progress: Progress | None = None
        self._task: Any = None

    def epoch_started(self, epoch: int, epochs: int, steps: int) -> None:
        self._stop_bar()
        if not self.console.is_terminal:
            return
        self._progress = Progress(
            TextColumn(f"epoch {epoch}/{epochs}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[metrics]}", style=METRIC_STYLE),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self._task = self._progress.add_task("epoch", total=steps, metrics="")
        self._progress.start()

    def batch_ended(self, step: int, logs: Mapping[str, float]) -> None:
        if self._progress is not None:
            shown = "  ".join(f"{k} {v:.4f}" for k, v in logs.items() if k in ("accuracy", "loss"))
            self._progress.update(self._task, completed=step, metrics=shown)

    def epoch_ended(self, record: EpochRecord, epochs: int, seconds_left: float) -> None:
        self._stop_bar()
        self.console.print(epoch_line(record, epochs, seconds_left))

    def close(self) -> None:
        self._stop_bar()

    def _stop_bar(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class RunFiles:
    """The two files of a run folder that take a renderer: ``history.png`` and ``summary.txt``.

    The run lifecycle writes every file of the folder, atomically; a watcher built on this draws
    and words these two for it (:class:`archplan.runs.lifecycle.RunWatcher`).
    """

    def draw_history(self, history: Sequence[EpochRecord], path: Path, title: str) -> None:
        plot_history(history, path, title=title)

    def summary_text(self, outcome: RunOutcome) -> str:
        realized = outcome.realized
        return render_plain(
            Text(visible_lines(realized.summary)),
            crosscheck_report(realized.check),
            run_summary(outcome.stats, outcome.metrics, str(outcome.folder.path)),
        )


class ConsoleWatcher(RunFiles, ConsoleProgress):
    """What ``archplan realize --train`` shows of a run: the model, its start, then progress."""

    def realized(self, realized: Realized) -> None:
        print_realized(self.console, realized)

    def training_started(
        self, settings: RunSettings, folder: Path, done: int, placement: Placement
    ) -> None:
        past = f" (epochs 1-{done} done)" if done else ""
        where = f" on {placement.devices} devices" if placement.distribution else ""
        self.console.print(
            Text(
                f"Training {visible(settings.spec)} for {settings.epochs} epochs{where} into "
                f"{visible(str(folder))}{past}"
            )
        )


def print_realized(console: Console, realized: Realized) -> None:
    """The Keras model's own summary, then the engine-versus-Keras comparison."""
    console.print(Text(visible_lines(realized.summary)))
    console.print(crosscheck_report(realized.check))


def run_summary(stats: HistoryStats, metrics: Mapping[str, Any], folder: str) -> RenderableType:
    """The end of a run: test accuracy, best validation epoch, train/validation gap, where it is."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=HEADER_STYLE)
    grid.add_column()
    planned = metrics.get("epochs_planned")
    state = "completed" if metrics.get("completed") else "interrupted"
    grid.add_row("Run", Text(f"{visible(folder)} ({state}: {stats.epochs}/{planned} epochs)"))
    grid.add_row("Test accuracy", _test_line(metrics))
    if stats.best_val_epoch is not None:
        grid.add_row(
            "Best validation",
            f"{_value(stats.best_val_accuracy)} at epoch {stats.best_val_epoch}"
            f" ({_after_best(stats.epochs - stats.best_val_epoch)})",
        )
    if stats.final_gap is not None:
        grid.add_row(
            "Train − validation",
            f"{_value(stats.final_accuracy)} − {_value(stats.final_val_accuracy)} = "
            f"{stats.final_gap * 100:+.1f} points at the last epoch",
        )
    grid.add_row(
        "Samples",
        f"{metrics.get('train_samples'):,} train, {metrics.get('val_samples'):,} validation, "
        f"{metrics.get('test_samples'):,} test",
    )
    speed = metrics.get("images_per_second")
    grid.add_row(
        "Time",
        f"{duration(stats.train_seconds)} training"
        + (f", {speed:,.0f} images/s" if speed else "")
        + f" on {metrics.get('backend')} ({metrics.get('device')})",
    )
    return Group(Text("Run summary", style=TITLE_STYLE), grid)


def _after_best(epochs_after: int) -> str:
    if epochs_after == 0:
        return "the last epoch: still improving"
    return f"no gain in the {epochs_after} epoch{'s' if epochs_after > 1 else ''} after it"


def _test_line(metrics: Mapping[str, Any]) -> str:
    accuracy = metrics.get("test_accuracy")
    if accuracy is None:
        if not metrics.get("epochs"):  # no epoch saved: nothing to resume
            return "not evaluated (the run was stopped before its first epoch ended)"
        return "not evaluated (the run was stopped early; --resume it to finish)"
    return f"{accuracy:.4f} (loss {_value(metrics.get('test_loss'))})"


def render_plain(*renderables: RenderableType, width: int = PLAIN_WIDTH) -> str:
    """Renderables as plain text, no colours, for files such as ``summary.txt``."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False, soft_wrap=False)
    for renderable in renderables:
        console.print(renderable)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
