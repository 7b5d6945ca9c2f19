"""The Keras objects a spec's training block stands for: optimizer and schedule, loss, callbacks.

Lengths given in epochs become optimizer steps here, where the batches per epoch are known. The
optimizer counts steps from 0 (its ``iterations`` before each update), so epoch ``e`` (from 0)
covers steps ``e · steps_per_epoch`` to ``(e + 1) · steps_per_epoch − 1``.

This module subclasses Keras classes at import, so it imports Keras: import it only after
:func:`archplan.keras.backend.load_keras` has chosen the backend. Importing it registers
:class:`OneCycle` with Keras, which ``keras.saving.load_model`` needs for a model saved with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras

from archplan.files.writing import write_file
from archplan.records.history import EpochRecord, finite
from archplan.schema.schedules import (
    CosineDecay,
    ExponentialDecay,
    OneCycle,
    PiecewiseConstantDecay,
    Schedule,
)
from archplan.schema.training import Monitor, Training, monitor_mode


def build_optimizer(
    training: Training, steps_per_epoch: int, epochs: int | None = None
) -> keras.optimizers.Optimizer:
    """Keras' optimizer named by the spec, with its arguments and its rate or schedule.

    ``epochs`` is the run's length (``--epochs`` may override the spec's): schedules without a
    length of their own last the whole run.
    """
    spec = training.optimizer
    run_steps = steps_per_epoch * (epochs or training.epochs)
    arguments = spec.model_dump(exclude={"type", "learning_rate"}, exclude_none=True)
    rate = learning_rate(spec.learning_rate, steps_per_epoch, run_steps)
    return getattr(keras.optimizers, spec.type)(learning_rate=rate, **arguments)


def learning_rate(
    rate: float | Schedule, steps_per_epoch: int, run_steps: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """A constant rate as it is; a schedule as the Keras schedule it names, lengths in steps."""
    if isinstance(rate, CosineDecay):
        return cosine_decay(rate, steps_per_epoch, run_steps)
    if isinstance(rate, ExponentialDecay):
        return exponential_decay(rate, steps_per_epoch)
    if isinstance(rate, PiecewiseConstantDecay):
        return piecewise_constant_decay(rate, steps_per_epoch)
    if isinstance(rate, OneCycle):
        return one_cycle(rate, steps_per_epoch, run_steps)
    return rate


def in_steps(steps: int | None, epochs: float | None, steps_per_epoch: int) -> int | None:
    """A length given in steps, or in epochs rounded to steps (at least one); None if neither."""
    if steps:
        return steps
    if epochs:
        return max(1, round(epochs * steps_per_epoch))
    return None


def cosine_decay(
    spec: CosineDecay, steps_per_epoch: int, run_steps: int
) -> keras.optimizers.schedules.CosineDecay:
    """Keras' CosineDecay; without a decay length it decays over what the warm-up leaves."""
    warmup = in_steps(spec.warmup_steps, spec.warmup_epochs, steps_per_epoch) or 0
    decay = in_steps(spec.decay_steps, spec.decay_epochs, steps_per_epoch)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=spec.initial_learning_rate,
        decay_steps=decay or max(1, run_steps - warmup),
        alpha=spec.alpha,
        warmup_target=spec.warmup_target,
        warmup_steps=warmup,
    )


def exponential_decay(
    spec: ExponentialDecay, steps_per_epoch: int
) -> keras.optimizers.schedules.ExponentialDecay:
    return keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate=spec.initial_learning_rate,
        decay_steps=in_steps(spec.decay_steps, spec.decay_epochs, steps_per_epoch),
        decay_rate=spec.decay_rate,
        staircase=spec.staircase,
    )


def piecewise_constant_decay(
    spec: PiecewiseConstantDecay, steps_per_epoch: int
) -> keras.optimizers.schedules.PiecewiseConstantDecay:
    """Keras' PiecewiseConstantDecay; an epoch boundary ``e`` becomes the last step before it.

    Keras keeps ``values[i]`` while the step is ≤ ``boundaries[i]``, so the step before epoch
    ``e`` begins (``e · steps_per_epoch − 1``) is the last one at the earlier rate.
    """
    if spec.boundaries is not None:
        boundaries = list(spec.boundaries)
    else:
        boundaries = [epoch * steps_per_epoch - 1 for epoch in spec.boundaries_epochs or ()]
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        boundaries=boundaries, values=list(spec.values)
    )


def one_cycle(spec: OneCycle, steps_per_epoch: int, run_steps: int) -> OneCycleSchedule:
    """The cycle over its own length or the run's; the peak at the nearest whole step."""
    total = in_steps(spec.total_steps, spec.total_epochs, steps_per_epoch) or max(1, run_steps)
    return OneCycleSchedule(
        max_learning_rate=spec.max_learning_rate,
        total_steps=total,
        warmup_steps=min(round(spec.warmup_fraction * total), total - 1),
        start_factor=spec.start_factor,
        end_factor=spec.end_factor,
    )


@keras.saving.register_keras_serializable(package="archplan", name="OneCycle")
class OneCycleSchedule(keras.optimizers.schedules.LearningRateSchedule):  # type: ignore[misc]
    """A one-cycle rate: linear climb, then linear descent, then constant (Keras has none).

    From ``max · start_factor`` at step 0 the rate climbs to ``max`` at ``warmup_steps``, falls to
    ``max · end_factor`` at ``total_steps`` and stays there. Serializable, so a model saved with it
    loads back (with this module imported).
    """

    def __init__(
        self,
        max_learning_rate: float,
        total_steps: int,
        warmup_steps: int,
        start_factor: float = 0.04,
        end_factor: float = 4e-6,
        name: str = "OneCycle",
    ) -> None:
        super().__init__()
        if not 0 <= warmup_steps < total_steps:
            raise ValueError(
                "OneCycle needs 0 <= warmup_steps < total_steps; "
                f"received warmup_steps={warmup_steps}, total_steps={total_steps}"
            )
        self.max_learning_rate = max_learning_rate
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.name = name

    def __call__(self, step: Any) -> Any:
        ops = keras.ops
        with keras.name_scope(self.name):
            step = ops.cast(step, "float32")
            peak, top = float(self.warmup_steps), self.max_learning_rate
            start, end = top * self.start_factor, top * self.end_factor
            climbed = ops.clip(step / max(peak, 1.0), 0.0, 1.0)
            fallen = ops.clip((step - peak) / (self.total_steps - peak), 0.0, 1.0)
            rising = start + (top - start) * climbed
            falling = top + (end - top) * fallen
            return ops.where(step < peak, rising, falling)

    def get_config(self) -> dict[str, Any]:
        return {
            "max_learning_rate": self.max_learning_rate,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
            "start_factor": self.start_factor,
            "end_factor": self.end_factor,
            "name": self.name,
        }


def build_loss(training: Training) -> keras.losses.Loss:
    """The spec's loss as a Keras loss object, so label smoothing can reach it."""
    if training.loss == "sparse_categorical_crossentropy":
        return keras.losses.SparseCategoricalCrossentropy()  # no label smoothing (validated)
    return keras.losses.CategoricalCrossentropy(label_smoothing=training.label_smoothing)


def _never() -> bool:
    return False


def training_callbacks(
    training: Training,
    *,
    best_path: Path | None = None,
    history: Sequence[EpochRecord] = (),
    cut_short: Callable[[], bool] = _never,
) -> list[keras.callbacks.Callback]:
    """Early stopping and best-epoch keeping, as the spec asks; none when it asks for neither.

    ``best_path`` is where ``checkpoint_best`` saves each new best model; ``history`` (a resumed
    run's past epochs) gives the best to beat; ``cut_short`` says an epoch was interrupted, so
    its partial metrics cannot become the best.
    """
    hooks: list[keras.callbacks.Callback] = []
    keeper = training.checkpoint_best
    if keeper is not None:
        hooks.append(
            BestCheckpoint(
                keeper.monitor,
                path=best_path,
                best_so_far=best_value(history, keeper.monitor),
                cut_short=cut_short,
            )
        )
    stopping = training.early_stopping
    if stopping is not None:
        hooks.append(
            keras.callbacks.EarlyStopping(
                monitor=stopping.monitor,
                min_delta=stopping.min_delta,
                patience=stopping.patience,
                mode=monitor_mode(stopping.monitor),
                # checkpoint_best restores the same metric's best itself (validated): once is enough
                restore_best_weights=stopping.restore_best_weights and keeper is None,
                start_from_epoch=stopping.start_from_epoch,
            )
        )
    return hooks


def best_value(history: Sequence[EpochRecord], monitor: Monitor) -> float | None:
    """The best ``monitor`` value in the epochs so far (lowest loss, highest accuracy)."""
    values: list[float] = [getattr(record, monitor) for record in history]
    values = [value for value in values if value is not None]
    if not values:
        return None
    return max(values) if monitor_mode(monitor) == "max" else min(values)


class BestCheckpoint(keras.callbacks.Callback):  # type: ignore[misc]
    """Keeps the best epoch's weights by ``monitor``, saves each new best, restores it at the end.

    The model then leaves ``fit`` with its best epoch's weights, so what is evaluated next is the
    best epoch; the run's ``model.keras``, saved by the trainer after each epoch, stays the last
    epoch's, so ``--resume`` continues from where training stopped. If a resumed run never beats
    ``best_so_far``, the weights come back from ``path``, where the earlier best was saved.
    """

    def __init__(
        self,
        monitor: Monitor,
        *,
        path: Path | None = None,
        best_so_far: float | None = None,
        cut_short: Callable[[], bool] = _never,
    ) -> None:
        super().__init__()
        self.monitor = monitor
        self.path = path
        self.best = best_so_far
        self.cut_short = cut_short
        self.best_epoch: int | None = None
        """The best epoch of this ``fit``, counted from 1 as the history counts; None if none."""
        self._best_weights: list[Any] | None = None

    def improves(self, value: float) -> bool:
        if self.best is None:
            return True
        return value > self.best if monitor_mode(self.monitor) == "max" else value < self.best

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        value = finite((logs or {}).get(self.monitor))
        if value is None or self.cut_short() or not self.improves(value):
            return
        self.best, self.best_epoch = value, epoch + 1
        self._best_weights = self.model.get_weights()
        if self.path is not None:
            write_file(self.path, self.model.save)

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self._best_weights is not None:
            self.model.set_weights(self._best_weights)
        elif self.best is not None and self.path is not None and self.path.exists():
            saved = keras.saving.load_model(self.path, compile=False)
            self.model.set_weights(saved.get_weights())
