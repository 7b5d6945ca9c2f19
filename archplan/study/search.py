"""``archplan plan --train``: the most accurate network within the budget, by training, on Optuna.

A study is a plan (its families, limits and training block), the training settings every trial
shares (data, epochs, limits, seed) and ``--trials N``, the trained trials it is to have across
every run and worker. It lives in an Optuna storage (default: ``OUT/study.db``): rerunning the
same command continues it, running only the trials still missing; several processes or machines
running the same command against one storage are the workers of one study.

A worker's life: check what can be checked before anything is loaded (the training block logs
validation accuracy, something fits the limits, the folder and the storage are usable, the study
there has the same settings), load the data once, then run trials until the study has its N
(:class:`~archplan.study.trial.TrialRunner`), and write the results from the storage.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from archplan.data import Dataset
from archplan.errors import ArchplanError
from archplan.files.reading import read_json
from archplan.files.writing import refuse_entries, refuse_target
from archplan.planner.planfile import Settings
from archplan.planner.refusal import nothing_fits
from archplan.planner.search import SearchResult, search
from archplan.planner.written import settings_data
from archplan.records.settings import Overrides
from archplan.records.trials import REJECTED, REPEAT, TRAINED, StudySummary
from archplan.runs.lifecycle import load_dataset
from archplan.study.results import (
    BEST_JSON,
    SEARCH_PNG,
    STUDY_JSON,
    TRIALS_CSV,
    StudyFacts,
    WrittenResults,
    reference_run,
    summary,
    write_results,
    write_study_file,
)
from archplan.study.sampling import PRUNERS, TrialSeededSampler
from archplan.study.storage import (
    STUDY_DB,
    StorageURL,
    default_storage,
    open_storage,
    parse_storage,
)
from archplan.study.trial import (
    RETRY_OF,
    ROLE,
    TRIALS_FOLDER,
    WORKER,
    SearchContext,
    StudyInterruptedError,
    StudyWatcher,
    SurplusTrialError,
    TrialRunner,
    TrialTimes,
    this_worker,
)

SETTINGS_ATTR = "archplan.settings"
"""The study's settings, kept in the storage by the worker that created it."""
MAX_IDLE_DRAWS = 200
"""Draws in a row that train nothing (rejected, repeats) after which a worker gives up: the
sampler keeps proposing what the limits refuse or what was trained already."""


@dataclass(frozen=True)
class StudyRequest:
    """What ``archplan plan --train`` asks for."""

    settings: Settings
    overrides: Overrides
    """The trials' training options, as ``realize --train`` takes them."""
    target: int
    out: Path
    study_name: str
    storage: str | None = None
    """An Optuna storage URL; None: ``OUT/study.db``."""
    pruner: str = "median"
    force: bool = False
    backend: str | None = None
    command: str = ""
    reference: Path | None = None
    inputs: tuple[Path, ...] = ()
    """The command's input files (the plan file): nothing the study writes replaces one."""

    @property
    def epochs(self) -> int:
        return self.overrides.epochs or self.settings.training.epochs


@dataclass(frozen=True)
class StudyOutcome:
    """How this worker's part ended, and the study as it stands."""

    summary: StudySummary
    written: WrittenResults
    out: Path
    interrupted: bool = False
    stopped: str | None = None
    """Why this worker stopped before the study had its trials, if it did."""
    times: tuple[TrialTimes, ...] = ()
    """This worker's trained trials, where their time went."""
    trained_here: int = 0


@dataclass
class _Progress:
    """The study's trials as this worker sees them between two trials."""

    holding: int = 0
    """Trials that count towards ``--trials``: trained, pruned, or training now."""
    networks: set[str] = field(default_factory=set)
    """The distinct networks trained or training."""


def run_study(request: StudyRequest, watcher: StudyWatcher) -> StudyOutcome:
    """Check, open or continue the study, load the data, run trials until it has its N, report."""
    settings = request.settings
    check_training_block(settings)
    reference = reference_run(request.reference) if request.reference is not None else None
    capacity = feasible_networks(settings)
    storage = parse_storage(request.storage or default_storage(request.out))
    prepare_folder(request, storage)
    with quiet_optuna():
        study = open_study(request, storage)
        write_study_file(request.out, study_record(request, storage))
        facts = StudyFacts(
            study=request.study_name,
            storage=storage.shown,
            target=request.target,
            epochs=request.epochs,
            limit=request.overrides.limit,
            test_limit=request.overrides.test_limit,
            pruner=request.pruner,
            reference=reference,
            capacity=capacity,
        )
        runner, interrupted, stopped = _run_trials(request, study, watcher, capacity)
        result = summary(study, settings, facts)
    written = write_results(request.out, result, settings, watcher.draw_search)
    return StudyOutcome(
        summary=result,
        written=written,
        out=request.out,
        interrupted=interrupted,
        stopped=stopped,
        times=tuple(runner.times) if runner else (),
        trained_here=len(runner.times) if runner else 0,
    )


def _run_trials(
    request: StudyRequest, study: optuna.Study, watcher: StudyWatcher, capacity: int | None
) -> tuple[TrialRunner | None, bool, str | None]:
    """This worker's trials, until the study has its N; whether Ctrl-C stopped it; why it
    stopped early otherwise."""
    progress = _progress(study)
    if progress.holding >= request.target:
        return None, False, None
    dataset = load_dataset(
        request.overrides.data, request.overrides.limit, request.overrides.test_limit
    )
    runner = TrialRunner(_context(request, dataset, watcher))
    idle = 0
    try:
        while True:
            fail_dead_local_trials(study)
            progress = _progress(study)
            if progress.holding >= request.target:
                return runner, False, None
            if capacity is not None and len(progress.networks) >= capacity:
                return (
                    runner,
                    False,
                    (f"every one of the {capacity:,} networks within the limits has been trained"),
                )
            if idle >= MAX_IDLE_DRAWS:
                return (
                    runner,
                    False,
                    (
                        f"the sampler drew {idle} points in a row that the limits reject or that "
                        "were trained already; widen the limits or the families' choices"
                    ),
                )
            trained_before, started = len(runner.times), time.perf_counter()
            study.optimize(runner, n_trials=1, catch=(SurplusTrialError,), gc_after_trial=False)
            if len(runner.times) > trained_before:
                runner.times[-1].total = time.perf_counter() - started
            idle = idle + 1 if runner.last_role in (REJECTED, REPEAT) else 0
    except (StudyInterruptedError, KeyboardInterrupt):
        _retry_interrupted(study, runner.current)
        return runner, True, None


def _context(request: StudyRequest, dataset: Dataset, watcher: StudyWatcher) -> SearchContext:
    overrides = request.overrides
    return SearchContext(
        settings=request.settings,
        overrides=Overrides(
            data=overrides.data,
            epochs=request.epochs,
            batch_size=overrides.batch_size,
            limit=overrides.limit,
            test_limit=overrides.test_limit,
            seed=request.settings.seed,
            jit_compile=overrides.jit_compile,
            mixed_precision=overrides.mixed_precision,
        ),
        epochs=request.epochs,
        target=request.target,
        dataset=dataset,
        out=request.out,
        watcher=watcher,
        backend=request.backend,
        command=request.command,
    )


# Before anything is loaded.


def check_training_block(settings: Settings) -> None:
    """Trials are ranked by validation accuracy: the training block must log it."""
    training = settings.training
    if training.validation_split <= 0:
        raise ArchplanError(
            "plan --train ranks trials by validation accuracy, and the plan's training block "
            "holds no validation data; set training.validation_split above 0 (e.g. 0.1)"
        )
    if "accuracy" not in training.metrics:
        raise ArchplanError(
            "plan --train ranks trials by validation accuracy; add 'accuracy' to the plan's "
            "training.metrics"
        )


def feasible_networks(settings: Settings) -> int | None:
    """The networks within the limits when every family's space was walked whole (None when a
    space was only sampled: more may fit); refuses a plan that nothing fits, as ``plan`` does."""
    found: SearchResult = search(settings)
    if not found.ranked:
        raise ArchplanError(nothing_fits(found))
    return len(found.ranked) if all(family.walked for family in found.families) else None


def prepare_folder(request: StudyRequest, storage: StorageURL) -> None:
    """``--out-dir``: a new folder, one that holds this study, or (with ``--force``) any folder;
    created now when the storage is a file (it may be in it), else once the database answers."""
    out = request.out
    if out.exists() and not out.is_dir():
        raise ArchplanError(f"{out}: is a file; --out-dir names a folder for the study's files")
    own = [STUDY_JSON, STUDY_DB, BEST_JSON, TRIALS_CSV, SEARCH_PNG]
    refuse_entries(out, own, inputs=request.inputs)
    if storage.journal is not None and storage.journal.exists():
        refuse_target(storage.journal, inputs=request.inputs)
    if (out / TRIALS_FOLDER).exists() and not (out / TRIALS_FOLDER).is_dir():
        raise ArchplanError(f"{out / TRIALS_FOLDER}: is a file; the study keeps its trials there")
    marker = out / STUDY_JSON
    if marker.is_file():
        held = _read_json(marker)
        if (held.get("study"), held.get("storage")) != (request.study_name, storage.shown):
            raise ArchplanError(
                f"{out}: holds the study {held.get('study')!r} of {held.get('storage')}, not "
                f"{request.study_name!r} of {storage.shown}; choose another --out-dir"
            )
    elif out.is_dir() and not _only_study_files(out, storage) and not request.force:
        raise ArchplanError(
            f"{out}: already holds files that are not a study's; choose another --out-dir, or pass "
            "--force to add the study's files to it"
        )
    if storage.is_file:
        create_folder(out)


def _only_study_files(out: Path, storage: StorageURL) -> bool:
    """Whether ``out`` holds nothing but a study's own files (another worker may be creating
    them at this moment, before its ``study.json``), or nothing at all."""
    own = {STUDY_JSON, STUDY_DB, TRIALS_FOLDER, BEST_JSON, TRIALS_CSV, SEARCH_PNG}
    journal = storage.journal.name if storage.journal is not None else None
    return all(
        entry.name in own
        or entry.name.startswith(".")
        or (journal is not None and entry.name.startswith(journal))
        for entry in out.iterdir()
    )


def create_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ArchplanError(f"{out}: cannot be created ({error.strerror})") from None


def _read_json(path: Path) -> dict[str, Any]:
    data = read_json(path, kind="study record", allow_nan=True)
    return data if isinstance(data, dict) else {}


# The study in its storage.


def open_study(request: StudyRequest, storage: StorageURL) -> optuna.Study:
    """The study of that name in the storage, created if new; one with other settings is refused."""
    opened = open_storage(storage, retry_stale)
    create_folder(request.out)
    study = optuna.create_study(
        storage=opened,
        study_name=request.study_name,
        direction="maximize",
        sampler=TrialSeededSampler(request.settings.seed),
        pruner=PRUNERS[request.pruner](),
        load_if_exists=True,
    )
    wanted = settings_record(request)
    held = study.user_attrs.get(SETTINGS_ATTR)
    if held is None:
        study.set_user_attr(SETTINGS_ATTR, wanted)
    elif held != wanted:
        raise ArchplanError(
            f"--storage {storage.shown}: the study {request.study_name!r} there was started "
            f"with other settings ({_differences(held, wanted)}); rerun it with its own, or "
            "name a new study with --study"
        )
    return study


def settings_record(request: StudyRequest) -> dict[str, Any]:
    """What makes two runs the same study: the plan and the trials' training, as JSON data."""
    plan = settings_data(request.settings)
    for key in ("objective", "top", "samples", "description"):
        plan.pop(key, None)
    record = {
        "plan": plan,
        "epochs": request.epochs,
        "limit": request.overrides.limit,
        "test_limit": request.overrides.test_limit,
        "pruner": request.pruner,
    }
    loaded: dict[str, Any] = json.loads(json.dumps(record))
    return loaded


def _differences(held: dict[str, Any], wanted: dict[str, Any]) -> str:
    """``epochs 2, now 3; plan.constraints``: what differs, briefly."""
    parts: list[str] = []
    for key in dict.fromkeys([*held, *wanted]):
        was, now = held.get(key), wanted.get(key)
        if was == now:
            continue
        if isinstance(was, dict) and isinstance(now, dict):
            inner = [k for k in dict.fromkeys([*was, *now]) if was.get(k) != now.get(k)]
            parts.extend(f"{key}.{k}" for k in inner)
        else:
            parts.append(f"{key} {json.dumps(was)}, now {json.dumps(now)}")
    return "; ".join(parts)


def study_record(request: StudyRequest, storage: StorageURL) -> dict[str, Any]:
    """``study.json``: which study the folder holds, where, and with which settings."""
    return {
        "study": request.study_name,
        "storage": storage.shown,
        "trials": request.target,
        "settings": settings_record(request),
    }


def _progress(study: optuna.Study) -> _Progress:
    progress = _Progress()
    for trial in study.get_trials(deepcopy=False):
        if trial.user_attrs.get(ROLE) == TRAINED and trial.state in (
            TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED
        ):  # fmt: skip
            progress.holding += 1
            progress.networks.add(str(trial.user_attrs.get("name")))
    return progress


# Trials whose worker is gone.


def retry_stale(study: optuna.Study, trial: FrozenTrial) -> None:
    """A trial failed because its worker stopped: its point is drawn again by the next trial."""
    if trial.user_attrs.get(ROLE) == TRAINED and trial.params:
        study.enqueue_trial(trial.params, user_attrs={RETRY_OF: trial.number})


def _retry_interrupted(study: optuna.Study, number: int | None) -> None:
    if number is None:
        return
    trial = study.get_trials(deepcopy=False)[number]
    if trial.state is TrialState.FAIL:
        retry_stale(study, trial)


def fail_dead_local_trials(study: optuna.Study) -> None:
    """Fail the running trials of workers on this machine that no longer run (killed, or their
    machine restarted), and draw their points again; a database's heartbeat does the same for
    workers elsewhere."""
    host, _ = this_worker().rsplit(":", 1)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = str(trial.user_attrs.get(WORKER, ""))
        if worker.rsplit(":", 1)[0] != host or _alive(worker):
            continue
        with contextlib.suppress(RuntimeError, ValueError):  # another worker failed it first
            study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
            retry_stale(study, trial)


def _alive(worker: str) -> bool:
    """Whether the process ``host:pid`` (on this host) still runs; this process's own trials
    are never running between two trials."""
    pid = int(worker.rsplit(":", 1)[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's own log lines (each trial's result, a failed trial's traceback) stay out of
    archplan's output, which says the same in its own words."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)
