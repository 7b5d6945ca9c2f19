"""How much of a trial of ``archplan plan --train`` is spent outside training?

Runs a small study on real data (the networks of ``results/search-cpu/cpu-search.plan.json``:
plain and residual networks within the tutorial's MACs) through ``archplan.study.search.run_study``
itself, in a temporary folder with its SQLite storage, and times each trained trial's parts:

- draw: sampling the point, the engine's screening (measure, limits), claiming a place;
- storage: Optuna's asking and telling, and the attributes kept on the trial;
- build: writing the spec, tracing it in full, building the Keras model and cross-checking it;
- setup: the run folder's first files, the data split, compiling;
- epochs: the epochs themselves, as the run's history records them (the first includes Keras'
  tracing of the training step);
- after: the test set's evaluation and the run's last files (plot, summary).

"Outside training" is draw + storage + build + setup (the issue's sampling, tracing, building,
storage). It is a fixed cost per trial; the epochs grow with the data. The script extrapolates to
a one-epoch trial on the full data (45,000 training and 5,000 validation images, 10,000 test
images) from the steady epoch speed it measured (the second epoch's images per second, validation
included) plus the first epoch's tracing overhead. Goal (issue 12): under 5%.

Usage: python benchmarks/search_overhead.py --data PATH [--limit 2000] [--test-limit 1000]
       [--trials 4] [--backend tensorflow]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archplan.report.realize import RunFiles
from archplan.report.study import draw_search

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "results" / "search-cpu" / "cpu-search.plan.json"
FULL_TRAIN, FULL_VALIDATION, FULL_TEST = 45_000, 5_000, 10_000
EPOCHS = 2


@dataclass
class Stamps:
    """When each part of one trained trial began and ended (perf_counter seconds)."""

    started: float = 0.0
    realized: float = 0.0
    training: float = 0.0
    epochs: list[tuple[float, float]] = field(default_factory=list)
    """(end time, the epoch's own seconds) for each epoch."""
    ended: float = 0.0


class TimingWatcher(RunFiles):
    """A silent StudyWatcher that stamps each part of each trained trial."""

    wants_steps = False

    def __init__(self) -> None:
        self.trials: dict[int, Stamps] = {}
        self._current: Stamps | None = None

    def trial_started(self, trial: Any, place: int, target: int) -> None:
        self._current = self.trials.setdefault(trial.number, Stamps(started=time.perf_counter()))

    def realized(self, realized: Any) -> None:
        assert self._current is not None
        self._current.realized = time.perf_counter()

    def training_started(self, settings: Any, folder: Path, done: int, placement: Any) -> None:
        assert self._current is not None
        self._current.training = time.perf_counter()

    def epoch_started(self, epoch: int, epochs: int, steps: int) -> None: ...

    def batch_ended(self, step: int, logs: Mapping[str, float]) -> None: ...

    def epoch_ended(self, record: Any, epochs: int, seconds_left: float) -> None:
        assert self._current is not None
        self._current.epochs.append((time.perf_counter(), record.seconds))

    def trial_ended(self, trial: Any) -> None:
        assert self._current is not None
        self._current.ended = time.perf_counter()

    def draw_skipped(self, trial: Any) -> None: ...

    def draw_search(self, result: Any, path: Path) -> None:
        draw_search(result, path)

    def close(self) -> None: ...


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--test-limit", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--backend", default="tensorflow")
    args = parser.parse_args()

    from archplan.keras.backend import load_keras
    from archplan.planner.planfile import Overrides as PlanOverrides
    from archplan.planner.planfile import load_plan, resolve
    from archplan.records.settings import Overrides
    from archplan.study.search import StudyRequest, run_study

    keras = load_keras(args.backend)
    settings = resolve(load_plan(PLAN), PlanOverrides(), source=str(PLAN))
    watcher = TimingWatcher()
    with tempfile.TemporaryDirectory() as folder:
        request = StudyRequest(
            settings=settings,
            overrides=Overrides(data=str(args.data.resolve()), epochs=EPOCHS, limit=args.limit,
                                test_limit=args.test_limit),
            target=args.trials, out=Path(folder) / "study", study_name="overhead",
            pruner="none", backend=args.backend,
        )  # fmt: skip
        started = time.perf_counter()
        outcome = run_study(request, watcher)
        wall = time.perf_counter() - started
        split = split_seconds(FULL_TRAIN + FULL_VALIDATION, settings.training)
        evaluation = evaluation_seconds(keras, Path(outcome.summary.counted[0].folder))
        report(args, outcome, watcher, wall, keras, split, evaluation)


def split_seconds(images: int, training: Any) -> float:
    """What a run's data split (shuffle, scale, one-hot) costs for ``images`` training images and
    the full test set, on random pixels. A worker's trials share one split (the run lifecycle
    keeps the last), so this is paid once per worker, not per trial."""
    import numpy as np

    from archplan.data import CIFAR10_CLASSES, Dataset
    from archplan.keras.split import prepare_split

    rng = np.random.default_rng(0)
    dataset = Dataset(
        rng.integers(0, 256, (images, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, images),
        rng.integers(0, 256, (FULL_TEST, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, FULL_TEST),
        CIFAR10_CLASSES, "random",
    )  # fmt: skip
    started = time.perf_counter()
    prepare_split(dataset, training, 0)
    return time.perf_counter() - started


def evaluation_seconds(keras: Any, folder: Path) -> float:
    """A trained trial's model evaluated on a full test set's worth of images (random pixels)."""
    import numpy as np

    import archplan.keras.training_setup  # noqa: F401  (archplan's schedules, for loading)

    model = keras.saving.load_model(folder / "model.keras")
    rng = np.random.default_rng(0)
    x = rng.random((FULL_TEST, 32, 32, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, FULL_TEST)]
    model.evaluate(x[:256], y[:256], verbose=0)  # its test step traced once, as a run's is
    started = time.perf_counter()
    model.evaluate(x, y, batch_size=64, verbose=0)
    return time.perf_counter() - started


PARTS = ("draw", "storage", "build", "setup", "fit", "epochs", "after", "total")
OUTSIDE = ("draw", "storage", "build", "setup", "fit")


def report(
    args: argparse.Namespace,
    outcome: Any,
    watcher: TimingWatcher,
    wall: float,
    keras: Any,
    split: float,
    evaluation: float,
) -> None:
    rows = [_parts(times, watcher.trials[times.number]) for times in outcome.times]
    later = rows[1:] or rows  # the first trial also pays the split and Keras' start
    mean = {key: statistics.mean(row[key] for row in later) for key in rows[0]}
    samples = _samples(outcome)
    outside = sum(mean[key] for key in OUTSIDE)
    speed = samples["train_and_val"] / mean["steady"]  # images a second, validation included
    tracing = max(mean["first"] - mean["steady"], 0.0)
    full_epoch = tracing + (FULL_TRAIN + FULL_VALIDATION) / speed

    print(
        f"search_overhead: {len(rows)} trials of {PLAN.relative_to(ROOT)}, {EPOCHS} epochs each, "
        f"--limit {args.limit} --test-limit {args.test_limit}"
    )
    print(
        f"machine: {platform.machine()}, {_cores()} cores; keras {keras.__version__} on "
        f"{keras.backend.backend()}; wall {wall:.1f} s, the data loaded once"
    )
    print("first trial, seconds: " + ", ".join(f"{k} {rows[0][k]:.3f}" for k in PARTS))
    print("later trials, mean seconds: " + ", ".join(f"{k} {mean[k]:.3f}" for k in PARTS))
    print(
        "  draw: sampling, screening, claiming; storage: Optuna's ask, tell and attributes; "
        "build: spec, trace, Keras model, cross-check; setup: the run folder's first files; "
        "fit: model.fit outside its epochs (split, compiling, saving each epoch); after: test "
        "evaluation and last files"
    )
    print(
        f"  epochs: first {mean['first']:.2f} s (Keras' tracing of the step included), then "
        f"{mean['steady']:.2f} s ({speed:,.0f} images/s, validation included)"
    )
    print(
        f"outside training (draw + storage + build + setup + fit): {outside:.2f} s a trial = "
        f"{100 * outside / mean['epochs']:.1f}% of this run's {EPOCHS} epochs of "
        f"{samples['train_and_val']:,} images"
    )
    print(
        f"one epoch on the full data ({FULL_TRAIN:,} + {FULL_VALIDATION:,} images) at this "
        f"speed: {full_epoch:,.0f} s, so outside training is {100 * outside / full_epoch:.2f}% "
        f"of a one-epoch trial (goal < 5%)"
    )
    print(
        f"once per worker: the full data's split {split:.2f} s; per trial besides: evaluating "
        f"{FULL_TEST:,} test images {evaluation:.1f} s (measured on a trained trial's model)"
    )


def _parts(times: Any, stamps: Stamps) -> dict[str, float]:
    epochs = [seconds for _, seconds in stamps.epochs]
    return {
        "draw": times.drawn,
        "storage": times.total - times.drawn - times.run,
        "build": stamps.realized - stamps.started,
        "setup": stamps.training - stamps.realized,
        "fit": (stamps.epochs[-1][0] - stamps.training) - sum(epochs),
        "epochs": sum(epochs),
        "after": stamps.ended - stamps.epochs[-1][0],
        "total": times.total,
        "first": epochs[0],
        "steady": epochs[-1],
    }


def _samples(outcome: Any) -> dict[str, int]:
    import json

    folder = Path(outcome.summary.counted[0].folder)
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"train_and_val": metrics["train_samples"] + metrics["val_samples"],
            "test": metrics["test_samples"]}  # fmt: skip


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
