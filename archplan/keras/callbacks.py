"""The Keras callbacks of a training run: progress, per-epoch records, and a clean Ctrl-C.

This module subclasses ``keras.callbacks.Callback`` at import, so it imports Keras: import it only
after :func:`archplan.keras.backend.load_keras` has chosen the backend.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

import keras

from archplan.records.history import EpochRecord, epoch_record
from archplan.records.observer import TrainingObserver


class Interruption:
    """Whether the user asked the run to stop (Ctrl-C), shared by the callbacks that react to it."""

    def __init__(self) -> None:
        self.requested = False


class StopOnInterrupt(keras.callbacks.Callback):  # type: ignore[misc]
    """The first Ctrl-C stops training after the current step; a second one stops at once.

    Keras checks ``model.stop_training`` after every step; validation of the cut-short epoch is
    cut short too (``stop_evaluating``), since that epoch is not kept. Setting a flag is safe
    from Keras' callback thread, so its batch hook need not make Keras wait for every batch.
    """

    async_safe = True

    def __init__(self, interruption: Interruption) -> None:
        super().__init__()
        self.interruption = interruption
        self._previous: Any = None

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._request_stop)

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def on_test_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        if self.interruption.requested:
            self.model.stop_evaluating = True

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.on_train_end()  # the next Ctrl-C gets the previous handler: KeyboardInterrupt
        self.interruption.requested = True
        self.model.stop_training = True


class EpochRecorder(keras.callbacks.Callback):  # type: ignore[misc]
    """Times each epoch and hands each completed one to ``keep``; an interrupted one is dropped."""

    def __init__(self, interruption: Interruption, keep: Callable[[EpochRecord], None]) -> None:
        super().__init__()
        self.interruption = interruption
        self.keep = keep
        self._started = 0.0

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if not self.interruption.requested:
            self.keep(epoch_record(epoch, logs or {}, time.perf_counter() - self._started))


class ReportProgress(keras.callbacks.Callback):  # type: ignore[misc]
    """Tells an observer of each epoch's start, and of its record with the time left."""

    def __init__(self, observer: TrainingObserver, epochs: int, steps: int) -> None:
        super().__init__()
        self.observer = observer
        self.epochs = epochs
        self.steps = steps
        self._durations: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self.observer.epoch_started(epoch + 1, self.epochs, self.steps)

    def epoch_finished(self, record: EpochRecord) -> None:
        """Called once the epoch is recorded and saved: its line appears when it is safe on disk."""
        self._durations.append(record.seconds)
        remaining = self.epochs - record.epoch
        mean = sum(self._durations) / len(self._durations)
        self.observer.epoch_ended(record, self.epochs, remaining * mean)


class ReportSteps(keras.callbacks.Callback):  # type: ignore[misc]
    """Feeds an observer each step's running metrics (only used when it wants them)."""

    def __init__(self, observer: TrainingObserver) -> None:
        super().__init__()
        self.observer = observer

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        numbers = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float))}
        self.observer.batch_ended(batch + 1, numbers)
