"""``metrics.json``: a run's outcome in one flat JSON object, rewritten after every epoch.

Keys are only ever added. The facts that need a framework (its version, the device) are gathered
by the caller and handed over as plain values.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from archplan import __version__
from archplan.records.history import EpochRecord, finite, history_stats
from archplan.records.settings import RunSettings


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
    devices: int = 1
    distribution: str | None = None

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
            "devices": self.devices,
            "distribution": self.distribution,
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
