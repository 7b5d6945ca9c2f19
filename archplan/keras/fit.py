"""Compile and fit a realized model as the spec's training block says, one epoch at a time.

What happens to each finished epoch (saving it, plotting it) is the run lifecycle's business
(:mod:`archplan.runs.lifecycle`): the fit hands every completed epoch to a ``keep`` function and
knows nothing of folders. The first Ctrl-C stops after the current step; the epoch it cut short is
dropped, so what was kept is the last completed epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archplan.keras.distribute import Placement, placed
from archplan.keras.speed import jit_argument, precision
from archplan.keras.split import Split
from archplan.records.history import EpochRecord
from archplan.records.observer import TrainingObserver
from archplan.records.settings import RunSettings
from archplan.schema import Training

KerasModel = Any
"""A ``keras.Model``; Keras ships no type information."""


@contextmanager
def run_environment(settings: RunSettings) -> Iterator[Placement]:
    """The precision and devices a run's model is built (or loaded), compiled and fitted under.

    Both must be in place before the model exists: layers take the dtype policy, and variables
    their placement, when they are created.
    """
    with (
        precision(settings.mixed_precision),
        placed(settings.backend, settings.batch_size, distribute=settings.distribute) as placement,
    ):
        yield placement


def compile_model(
    model: KerasModel,
    training: Training,
    *,
    steps_per_epoch: int,
    epochs: int,
    jit_compile: bool | None = None,
) -> None:
    """The spec's optimizer (with its schedule, in steps), loss and metrics; XLA as asked.

    ``epochs`` is the run's length, which a schedule without a length of its own spans.
    """
    from archplan.keras.training_setup import build_loss, build_optimizer

    model.compile(
        optimizer=build_optimizer(training, steps_per_epoch, epochs),
        loss=build_loss(training),
        metrics=list(training.metrics),
        jit_compile=jit_argument(jit_compile),
    )


def prepare_model(
    model: KerasModel, training: Training, settings: RunSettings, steps_per_epoch: int
) -> None:
    """Compile a fresh model; a loaded one keeps its optimizer, and only XLA may be switched."""
    if not model.compiled:
        compile_model(
            model,
            training,
            steps_per_epoch=steps_per_epoch,
            epochs=settings.epochs,
            jit_compile=settings.jit_compile,
        )
    elif settings.jit_compile is not None:
        model.jit_compile = settings.jit_compile  # a resumed model: its functions are built anew


def seed_everything(seed: int) -> None:
    """Python's, numpy's and the backend's random generators, as ``keras.utils`` seeds them."""
    import keras

    keras.utils.set_random_seed(seed)


def keras_version() -> str:
    import keras

    return str(keras.__version__)


@dataclass(frozen=True)
class FitResult:
    """How ``model.fit`` ended: the history so far; whether Ctrl-C or early stopping ended it."""

    history: list[EpochRecord]
    interrupted: bool
    stopped_early: bool


@dataclass(frozen=True)
class FitPlan:
    """One call of ``model.fit``: the arrays, the run's length and batches, the past epochs."""

    split: Split
    training: Training
    settings: RunSettings
    steps_per_epoch: int
    history: tuple[EpochRecord, ...] = ()
    best_path: Path | None = None
    """Where ``checkpoint_best`` keeps the best epoch's model."""


def fit_epochs(
    model: KerasModel,
    plan: FitPlan,
    observer: TrainingObserver,
    keep: Callable[[Sequence[EpochRecord]], None],
    stop_after: Callable[[Sequence[EpochRecord]], bool] | None = None,
) -> FitResult:
    """``model.fit`` with archplan's callbacks and the spec's (early stopping, best epoch).

    After each completed epoch ``keep`` gets the history so far, before the observer hears of
    the epoch; ``stop_after`` may then end the run (a search pruning a hopeless trial), which
    counts as stopped early.
    """
    import keras

    from archplan.keras import callbacks
    from archplan.keras.training_setup import training_callbacks

    settings = plan.settings
    history = list(plan.history)
    interruption = callbacks.Interruption()
    progress = callbacks.ReportProgress(observer, settings.epochs, plan.steps_per_epoch)
    pruned = False

    def kept(record: EpochRecord) -> None:
        nonlocal pruned
        history.append(record)
        keep(history)
        progress.epoch_finished(record)
        if stop_after is not None and stop_after(history):
            pruned = True
            model.stop_training = True

    stopper = callbacks.StopOnInterrupt(interruption)
    steering = training_callbacks(
        plan.training,
        best_path=plan.best_path,
        history=plan.history,
        cut_short=lambda: interruption.requested,
    )
    hooks = [stopper, callbacks.EpochRecorder(interruption, kept), progress, *steering]
    if observer.wants_steps:
        hooks.append(callbacks.ReportSteps(observer))
    try:
        model.fit(
            plan.split.x_train,
            plan.split.y_train,
            validation_data=plan.split.validation,
            initial_epoch=len(plan.history),
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            shuffle=True,
            verbose=0,
            callbacks=hooks,
        )
    except KeyboardInterrupt:
        interruption.requested = True
    finally:
        stopper.on_train_end()
    stopped = pruned or any(
        isinstance(hook, keras.callbacks.EarlyStopping) and hook.stopped_epoch > 0
        for hook in steering
    )
    return FitResult(history, interruption.requested, stopped and not interruption.requested)


def evaluate(model: KerasModel, split: Split, batch_size: int) -> dict[str, float]:
    """Loss and metrics on the test set."""
    results: dict[str, float] = model.evaluate(
        split.x_test, split.y_test, batch_size=batch_size, verbose=0, return_dict=True
    )
    return results


def load_run_model(path: Path) -> KerasModel:
    """A saved model, compiled, with its optimizer's state; a ValueError-like failure says why.

    Load it under the run's precision (:func:`run_environment`): Keras wraps the optimizer of a
    mixed-precision model for loss scaling only while that policy is global, and would skip the
    saved optimizer state otherwise. Importing ``training_setup`` registers archplan's own
    learning-rate schedules with Keras.
    """
    import keras

    import archplan.keras.training_setup  # noqa: F401

    return keras.saving.load_model(path)
