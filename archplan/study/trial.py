"""One trial: draw a network, let the engine screen it, claim a place, train it through a run.

1. **draw**: the sampler picks a family, then a point of its space
   (:func:`~archplan.study.sampling.suggest_point`);
2. **screen**: the engine measures the network and checks the plan's limits before anything is
   built. A point that breaks a limit (or that the engine refuses) is a *rejected* trial, and a
   network trained before is a *repeat* that reuses that trial's result: both end at once, as
   pruned (or, for a repeat of a finished trial, with its value), never built, never trained;
3. **claim**: ``--trials N`` counts trained trials across all workers; a trial trains only when
   fewer than N trials numbered before it train or have trained (trial numbers are given out by
   the storage, one at a time, so two workers never take the same place);
4. **train**: the spec is written and traced in full, then trained through the run lifecycle
   (:func:`archplan.runs.lifecycle.start_run`) into ``trials/NNNN-NAME/``, with the data loaded
   once for all trials. After each epoch its validation accuracy is reported to the trial and the
   pruner may stop it; a pruned run ends as "stopped early".

Everything the report needs is kept on the trial in the storage (user attributes), so any worker,
on any machine, can write the study's results.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn, Protocol

import optuna
from optuna.trial import FrozenTrial, TrialState

from archplan.data import Dataset
from archplan.engine.evaluation import evaluation_refusal
from archplan.engine.trace import trace_network
from archplan.errors import ArchplanError, SpecError
from archplan.keras.backend import release_models
from archplan.planner.families import FAMILIES, Family
from archplan.planner.planfile import Settings
from archplan.planner.search import Candidate, Evaluator
from archplan.planner.space import Choice
from archplan.planner.written import spec_data
from archplan.records.history import EpochRecord
from archplan.records.settings import Overrides
from archplan.records.trials import (
    INTERRUPTED,
    PRUNED,
    REJECTED,
    REPEAT,
    SURPLUS,
    TRAINED,
    StudySummary,
    TrialRecord,
)
from archplan.runs.lifecycle import NewRun, RunOutcome, RunWatcher, start_run
from archplan.schema import parse_spec
from archplan.study.sampling import suggest_point

# The trial's user attributes in the storage.
ROLE = "role"
"""``rejected``, ``repeat``, ``trained`` (set when it claims its place), ``surplus``."""
WORKER = "worker"
NOTE = "note"
RESULTS = ("epochs", "best_val_accuracy", "best_val_epoch", "test_accuracy", "train_seconds",
           "seconds")  # fmt: skip
OUTCOME = "outcome"
"""``trained``, ``pruned``, ``interrupted``: how the training ended."""
RETRY_OF = "retry_of"
TRIALS_FOLDER = "trials"
CLAIM_WAIT_SECONDS = 30.0
"""How long a trial waits for the trials numbered before it to be screened (milliseconds, as a
rule) before it counts those still unscreened as not training (their worker died drawing)."""
CLAIM_POLL_SECONDS = 0.05


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class StudyWatcher(RunWatcher, Protocol):
    """Whoever shows a search: each trained trial's start and end, each draw never built, and
    (as a :class:`RunWatcher`) each trial's run."""

    def trial_started(self, trial: TrialRecord, place: int, target: int) -> None:
        """Trial ``trial`` is the ``place``-th of ``target`` trials, and starts building."""

    def trial_ended(self, trial: TrialRecord) -> None:
        """A trained trial ended: trained, pruned or interrupted."""

    def draw_skipped(self, trial: TrialRecord) -> None:
        """A draw that was rejected or repeated an earlier network: never built."""

    def draw_search(self, result: StudySummary, path: Path) -> None:
        """Draw the study's ``search.png`` into ``path`` (its temporary name): the study writes
        its results without importing the presentation."""


class StudyInterruptedError(Exception):
    """Ctrl-C stopped a trial's training: the study stops, keeping every finished trial."""

    def __init__(self, number: int) -> None:
        super().__init__(f"trial {number} was interrupted")
        self.number = number


class SurplusTrialError(Exception):
    """The study already has its trials: this draw is not trained (the study stops)."""


@dataclass(frozen=True)
class SearchContext:
    """What every trial of this worker shares."""

    settings: Settings
    overrides: Overrides
    """The trials' training settings: data, epochs, limits, seed, speed options."""
    epochs: int
    target: int
    dataset: Dataset
    out: Path
    watcher: StudyWatcher
    backend: str | None = None
    command: str = ""
    clock: Callable[[], float] = time.perf_counter


@dataclass
class TrialTimes:
    """Where a trained trial's time went, for the overhead benchmark (seconds, this worker)."""

    number: int
    drawn: float = 0.0
    """Drawing, screening and claiming, before anything is built."""
    run: float = 0.0
    """The run lifecycle, from start to finished folder (building, training, evaluating)."""
    training: float = 0.0
    """The epochs themselves, as the run's history records them."""
    total: float = 0.0
    """The whole trial as Optuna ran it: asking, drawing, the run, telling the storage."""


@dataclass
class TrialRunner:
    """The objective Optuna calls: one trial, from its draw to its result."""

    context: SearchContext
    evaluator: Evaluator = field(init=False)
    current: int | None = None
    """The trial being trained, while it is."""
    last_role: str | None = None
    times: list[TrialTimes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.evaluator = Evaluator(self.context.settings)

    def __call__(self, trial: optuna.Trial) -> float:
        started = self.context.clock()
        self.last_role = None
        trial.set_user_attr(WORKER, this_worker())
        family, point = suggest_point(trial, self.context.settings.spaces)
        candidate = self._screen(trial, family, point)
        if isinstance(candidate, float):
            return candidate
        place = self._claim(trial)
        self.current = trial.number
        times = TrialTimes(trial.number, drawn=self.context.clock() - started)
        self.times.append(times)
        try:
            value = self._train(trial, candidate, place, times)
        except optuna.TrialPruned:
            self.current = None
            raise
        self.current = None  # left set when Ctrl-C ends the trial: the study draws it again
        return value

    # Screening: the engine's verdict before anything is built.

    def _screen(
        self, trial: optuna.Trial, family: Family, point: dict[str, Choice]
    ) -> Candidate | float:
        try:
            candidate = self.evaluator.candidate(family, point)
        except SpecError as refusal:
            self._reject(trial, family, point, f"refused by the engine: {refusal}")
        if not candidate.feasible:
            broken = "; ".join(
                f"{v.flag} {_figure(v.value)} {'<' if (v.value or 0) < v.limit else '>'} "
                f"{_figure(v.limit)}"
                for v in candidate.violations
            )
            self._set_figures(trial, candidate)
            self._reject(trial, family, point, f"breaks {broken}")
        unevaluable = evaluation_refusal(candidate.network)
        if unevaluable is not None:  # Keras would fail at its first validation
            self._reject(trial, family, point, f"Keras cannot evaluate it: {unevaluable}")
        earlier = self._trained_before(trial, candidate.slug)
        if earlier is not None:
            return self._repeat(trial, candidate, earlier)
        return candidate

    def _reject(
        self, trial: optuna.Trial, family: Family, point: dict[str, Choice], why: str
    ) -> NoReturn:
        trial.set_user_attr(ROLE, REJECTED)
        trial.set_user_attr(NOTE, why)
        if "name" not in trial.user_attrs:
            trial.set_user_attr("name", family.slug(point))
        self.last_role = REJECTED
        self.context.watcher.draw_skipped(
            TrialRecord(trial.number, REJECTED, family.name, family.slug(point), note=why)
        )
        raise optuna.TrialPruned(why)

    def _trained_before(self, trial: optuna.Trial, name: str) -> FrozenTrial | None:
        """The first other trial that trains or trained this network, if any."""
        for other in trial.study.get_trials(deepcopy=False):
            if (
                other.number != trial.number
                and other.user_attrs.get("name") == name
                and other.user_attrs.get(ROLE) == TRAINED
                and other.state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
            ):
                return other
        return None

    def _repeat(self, trial: optuna.Trial, candidate: Candidate, earlier: FrozenTrial) -> float:
        """The same network as ``earlier``: its result again, so the sampler learns it, at no
        cost (a repeat of a trial still running is pruned: its result is not known yet)."""
        self._set_figures(trial, candidate)
        trial.set_user_attr(ROLE, REPEAT)
        trial.set_user_attr(NOTE, f"the network of trial {earlier.number}")
        self.last_role = REPEAT
        self.context.watcher.draw_skipped(
            TrialRecord(trial.number, REPEAT, candidate.family, candidate.slug,
                        note=f"the network of trial {earlier.number}")
        )  # fmt: skip
        if earlier.state is TrialState.COMPLETE and earlier.value is not None:
            return float(earlier.value)
        for step, value in sorted(earlier.intermediate_values.items()):
            trial.report(value, step)
        raise optuna.TrialPruned(f"the network of trial {earlier.number}")

    # Claiming a place among the study's N trials.

    def _claim(self, trial: optuna.Trial) -> int:
        """This trial's place (1..N) among the trained trials; SurplusTrialError if none is left."""
        trial.set_user_attr(ROLE, TRAINED)
        deadline = self.context.clock() + CLAIM_WAIT_SECONDS
        while True:
            before = [t for t in trial.study.get_trials(deepcopy=False) if t.number < trial.number]
            holding = sum(_holds_place(t) for t in before)
            unscreened = sum(
                t.state is TrialState.RUNNING and ROLE not in t.user_attrs for t in before
            )
            if holding >= self.context.target:
                trial.set_user_attr(ROLE, SURPLUS)
                self.last_role = SURPLUS
                raise SurplusTrialError(f"the study has its {self.context.target} trials")
            if holding + unscreened < self.context.target or self.context.clock() > deadline:
                return holding + 1
            time.sleep(CLAIM_POLL_SECONDS)

    # Training.

    def _train(
        self, trial: optuna.Trial, candidate: Candidate, place: int, times: TrialTimes
    ) -> float:
        context = self.context
        self.last_role = TRAINED
        folder = context.out / TRIALS_FOLDER / f"{trial.number:04d}-{candidate.slug}"
        self._set_figures(trial, candidate)
        trial.set_user_attr("folder", str(folder))
        trial.set_user_attr("epochs_planned", context.epochs)
        record = replace(
            _start_record(trial.number, candidate, str(folder)), epochs_planned=context.epochs
        )
        context.watcher.trial_started(record, place, context.target)
        pruner = EpochPruner(trial, context.epochs)
        run_started = context.clock()
        try:
            outcome = start_run(self._new_run(candidate, folder, pruner), context.watcher)
        finally:
            release_models()
        times.run = context.clock() - run_started
        times.training = sum(record.seconds for record in outcome.history)
        status = INTERRUPTED if outcome.interrupted else PRUNED if pruner.pruned else TRAINED
        ended = self._keep_results(trial, record, outcome, status, times)
        context.watcher.trial_ended(ended)
        if outcome.interrupted:
            raise StudyInterruptedError(trial.number)
        if pruner.pruned:
            raise optuna.TrialPruned(f"pruned after epoch {len(outcome.history)}")
        if ended.best_val_accuracy is None:
            raise ArchplanError(
                f"trial {trial.number} logged no validation accuracy; plan --train needs "
                "training.validation_split above 0"
            )
        return ended.best_val_accuracy

    def _new_run(self, candidate: Candidate, folder: Path, pruner: EpochPruner) -> NewRun:
        context = self.context
        description = _description(candidate, context)
        data = spec_data(candidate, name=candidate.slug, description=description)
        network = parse_spec(data, source=f"{candidate.slug}.json")
        return NewRun(
            network,
            trace_network(network),
            context.overrides,
            out=folder,
            backend=context.backend,
            command=context.command,
            dataset=context.dataset,
            stop_after=pruner,
        )

    def _keep_results(
        self,
        trial: optuna.Trial,
        record: TrialRecord,
        outcome: RunOutcome,
        status: str,
        times: TrialTimes,
    ) -> TrialRecord:
        """Keep the run's results on the trial, in the storage; the record the watcher shows."""
        stats = outcome.stats
        test = outcome.metrics.get("test_accuracy")
        ended = replace(
            record,
            status=status,
            epochs=stats.epochs,
            best_val_accuracy=stats.best_val_accuracy,
            best_val_epoch=stats.best_val_epoch,
            test_accuracy=float(test) if isinstance(test, (int, float)) else None,
            train_seconds=round(stats.train_seconds, 3),
            seconds=round(times.drawn + times.run, 3),
        )
        for key in RESULTS:
            trial.set_user_attr(key, getattr(ended, key))
        trial.set_user_attr(OUTCOME, status)
        return ended

    @staticmethod
    def _set_figures(trial: optuna.Trial, candidate: Candidate) -> None:
        layout = candidate.layout
        values: dict[str, Any] = {
            "family": candidate.family,
            "name": candidate.slug,
            "traits": FAMILIES[candidate.family].traits(candidate.point),
            "stage_depths": list(layout.depths),
            "stage_widths": list(layout.widths),
            "params": candidate.figures.params,
            "macs": candidate.figures.macs,
        }
        for key, value in values.items():
            trial.set_user_attr(key, value)


class EpochPruner:
    """The run's ``stop_after``: report each epoch's validation accuracy; ask the pruner.

    The last epoch is reported but never pruned: nothing would be saved by stopping there.
    """

    def __init__(self, trial: optuna.Trial, epochs: int) -> None:
        self.trial = trial
        self.epochs = epochs
        self.pruned = False

    def __call__(self, history: Sequence[EpochRecord]) -> bool:
        last = history[-1]
        if last.val_accuracy is None:
            return False
        self.trial.report(last.val_accuracy, last.epoch)
        if last.epoch >= self.epochs or not self.trial.should_prune():
            return False
        self.pruned = True
        return True


def _holds_place(trial: FrozenTrial) -> bool:
    """A trial that counts towards ``--trials``: claimed, and not failed or interrupted."""
    return trial.user_attrs.get(ROLE) == TRAINED and trial.state in (
        TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED
    )  # fmt: skip


def _start_record(number: int, candidate: Candidate, folder: str) -> TrialRecord:
    return TrialRecord(
        number=number,
        status="running",
        family=candidate.family,
        name=candidate.slug,
        point=dict(candidate.point),
        traits=tuple(FAMILIES[candidate.family].traits(candidate.point)),
        stage_depths=candidate.layout.depths,
        stage_widths=candidate.layout.widths,
        params=candidate.figures.params,
        macs=candidate.figures.macs,
        folder=folder,
    )


def _description(candidate: Candidate, context: SearchContext) -> str:
    family = FAMILIES[candidate.family]
    return (
        f"{family.describe(candidate.point, context.settings.problem)} Drawn by archplan plan "
        f"--train: {candidate.figures.params:,} parameters, {candidate.figures.macs or 0:,} MACs."
    )


def _figure(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,}" if float(value).is_integer() else f"{value:.2f}"
