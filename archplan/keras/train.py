"""Fit a spec's model on CIFAR-10 as its ``training`` block says, keeping a resumable run folder.

The data are prepared once per run: pixels scaled to float32 (``x · scale + offset``), the training
set shuffled with the run's seed before its tail becomes the validation set (Keras' own
``validation_split`` takes the tail unshuffled, and CIFAR-10 image folders are sorted by class).
``model.fit`` gets these arrays as they are, as plain Keras code would: no epoch copies or
re-scales them (Keras gathers each shuffled batch, nothing more).
"""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np

from archplan import __version__
from archplan.data import Dataset, load_cifar10
from archplan.data.dataset import CIFAR10_CLASSES, IMAGE_SHAPE
from archplan.errors import RunError
from archplan.keras.backend import device_name
from archplan.keras.distribute import Placement, placed
from archplan.keras.history import EpochRecord, HistoryStats, finite, history_stats
from archplan.keras.observer import TrainingObserver
from archplan.keras.runs import METRICS_FILE, RunFolder, RunSettings
from archplan.keras.speed import jit_argument, precision
from archplan.layers.args import Shape
from archplan.spec import Network, Training
from archplan.spec.training import Rescale

DEFAULT_SEED = 0
"""The seed when neither ``--seed`` nor the spec gives one: runs are reproducible by default."""

PLOT_EVERY_SECONDS = 30.0
"""How often, at most, ``history.png`` is redrawn after an epoch (it always is when a run ends).

Drawing it takes about half a second: next to a GPU's few-second epochs that would be a cost
plain Keras does not pay, while the history files themselves are written after every epoch.
"""


@dataclass(frozen=True)
class Overrides:
    """Command-line settings that take precedence over the spec's training block."""

    data: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    limit: int | None = None
    test_limit: int | None = None
    seed: int | None = None
    jit_compile: bool | None = None
    mixed_precision: bool | None = None
    distribute: bool | None = None


def training_block(network: Network) -> Training:
    """The spec's training settings, or Keras' defaults when it has none."""
    return network.training or Training()


def new_settings(network: Network, overrides: Overrides, backend: str) -> RunSettings:
    training = training_block(network)
    seed = next(s for s in (overrides.seed, training.seed, DEFAULT_SEED) if s is not None)
    return RunSettings(
        spec=network.name or "network",
        data=overrides.data,
        limit=overrides.limit,
        test_limit=overrides.test_limit,
        seed=seed,
        epochs=overrides.epochs or training.epochs,
        batch_size=overrides.batch_size or training.batch_size,
        backend=backend,
        jit_compile=overrides.jit_compile,
        mixed_precision=bool(overrides.mixed_precision),
        distribute=bool(overrides.distribute),
    )


def resumed_settings(saved: RunSettings, overrides: Overrides, backend: str) -> RunSettings:
    """A resumed run keeps its data, limits and seed, hence its split; it may train longer.

    It keeps its precision too (the saved layers carry their dtype policies) and, unless told
    otherwise, its XLA setting and distribution, which change how it computes, not what.
    """
    fixed = {"data": overrides.data, "limit": overrides.limit,
             "test_limit": overrides.test_limit, "seed": overrides.seed}  # fmt: skip
    changed = [name for name, value in fixed.items() if value not in (None, getattr(saved, name))]
    if changed:
        options = ", ".join("--" + name.replace("_", "-") for name in changed)
        raise RunError(
            f"--resume continues a run with its own data, limits and seed; drop {options}"
        )
    if overrides.mixed_precision not in (None, saved.mixed_precision):
        raise RunError(
            "--resume continues a run in the precision it was started with (its saved layers "
            "keep float32 policies); drop --mixed-precision, or start a new run with it"
        )
    return replace(
        saved,
        backend=backend,
        epochs=overrides.epochs or saved.epochs,
        batch_size=overrides.batch_size or saved.batch_size,
        jit_compile=saved.jit_compile if overrides.jit_compile is None else overrides.jit_compile,
        distribute=saved.distribute if overrides.distribute is None else overrides.distribute,
    )


def check_epochs_left(folder: RunFolder, done: int, epochs: int) -> None:
    """Refuse to resume a run that has already trained the epochs asked for."""
    if done >= epochs:
        raise RunError(
            f"{folder.path} already has {done} epochs; pass --epochs N with N > {done} to train on"
        )


def check_not_stopped_early(folder: RunFolder, training: Training) -> None:
    """Refuse to resume a run that early stopping ended: it has trained as long as it was to."""
    metrics = folder.read_metrics()
    if not metrics.get("stopped_early"):
        return
    stopping = training.early_stopping
    why = f"{stopping.monitor} stopped improving (patience {stopping.patience})" if stopping else ""
    raise RunError(
        f"{folder.path} stopped early after epoch {metrics.get('epochs')} of "
        f"{metrics.get('epochs_planned')}{': ' + why if why else ''}, so its training is over; "
        "start a new run to train further (e.g. with a larger training.early_stopping.patience)"
    )


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


def check_fits_cifar10(input_shape: Shape, output_shape: Shape) -> None:
    """Refuse, before loading any data, a network that cannot take CIFAR-10's images or labels."""
    if tuple(input_shape) != IMAGE_SHAPE:
        raise RunError(
            f"CIFAR-10 images are {IMAGE_SHAPE} but the spec's input is {tuple(input_shape)}; "
            "set input.shape to [32, 32, 3]"
        )
    classes = len(CIFAR10_CLASSES)
    if tuple(output_shape) != (classes,):
        raise RunError(
            f"CIFAR-10 has {classes} classes but the network's output is {tuple(output_shape)}; "
            f"end it with Flatten (or global pooling) and a Dense layer of {classes} units"
        )


@dataclass(frozen=True)
class Split:
    """The arrays a run fits and evaluates on, scaled and label-encoded; validation may be empty."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def validation(self) -> tuple[np.ndarray, np.ndarray] | None:
        return (self.x_val, self.y_val) if len(self.x_val) else None

    def evened(self, multiple: int) -> Split:
        """Each set cut to a multiple of ``multiple`` images: fewer than that go from its tail.

        Distributed training needs every batch, the last one too, to split equally across the
        devices; with a global batch divisible by the device count, sets of such sizes do.
        """
        if multiple == 1:
            return self
        parts = {f.name: getattr(self, f.name) for f in fields(self)}
        evened = {name: part[: len(part) - len(part) % multiple] for name, part in parts.items()}
        sets = {"x_train": "training", "x_val": "validation", "x_test": "test"}
        emptied = [sets[name] for name in sets if len(parts[name]) and not len(evened[name])]
        if emptied:
            have = "sets have" if len(emptied) > 1 else "set has"
            raise RunError(
                f"the {' and '.join(emptied)} {have} fewer images than the {multiple} devices "
                "that share each batch; use more images (--limit, --test-limit)"
            )
        return Split(**evened)


def prepare_split(dataset: Dataset, training: Training, seed: int) -> Split:
    """Scale and encode once; shuffle the training set with ``seed``; its tail validates."""
    classes = len(dataset.class_names)
    order = np.random.default_rng(seed).permutation(len(dataset.x_train))
    x = scaled(dataset.x_train[order], training.rescale)
    y = encoded(dataset.y_train[order], training.loss, classes)
    cut = validation_cut(len(x), training.validation_split)
    return Split(
        x_train=x[:cut],
        y_train=y[:cut],
        x_val=x[cut:],
        y_val=y[cut:],
        x_test=scaled(dataset.x_test, training.rescale),
        y_test=encoded(dataset.y_test, training.loss, classes),
    )


def scaled(images: np.ndarray, rescale: Rescale) -> np.ndarray:
    """``images · scale + offset`` as float32, computed in place on one copy."""
    values = images.astype(np.float32)
    values *= np.float32(rescale.scale)
    values += np.float32(rescale.offset)
    return values


def encoded(labels: np.ndarray, loss: str, classes: int) -> np.ndarray:
    """One-hot rows for ``categorical_crossentropy``, the integers for the sparse loss."""
    if loss == "sparse_categorical_crossentropy":
        return labels
    return np.asarray(np.eye(classes, dtype=np.float32)[labels])


def validation_cut(samples: int, fraction: float) -> int:
    """Where validation starts, as Keras computes it: ``⌊N · (1 − fraction)⌋``."""
    if fraction == 0:
        return samples
    cut = math.floor(samples * (1.0 - fraction))
    if cut in (0, samples):
        raise RunError(
            f"validation_split {fraction} of {samples} training images leaves "
            f"{'no training' if cut == 0 else 'no validation'} images; use more images (--limit) "
            "or another validation_split"
        )
    return cut


def compile_model(
    model: Any,
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


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: its history, its metrics (``metrics.json``), whether it was stopped."""

    folder: RunFolder
    history: tuple[EpochRecord, ...]
    stats: HistoryStats
    metrics: dict[str, Any]
    interrupted: bool


@dataclass(frozen=True)
class RunRequest:
    """What a run needs: a compiled or fresh model, its spec, settings, folder and past epochs.

    ``placement`` is what :func:`run_environment` yielded for the model; ``dataset``, data already
    loaded from ``settings.data`` (a benchmark's), spares loading it again.
    """

    model: Any
    network: Network
    settings: RunSettings
    folder: RunFolder
    history: tuple[EpochRecord, ...] = ()
    command: str = ""
    placement: Placement = field(default_factory=Placement)
    dataset: Dataset | None = None


@dataclass(frozen=True)
class FitResult:
    """How ``model.fit`` ended: the history so far; whether Ctrl-C or early stopping ended it."""

    history: list[EpochRecord]
    interrupted: bool
    stopped_early: bool


def train_run(request: RunRequest, observer: TrainingObserver) -> RunOutcome:
    """Load the data, fit from the next epoch on, save after every epoch, evaluate on the test set.

    The first Ctrl-C (or a KeyboardInterrupt) stops after the current step; the epoch it cut short
    is dropped, so the folder holds the model and history of the last completed epoch.
    """
    import keras

    settings, folder, model = request.settings, request.folder, request.model
    training = training_block(request.network)
    check_epochs_left(folder, len(request.history), settings.epochs)
    if request.history:
        check_not_stopped_early(folder, training)
    dataset = request.dataset or load_cifar10(
        settings.data, limit=settings.limit, test_limit=settings.test_limit
    )
    split = prepare_split(dataset, training, settings.seed)
    split = split.evened(request.placement.shard_multiple)
    steps = math.ceil(len(split.x_train) / settings.batch_size)
    if not model.compiled:
        compile_model(
            model,
            training,
            steps_per_epoch=steps,
            epochs=settings.epochs,
            jit_compile=settings.jit_compile,
        )
    elif settings.jit_compile is not None:
        model.jit_compile = settings.jit_compile  # a resumed model: its functions are built anew
    keras.utils.set_random_seed(settings.seed + len(request.history))
    facts = RunFacts.gather(request, dataset, split)
    fitted = _fit_saving_each_epoch(request, split, steps, facts, observer)
    test = None
    if not fitted.interrupted:
        test = model.evaluate(
            split.x_test, split.y_test, batch_size=settings.batch_size, verbose=0, return_dict=True
        )
    metrics = facts.metrics(
        fitted.history,
        test,
        interrupted=fitted.interrupted,
        finished=True,
        stopped_early=fitted.stopped_early,
    )
    folder.save_history(fitted.history, title=settings.spec)
    folder.write_json(METRICS_FILE, metrics)
    history = tuple(fitted.history)
    return RunOutcome(folder, history, history_stats(history), metrics, fitted.interrupted)


def _fit_saving_each_epoch(
    request: RunRequest,
    split: Split,
    steps: int,
    facts: RunFacts,
    observer: TrainingObserver,
) -> FitResult:
    """``model.fit`` with the run's callbacks and the spec's (early stopping, best epoch);
    ``steps``: batches per epoch, for the progress report."""
    import keras

    from archplan.keras import callbacks
    from archplan.keras.training_setup import BEST_MODEL_FILE, training_callbacks

    settings, folder, model = request.settings, request.folder, request.model
    history = list(request.history)
    interruption = callbacks.Interruption()
    progress = callbacks.ReportProgress(observer, settings.epochs, steps)

    plot_due = Every(PLOT_EVERY_SECONDS)

    def keep(record: EpochRecord) -> None:
        history.append(record)
        folder.save_model(model)
        folder.save_history(history, title=settings.spec, plot=plot_due())
        so_far = facts.metrics(history, None, interrupted=False, finished=False)
        folder.write_json(METRICS_FILE, so_far)
        progress.epoch_finished(record)

    stopper = callbacks.StopOnInterrupt(interruption)
    steering = training_callbacks(
        training_block(request.network),
        best_path=folder.file(BEST_MODEL_FILE),
        history=request.history,
        cut_short=lambda: interruption.requested,
    )
    hooks = [stopper, callbacks.EpochRecorder(interruption, keep), progress, *steering]
    if observer.wants_steps:
        hooks.append(callbacks.ReportSteps(observer))
    try:
        model.fit(
            split.x_train,
            split.y_train,
            validation_data=split.validation,
            initial_epoch=len(request.history),
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
    stopped = any(
        isinstance(hook, keras.callbacks.EarlyStopping) and hook.stopped_epoch > 0
        for hook in steering
    )
    return FitResult(history, interruption.requested, stopped and not interruption.requested)


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


@dataclass(frozen=True)
class RunFacts:
    """What ``metrics.json`` says besides the history: the data, the machine, the command."""

    settings: RunSettings
    data_source: str
    train_samples: int
    val_samples: int
    test_samples: int
    device: str
    keras_version: str
    command: str
    jit_compile: bool
    placement: Placement

    @classmethod
    def gather(cls, request: RunRequest, dataset: Dataset, split: Split) -> RunFacts:
        import keras

        return cls(
            settings=request.settings,
            data_source=dataset.source,
            train_samples=len(split.x_train),
            val_samples=len(split.x_val),
            test_samples=len(split.x_test),
            device=device_name(request.settings.backend),
            keras_version=keras.__version__,
            command=request.command,
            jit_compile=bool(request.model.jit_compile),  # what Keras made of "auto"
            placement=request.placement,
        )

    def metrics(
        self,
        history: Sequence[EpochRecord],
        test: dict[str, float] | None,
        *,
        interrupted: bool,
        finished: bool,
        stopped_early: bool = False,
    ) -> dict[str, Any]:
        stats = history_stats(history)
        seconds = stats.train_seconds
        speed = round(self.train_samples * stats.epochs / seconds, 1) if seconds else None
        ended = stopped_early or stats.epochs == self.settings.epochs
        return {
            "spec": self.settings.spec,
            "completed": finished and not interrupted and ended,
            "interrupted": interrupted,
            "stopped_early": stopped_early,
            "test_loss": _metric(test, "loss"),
            "test_accuracy": _metric(test, "accuracy"),
            "train_samples": self.train_samples,
            "val_samples": self.val_samples,
            "test_samples": self.test_samples,
            "epochs": stats.epochs,
            "epochs_planned": self.settings.epochs,
            "batch_size": self.settings.batch_size,
            "train_seconds": stats.train_seconds,
            "images_per_second": speed,
            "best_val_epoch": stats.best_val_epoch,
            "best_val_accuracy": stats.best_val_accuracy,
            "final_accuracy": stats.final_accuracy,
            "final_val_accuracy": stats.final_val_accuracy,
            "train_val_gap": stats.final_gap,
            "backend": self.settings.backend,
            "device": self.device,
            "devices": self.placement.devices,
            "distribution": self.placement.distribution,
            "jit_compile": self.jit_compile,
            "mixed_precision": self.settings.mixed_precision,
            "keras_version": self.keras_version,
            "archplan_version": __version__,
            "python": platform.python_version(),
            "seed": self.settings.seed,
            "data": self.data_source,
            "command": self.command,
            "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }


def _metric(results: dict[str, float] | None, name: str) -> float | None:
    return finite(results.get(name)) if results else None
