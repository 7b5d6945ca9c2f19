"""A training run's life: start it in a folder of its own, resume it, keep each epoch, finish it.

Every run that archplan trains goes through here, whoever asks (``archplan realize --train``, the
planner's search, a benchmark), so every run folder is written alike:

1. **start**: check what can be checked before anything is loaded (the folder is free, the
   network takes CIFAR-10's images), load the data (its classes must match the output), build and
   cross-check the model, then claim the folder and write ``spec.json`` and ``run.json``;
2. **resume**: read those back, refuse what cannot continue (an early-stopped run, no epochs
   left), load ``model.keras`` with its optimizer and cross-check it again;
3. **keep** each finished epoch: the model, ``history.json``/``.csv``, ``metrics.json`` and (at
   most every :data:`PLOT_EVERY_SECONDS`) ``history.png``, each written atomically;
4. **finish**: evaluate on the test set, write the final metrics, plot and ``summary.txt``.

A run that fails before its first epoch leaves no model, so its folder stays free for the next
attempt (:meth:`RunFolder.never_trained`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from archplan import __version__
from archplan.data import Dataset, load_cifar10
from archplan.engine.evaluation import evaluation_refusal
from archplan.engine.trace import Trace, trace_network
from archplan.errors import RunError, SpecError
from archplan.keras.backend import device_name, load_keras
from archplan.keras.distribute import Placement
from archplan.keras.download import download_cifar10
from archplan.keras.fit import (
    FitPlan,
    KerasModel,
    evaluate,
    fit_epochs,
    keras_version,
    load_run_model,
    prepare_model,
    run_environment,
    seed_everything,
)
from archplan.keras.realize import Realized, checked, realize
from archplan.keras.speed import output_dtype
from archplan.keras.split import SplitMemo, check_fits_classes, check_fits_images
from archplan.records.folder import (
    BEST_MODEL_FILE,
    METRICS_FILE,
    MODEL_FILE,
    PLOT_FILE,
    SUMMARY_FILE,
    RunFolder,
    default_run_dir,
    spec_record,
    unreadable,
)
from archplan.records.history import EpochRecord, HistoryStats, history_stats
from archplan.records.metrics import RunFacts
from archplan.records.observer import TrainingObserver
from archplan.records.settings import (
    Overrides,
    RunSettings,
    check_epochs_left,
    check_not_stopped_early,
    new_settings,
    resumed_settings,
)
from archplan.schema import Network
from archplan.schema.defaults import MAX_SEED

PLOT_EVERY_SECONDS = 30.0
"""How often, at most, ``history.png`` is redrawn after an epoch (it always is when a run ends).

Drawing it takes about half a second: next to a GPU's few-second epochs that would be a cost
plain Keras does not pay, while the history files themselves are written after every epoch.
"""

SPLITS = SplitMemo()
"""The last data split, reused by the next run on the same data (a search's next trial)."""

StopAfter = Callable[[Sequence[EpochRecord]], bool]
"""Asked after each kept epoch, with the history so far: True ends the run there."""


class RunWatcher(TrainingObserver, Protocol):
    """Whoever shows a run: told of the realized model, the start of training, and each epoch.

    The run decides which files its folder holds and writes each atomically; the two it cannot
    write without a renderer, ``history.png`` and ``summary.txt``, the watcher draws and words
    (:class:`archplan.report.realize.RunFiles`), so that training never imports the presentation.
    """

    def realized(self, realized: Realized) -> None:
        """The model's summary and the cross-check, before any refusal of a disagreement."""

    def training_started(
        self, settings: RunSettings, folder: Path, done: int, placement: Placement
    ) -> None:
        """Training begins in ``folder``, ``done`` epochs already behind it."""

    def draw_history(self, history: Sequence[EpochRecord], path: Path, title: str) -> None:
        """Draw the history so far into ``path`` (``history.png``'s temporary name)."""

    def summary_text(self, outcome: RunOutcome) -> str:
        """``summary.txt``: the model, its cross-check and how the run ended, as plain text."""


@dataclass(frozen=True)
class NewRun:
    """What starting a run needs; ``out`` None names the folder after the spec and the time.

    ``dataset``, data already loaded for ``overrides.data``, spares loading it again (a
    benchmark's, a search's); ``stop_after`` may end the run after any epoch (a search's pruner).
    """

    network: Network
    trace: Trace
    overrides: Overrides
    out: Path | None = None
    force: bool = False
    backend: str | None = None
    command: str = ""
    dataset: Dataset | None = None
    stop_after: StopAfter | None = None
    inputs: tuple[Path, ...] = ()
    """The command's input files (the spec): the run folder never writes over one."""


@dataclass(frozen=True)
class RunRequest:
    """A run ready to train: its realized model, settings, folder, past epochs and data."""

    realized: Realized
    settings: RunSettings
    folder: RunFolder
    dataset: Dataset
    placement: Placement
    history: tuple[EpochRecord, ...] = ()
    command: str = ""
    stop_after: StopAfter | None = None


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: its history, its metrics (``metrics.json``), whether it was stopped."""

    folder: RunFolder
    realized: Realized
    history: tuple[EpochRecord, ...]
    stats: HistoryStats
    metrics: dict[str, object]
    interrupted: bool


def start_run(run: NewRun, watcher: RunWatcher) -> RunOutcome:
    """A new run: refuse early what can be refused, load, build, check, claim the folder, train."""
    network, trace = run.network, run.trace
    path = run.out or default_run_dir(network.name or "network", datetime.now())
    RunFolder.check_free(path, force=run.force, inputs=run.inputs)
    check_fits_images(trace.input_shape, trace.output_shape)
    refusal = evaluation_refusal(network)
    if refusal is not None:  # Keras would fail at the first validation, in the claimed folder
        raise RunError(refusal)
    keras = load_keras(run.backend)
    settings = new_settings(network, run.overrides, keras.backend.backend())
    dataset = run.dataset or load_data(settings)
    check_fits_classes(trace.output_shape, dataset)
    with run_environment(settings) as placement:
        realized = realize(network, trace, output_dtype=output_dtype(settings.mixed_precision))
        watcher.realized(realized)
        realized.require_agreement()
        folder = RunFolder.claim(path, force=run.force, inputs=run.inputs)
        request = RunRequest(
            realized, settings, folder, dataset, placement, (), run.command, run.stop_after
        )
        return train_in_folder(request, watcher)


def resume_run(
    path: Path,
    overrides: Overrides,
    watcher: RunWatcher,
    *,
    spec: Network | None = None,
    backend: str | None = None,
    command: str = "",
) -> RunOutcome:
    """Continue the run in ``path`` from its last completed epoch, with its own data and seed.

    ``spec``, when given, must be the spec the run was started with.
    """
    folder = RunFolder.reopen(path)
    saved = folder.read_settings()
    network = folder.read_network()
    if spec is not None and spec_record(spec) != spec_record(network):
        raise RunError(
            f"the spec given is not the one the run in {path} was started with; drop SPEC to "
            "resume it"
        )
    trace = _saved_trace(folder, network)
    history = tuple(folder.read_history())
    check_not_stopped_early(str(path), folder.read_metrics(), network.training_settings)
    keras = load_keras(backend)
    settings = resumed_settings(saved, overrides, keras.backend.backend())
    check_epochs_left(str(path), len(history), settings.epochs)
    dataset = load_data(settings)
    check_fits_classes(trace.output_shape, dataset)
    with run_environment(settings) as placement:
        realized = checked(network, trace, _load_model(folder))
        watcher.realized(realized)
        _require_saved_agreement(folder, realized)
        request = RunRequest(realized, settings, folder, dataset, placement, history, command)
        return train_in_folder(request, watcher)


def load_data(settings: RunSettings) -> Dataset:
    """The run's data: the path it names, else Keras' own download of CIFAR-10."""
    return load_dataset(settings.data, settings.limit, settings.test_limit)


def load_dataset(data: str | None, limit: int | None, test_limit: int | None) -> Dataset:
    """CIFAR-10 from ``data`` (a path), else Keras' own download; loaded once, a search hands
    it to each of its runs (:attr:`NewRun.dataset`)."""
    if data is None:
        return download_cifar10(limit, test_limit)
    return load_cifar10(data, limit=limit, test_limit=test_limit)


def train_in_folder(request: RunRequest, watcher: RunWatcher) -> RunOutcome:
    """Write the setup, fit from the next epoch on keeping each one, evaluate, finish the folder.

    Run it inside :func:`run_environment` for the request's settings (its ``placement``).
    """
    realized, settings, folder = request.realized, request.settings, request.folder
    network, model = realized.network, realized.model
    training = network.training_settings
    folder.save_setup(network, settings, {
        "archplan_version": __version__,
        "command": request.command,
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })  # fmt: skip
    watcher.training_started(settings, folder.path, len(request.history), request.placement)
    split = SPLITS.split(request.dataset, training, settings.seed)
    split = split.evened(request.placement.shard_multiple)
    steps = math.ceil(len(split.x_train) / settings.batch_size)
    prepare_model(model, training, settings, steps)
    seed_everything((settings.seed + len(request.history)) % (MAX_SEED + 1))
    facts = RunFacts(
        settings=settings,
        data_source=request.dataset.source,
        train_samples=len(split.x_train),
        val_samples=len(split.x_val),
        test_samples=len(split.x_test),
        device=device_name(settings.backend),
        keras_version=keras_version(),
        command=request.command,
        jit_compile=bool(model.jit_compile),  # what Keras made of "auto"
        devices=request.placement.devices,
        distribution=request.placement.distribution,
    )
    keeper = EpochKeeper(folder, model, facts, watcher)
    plan = FitPlan(split, training, settings, steps, request.history, folder.file(BEST_MODEL_FILE))
    fitted = fit_epochs(model, plan, watcher, keeper.keep, request.stop_after)
    test = None if fitted.interrupted else evaluate(model, split, settings.batch_size)
    metrics = facts.metrics(
        fitted.history,
        test,
        interrupted=fitted.interrupted,
        finished=True,
        stopped_early=fitted.stopped_early,
    )
    history = tuple(fitted.history)
    outcome = RunOutcome(
        folder, realized, history, history_stats(history), metrics, fitted.interrupted
    )
    finish(outcome, watcher)
    return outcome


class EpochKeeper:
    """Keeps each finished epoch on disk: model, history, metrics, and now and then the plot."""

    def __init__(
        self, folder: RunFolder, model: KerasModel, facts: RunFacts, watcher: RunWatcher
    ) -> None:
        self.folder = folder
        self.model = model
        self.facts = facts
        self.watcher = watcher
        self._plot_due = Every(PLOT_EVERY_SECONDS)

    def keep(self, history: Sequence[EpochRecord]) -> None:
        """Save the state after the last epoch of ``history`` (all epochs so far)."""
        self.folder.write_with(MODEL_FILE, self.model.save)
        self.folder.save_history(history)
        if self._plot_due():
            save_plot(self.folder, history, self.facts.settings.spec, self.watcher)
        so_far = self.facts.metrics(history, None, interrupted=False, finished=False)
        self.folder.write_json(METRICS_FILE, so_far)


def finish(outcome: RunOutcome, watcher: RunWatcher) -> None:
    """The last history, plot, ``metrics.json`` and ``summary.txt`` of a run that has ended."""
    folder, history = outcome.folder, outcome.history
    title = str(outcome.metrics.get("spec", folder.path.name))
    folder.save_history(history)
    save_plot(folder, history, title, watcher)
    folder.write_json(METRICS_FILE, outcome.metrics)
    folder.write_text(SUMMARY_FILE, watcher.summary_text(outcome))


def save_plot(
    folder: RunFolder, history: Sequence[EpochRecord], title: str, watcher: RunWatcher
) -> None:
    folder.write_with(PLOT_FILE, lambda path: watcher.draw_history(history, path, title))


class Every:
    """True when called for the first time, then again once ``seconds`` have passed since."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last = -math.inf

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self._last < self.seconds:
            return False
        self._last = now
        return True


def _saved_trace(folder: RunFolder, network: Network) -> Trace:
    """The engine's trace of a run's saved spec; one edited into something impossible is refused."""
    try:
        return trace_network(network)
    except SpecError as error:
        raise RunError(
            f"{folder.file('spec.json')}: the run's saved spec is no longer valid ({error}); "
            "restore it, or start a new run"
        ) from None


def _require_saved_agreement(folder: RunFolder, realized: Realized) -> None:
    """A saved model that its saved spec no longer describes: the folder was edited, most likely."""
    if realized.check.agrees:
        return
    names = ", ".join(f"{row.name} ({row.type})" for row in realized.check.mismatches)
    raise RunError(
        f"{folder.file('spec.json')} no longer describes the run's {MODEL_FILE}"
        f"{' (' + names + ')' if names else ''}; was it edited after the run started? restore "
        "it, or start a new run"
    )


def _load_model(folder: RunFolder) -> KerasModel:
    where = folder.file(MODEL_FILE)
    try:
        return load_run_model(where)
    except Exception as error:  # any failure means the file cannot be used
        reason = " ".join(str(error).split())[:200]
        raise unreadable(where, reason) from None
