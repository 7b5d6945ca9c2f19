"""The interface between a training run and whoever shows its progress (the CLI, a test)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from archplan.records.history import EpochRecord


class TrainingObserver(Protocol):
    """Told of each epoch's start, each step's running metrics, and each saved epoch.

    Epochs and steps count from 1, as people count them; ``seconds_left`` extrapolates the mean
    epoch time of this session. Steps are reported only to an observer that ``wants_steps``: a
    per-step hook makes Keras hand over every step's metrics, which costs time.
    """

    wants_steps: bool

    def epoch_started(self, epoch: int, epochs: int, steps: int) -> None: ...

    def batch_ended(self, step: int, logs: Mapping[str, float]) -> None: ...

    def epoch_ended(self, record: EpochRecord, epochs: int, seconds_left: float) -> None: ...
