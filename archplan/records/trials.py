"""A trained search's records as plain data: each trial, the reference run, the study's summary.

``archplan plan --train`` keeps its trials in Optuna's storage; :mod:`archplan.study` reads them
back into these records, which the report renders (the table, ``trials.csv``, ``search.png``)
without knowing Optuna. Plain data and text, no framework, no numpy.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

Value = int | float | str | bool
"""A design-space choice, as a JSON file and Optuna both hold it."""

TRAINED = "trained"
PRUNED = "pruned"
REJECTED = "rejected"
REPEAT = "repeat"
INTERRUPTED = "interrupted"
FAILED = "failed"
RUNNING = "running"
SURPLUS = "surplus"
STATUSES = (TRAINED, PRUNED, REJECTED, REPEAT, INTERRUPTED, FAILED, RUNNING, SURPLUS)
"""What became of a trial:

- ``trained``: trained every epoch, evaluated on the test set;
- ``pruned``: trained, then stopped early by the pruner (still evaluated);
- ``rejected``: the point breaks a limit, or the engine refused it: never built, zero cost;
- ``repeat``: the same network as an earlier trial, whose result it reuses: never built;
- ``interrupted``: stopped by Ctrl-C (its point is drawn again by the next run);
- ``failed``: an error ended it, or its worker died;
- ``running``: being trained by a worker now;
- ``surplus``: drawn by a worker when the study already had its trials: never built.
"""
COUNTED = (TRAINED, PRUNED)
"""The statuses ``--trials N`` counts: networks that were built and trained."""


@dataclass(frozen=True)
class TrialRecord:
    """One trial of the study: its point, its network's figures, and how its training went."""

    number: int
    status: str
    family: str | None = None
    name: str | None = None
    """The network's name (the family's slug): equal names, equal networks."""
    point: dict[str, Value] = field(default_factory=dict)
    traits: tuple[str, ...] = ()
    stage_depths: tuple[int, ...] = ()
    stage_widths: tuple[int, ...] = ()
    params: int | None = None
    macs: int | None = None
    best_val_accuracy: float | None = None
    best_val_epoch: int | None = None
    epochs: int = 0
    """Epochs trained (fewer than planned when pruned)."""
    epochs_planned: int | None = None
    test_accuracy: float | None = None
    train_seconds: float | None = None
    """The epochs' own time, as ``history.json`` records it."""
    seconds: float | None = None
    """The whole trial, from the draw to its last file: building, training, evaluating."""
    folder: str | None = None
    worker: str | None = None
    """``host:pid`` of the process that ran it."""
    note: str | None = None
    """Why it was rejected, which trial it repeats, what failed."""
    rank: int | None = None
    """Its place among the trained trials, best first (None for the others)."""
    on_front: bool = False
    """On the front of validation accuracy against MACs (trained trials only)."""

    @property
    def counted(self) -> bool:
        return self.status in COUNTED


@dataclass(frozen=True)
class ReferenceRun:
    """A finished ``archplan realize --train`` run drawn beside the trials (the tutorial's)."""

    name: str
    folder: str
    params: int
    macs: int
    test_accuracy: float
    best_val_accuracy: float | None
    epochs: int
    limit: int | None
    test_samples: int | None


@dataclass(frozen=True)
class StudySummary:
    """What the report shows of a study: its trials, ranked, and how the search was set."""

    study: str
    storage: str
    """The storage's URL, any password hidden."""
    trials: tuple[TrialRecord, ...]
    """Every trial: the trained ones first, ranked; the others after, by number."""
    target: int
    """``--trials N``: the trained trials the study is to have."""
    epochs: int
    limit: int | None
    test_limit: int | None
    pruner: str
    families: tuple[str, ...]
    reference: ReferenceRun | None = None
    capacity: int | None = None
    """How many networks fit the limits, when the whole space was walked (None: more)."""

    @property
    def counted(self) -> tuple[TrialRecord, ...]:
        return tuple(trial for trial in self.trials if trial.counted)

    @property
    def best(self) -> TrialRecord | None:
        """The best trained trial that ran every epoch, if any."""
        return next((t for t in self.trials if t.status == TRAINED and t.rank is not None), None)

    def count(self, status: str) -> int:
        return sum(trial.status == status for trial in self.trials)


CSV_COLUMNS = (
    "number", "status", "rank", "family", "name", "stage_depths", "stage_widths", "params",
    "macs", "best_val_accuracy", "best_val_epoch", "epochs", "epochs_planned", "test_accuracy",
    "train_seconds", "seconds", "on_front", "folder", "worker", "note",
)  # fmt: skip


def trials_csv(trials: Sequence[TrialRecord]) -> str:
    """``trials.csv``: every trial, by number: its status, figures, then each parameter."""
    params = list(dict.fromkeys(name for trial in trials for name in trial.point))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *(f"point.{name}" for name in params)])
    for trial in sorted(trials, key=lambda t: t.number):
        cells = [_cell(getattr(trial, column)) for column in CSV_COLUMNS]
        writer.writerow([*cells, *(_cell(trial.point.get(name)) for name in params)])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "-".join(str(item) for item in value)
    return str(value)
