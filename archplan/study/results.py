"""A study's results, read back from its storage: the trials ranked, the front, the best spec.

Whichever worker ends (or is interrupted) writes them from what the storage holds, so the files
describe every worker's trials: ``best.json`` (the best trial's spec, rebuilt from its point and
traced in full), ``trials.csv`` (every trial), ``search.png`` (accuracy against MACs) and
``study.json`` (what the folder holds, and the settings the study runs with).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from archplan.engine.trace import trace_network
from archplan.errors import ArchplanError
from archplan.files.writing import write_file, write_text
from archplan.planner.families import FAMILIES
from archplan.planner.planfile import Settings
from archplan.planner.ranking import pareto_front
from archplan.planner.search import Evaluator
from archplan.planner.written import spec_data
from archplan.records.folder import RunFolder
from archplan.records.trials import (
    COUNTED,
    FAILED,
    INTERRUPTED,
    PRUNED,
    REJECTED,
    REPEAT,
    RUNNING,
    SURPLUS,
    TRAINED,
    ReferenceRun,
    StudySummary,
    TrialRecord,
    trials_csv,
)
from archplan.study.sampling import point_of
from archplan.study.trial import NOTE, OUTCOME, ROLE, WORKER

BEST_JSON = "best.json"
TRIALS_CSV = "trials.csv"
SEARCH_PNG = "search.png"
STUDY_JSON = "study.json"


def trial_record(trial: FrozenTrial) -> TrialRecord:
    """One stored trial as a record: its point, figures, results and what became of it."""
    attrs = trial.user_attrs
    drawn = point_of(trial.params)
    return TrialRecord(
        number=trial.number,
        status=_status(trial),
        family=attrs.get("family") or (drawn[0].name if drawn else None),
        name=attrs.get("name"),
        point=drawn[1] if drawn else {},
        traits=tuple(attrs.get("traits") or ()),
        stage_depths=tuple(attrs.get("stage_depths") or ()),
        stage_widths=tuple(attrs.get("stage_widths") or ()),
        params=attrs.get("params"),
        macs=attrs.get("macs"),
        best_val_accuracy=attrs.get("best_val_accuracy"),
        best_val_epoch=attrs.get("best_val_epoch"),
        epochs=int(attrs.get("epochs") or 0),
        epochs_planned=attrs.get("epochs_planned"),
        test_accuracy=attrs.get("test_accuracy"),
        train_seconds=attrs.get("train_seconds"),
        seconds=attrs.get("seconds"),
        folder=attrs.get("folder"),
        worker=attrs.get(WORKER),
        note=attrs.get(NOTE),
    )


def _status(trial: FrozenTrial) -> str:
    role = trial.user_attrs.get(ROLE)
    if role in (REJECTED, REPEAT, SURPLUS):
        return str(role)
    outcome = trial.user_attrs.get(OUTCOME)
    if trial.state is TrialState.RUNNING:
        return RUNNING
    if trial.state is TrialState.COMPLETE:
        return TRAINED
    if trial.state is TrialState.PRUNED:
        return PRUNED
    return INTERRUPTED if outcome == INTERRUPTED else FAILED


def ranked(records: Sequence[TrialRecord]) -> tuple[TrialRecord, ...]:
    """The trained trials best first (those that ran every epoch by validation accuracy, then the
    pruned ones by how far they got), each with its rank and place on the front; then the rest."""
    trained = sorted(
        (r for r in records if r.status in COUNTED),
        key=lambda r: (r.status != TRAINED, -r.epochs, -(r.best_val_accuracy or 0.0), r.number),
    )
    complete = [r for r in trained if r.status == TRAINED]
    front = pareto_front([(r.macs or 0, r.best_val_accuracy) for r in complete])
    on_front = {r.number for r, on in zip(complete, front, strict=True) if on}
    ranks = [
        replace(r, rank=rank, on_front=r.number in on_front) for rank, r in enumerate(trained, 1)
    ]
    others = sorted((r for r in records if r.status not in COUNTED), key=lambda r: r.number)
    return (*ranks, *others)


@dataclass(frozen=True)
class StudyFacts:
    """What a summary says besides its trials: the study's name, storage, settings."""

    study: str
    storage: str
    target: int
    epochs: int
    limit: int | None
    test_limit: int | None
    pruner: str
    reference: ReferenceRun | None = None
    capacity: int | None = None


def summary(study: optuna.Study, settings: Settings, facts: StudyFacts) -> StudySummary:
    records = [trial_record(trial) for trial in study.get_trials(deepcopy=False)]
    return StudySummary(
        study=facts.study,
        storage=facts.storage,
        trials=ranked(records),
        target=facts.target,
        epochs=facts.epochs,
        limit=facts.limit,
        test_limit=facts.test_limit,
        pruner=facts.pruner,
        families=settings.family_names,
        reference=facts.reference,
        capacity=facts.capacity,
    )


@dataclass(frozen=True)
class WrittenResults:
    files: tuple[str, ...]
    plot_skipped: str | None = None


DrawSearch = Callable[[StudySummary, Path], None]
"""Draws ``search.png`` into a path: the presentation's (:meth:`StudyWatcher.draw_search`)."""


def write_results(
    out: Path, result: StudySummary, settings: Settings, draw_search: DrawSearch
) -> WrittenResults:
    """``best.json`` (when a trial ran every epoch), ``trials.csv`` and ``search.png``."""
    files = [TRIALS_CSV]
    write_text(out / TRIALS_CSV, trials_csv(result.trials))
    best = result.best
    if best is not None:
        spec = best_spec(best, result, settings)
        text = json.dumps(spec, indent=2, ensure_ascii=False) + "\n"
        write_text(out / BEST_JSON, text)
        files.insert(0, BEST_JSON)
    try:
        write_file(out / SEARCH_PNG, lambda path: draw_search(result, path))
    except ModuleNotFoundError as missing:
        return WrittenResults(tuple(files), f"{SEARCH_PNG} not drawn: {missing.name} is missing")
    return WrittenResults((*files, SEARCH_PNG))


def best_spec(best: TrialRecord, result: StudySummary, settings: Settings) -> dict[str, Any]:
    """The best trial's network as a spec file, rebuilt from its point and traced in full."""
    family = FAMILIES[str(best.family)]
    point = best.point
    candidate = Evaluator(settings).checked_point(family, point)
    test = f"{best.test_accuracy:.4f}" if best.test_accuracy is not None else "not measured"
    description = (
        f"{family.describe(point, settings.problem)} The most accurate of "
        f"{len(result.counted)} trials of archplan plan --train (study {result.study!r}, "
        f"trial {best.number}): best validation accuracy {best.best_val_accuracy:.4f} after "
        f"{best.epochs} epochs, test accuracy {test}; {candidate.figures.params:,} parameters, "
        f"{candidate.figures.macs or 0:,} MACs."
    )
    return spec_data(candidate, name=candidate.slug, description=description)


def reference_run(folder: Path) -> ReferenceRun:
    """A finished ``realize --train`` run to draw beside the trials (``--reference DIR``)."""
    run = RunFolder(folder)
    if not folder.is_dir():
        raise ArchplanError(f"--reference {folder}: no such run folder")
    metrics = run.read_metrics()
    test = metrics.get("test_accuracy")
    if not isinstance(test, (int, float)):
        raise ArchplanError(
            f"--reference {folder}: the run has no test accuracy in its metrics.json (it was "
            "interrupted, or never finished); name a finished archplan realize --train run"
        )
    network = run.read_network()
    trace = trace_network(network)
    best = metrics.get("best_val_accuracy")
    return ReferenceRun(
        name=network.name or folder.name,
        folder=str(folder),
        params=trace.total_params,
        macs=trace.total_macs or 0,
        test_accuracy=float(test),
        best_val_accuracy=float(best) if isinstance(best, (int, float)) else None,
        epochs=int(metrics.get("epochs") or 0),
        limit=run.read_settings().limit,
        test_samples=metrics.get("test_samples"),
    )


def write_study_file(out: Path, record: dict[str, Any]) -> None:
    write_text(out / STUDY_JSON, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
