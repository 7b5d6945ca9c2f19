"""Is training through archplan as fast as the tutorial's plain Keras code, and what do its options gain?

Trains the tutorial's network (specs/tutorial-convnet.json) on the same arrays, backend, batch size,
epochs, seed and validation data, once written out as the tutorial's own ``keras.Sequential`` code
fitted with ``model.fit`` on numpy arrays ("plain"), once through archplan's training path
(``archplan.runs.lifecycle.train_in_folder``: its callbacks, a model, history and plot saved
after every epoch), and once per speed option through archplan (``--jit-compile``, ``--mixed-precision``);
on TensorFlow also the plain code fed by a ``tf.data`` pipeline, to see whether archplan should
use one. The variants run in turn, round after round (every other round in reverse order), so
that a busy shared machine slows them alike.

An epoch is timed from its start until the trainer is done with it (validation and, for archplan,
saving included). The first epoch includes compilation; later ones are the steady state, and
``ratio`` (the last line: archplan / plain images per second) compares those. Each figure is the
fastest epoch of its kind over all rounds: other work on a shared machine only ever slows an epoch
down, so the fastest is the least disturbed (as in trace_speed.py). Goal (issue 6): ratio >= 0.95.

Usage: python benchmarks/train_throughput.py --data PATH [--limit 3000] [--epochs 3] [--repeat 2]
       [--backend tensorflow|jax] [--batch-size 32] [--no-options]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tutorial_keras import compiled_as_tutorial  # beside this script

from archplan.report.realize import RunFiles

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "tutorial-convnet.json"


@dataclass(frozen=True)
class Setup:
    """What every variant shares: the spec, the data already split and scaled, the run settings."""

    network: Any
    trace: Any
    dataset: Any
    split: Any
    settings: Any


@dataclass
class Timings:
    """One variant's epoch durations, run by run; its speeds by its fastest epochs."""

    runs: list[list[float]] = field(default_factory=list)

    def first(self, images: int) -> float:
        return images / min(run[0] for run in self.runs)

    def steady(self, images: int) -> float | None:
        later = [seconds for run in self.runs for seconds in run[1:]]
        return images / min(later) if later else None


class EpochClock(RunFiles):
    """Times each epoch, from its start until the trainer is done with it (and draws and words
    the run's files as ``realize --train`` does)."""

    wants_steps = False

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._started = 0.0

    def epoch_started(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def epoch_ended(self, *_: Any) -> None:
        self.seconds.append(time.perf_counter() - self._started)

    def batch_ended(self, step: int, logs: Mapping[str, float]) -> None:  # never asked for
        pass

    def realized(self, *_: Any) -> None:
        pass

    def training_started(self, *_: Any) -> None:
        pass


def plain_keras(keras: Any, setup: Setup, feed: Callable[[Any], dict[str, Any]]) -> list[float]:
    """The tutorial's code: build, compile, ``model.fit``; ``feed`` says what fit is given."""
    clock = EpochClock()
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=clock.epoch_started, on_epoch_end=clock.epoch_ended
    )
    model = compiled_as_tutorial(keras)
    model.fit(
        **feed(setup),
        validation_data=setup.split.validation,
        epochs=setup.settings.epochs,
        verbose=0,
        callbacks=[timer],
    )
    return clock.seconds


def arrays(setup: Setup) -> dict[str, Any]:
    """What the tutorial passes: the numpy arrays, shuffled by Keras each epoch."""
    split = setup.split
    return {"x": split.x_train, "y": split.y_train, "batch_size": setup.settings.batch_size,
            "shuffle": True}  # fmt: skip


def tf_data(setup: Setup) -> dict[str, Any]:
    """The arrays as a ``tf.data`` pipeline: shuffled each epoch, batched, prefetched."""
    import tensorflow as tf

    split = setup.split
    data = tf.data.Dataset.from_tensor_slices((split.x_train, split.y_train))
    data = data.shuffle(len(split.x_train), seed=setup.settings.seed, reshuffle_each_iteration=True)
    batches = data.batch(setup.settings.batch_size).prefetch(tf.data.AUTOTUNE)
    return {"x": batches, "shuffle": False}  # the pipeline shuffles; fit's own flag would warn


def through_archplan(setup: Setup, settings: Any) -> list[float]:
    """archplan's path, as ``archplan realize --train`` takes it, into a throw-away run folder."""
    from archplan.keras.fit import run_environment
    from archplan.keras.realize import realize
    from archplan.keras.speed import output_dtype
    from archplan.records.folder import RunFolder
    from archplan.runs.lifecycle import RunRequest, train_in_folder

    clock = EpochClock()
    with tempfile.TemporaryDirectory() as folder, run_environment(settings) as placement:
        dtype = output_dtype(settings.mixed_precision)
        realized = realize(setup.network, setup.trace, output_dtype=dtype)
        request = RunRequest(realized, settings, RunFolder(Path(folder)), setup.dataset, placement)
        train_in_folder(request, clock)
    return clock.seconds


PLAIN = "plain Keras"
ARCHPLAN = "archplan"


@dataclass(frozen=True)
class Variant:
    """One way to train: how to train once, and what its gain is measured against."""

    train: Callable[[], list[float]]
    baseline: str | None = None


def variants(keras: Any, setup: Setup, options: bool) -> dict[str, Variant]:
    """Each variant by name: the two compared by ``ratio``, then each speed option."""
    settings = setup.settings
    chosen = {
        PLAIN: Variant(lambda: plain_keras(keras, setup, arrays)),
        ARCHPLAN: Variant(lambda: through_archplan(setup, settings)),
    }
    if options:
        jit = replace(settings, jit_compile=True)
        mixed = replace(settings, mixed_precision=True)
        chosen["archplan --jit-compile"] = Variant(lambda: through_archplan(setup, jit), ARCHPLAN)
        chosen["archplan --mixed-precision"] = Variant(
            lambda: through_archplan(setup, mixed), ARCHPLAN
        )
        if settings.backend == "tensorflow":
            chosen["plain Keras + tf.data"] = Variant(
                lambda: plain_keras(keras, setup, tf_data), PLAIN
            )
    return chosen


def measure(
    keras: Any, setup: Setup, chosen: dict[str, Variant], repeat: int
) -> dict[str, Timings]:
    """Every variant ``repeat`` times, in turn, every other round in reverse order."""
    timings = {name: Timings() for name in chosen}
    for round_ in range(repeat):
        names = list(chosen) if round_ % 2 == 0 else list(reversed(chosen))
        for name in names:
            keras.backend.clear_session()
            keras.utils.set_random_seed(setup.settings.seed)
            seconds = chosen[name].train()
            timings[name].runs.append(seconds)
            shown = ", ".join(f"{s:.2f} s" for s in seconds)
            print(f"  round {round_ + 1} {name}: {shown}", file=sys.stderr, flush=True)
    return timings


def report(
    timings: dict[str, Timings], chosen: dict[str, Variant], images: int, epochs: int
) -> list[str]:
    """Images per second, first epoch and steady state; each option's gain; the ratio, last."""
    steady_label = f"epochs 2-{epochs}" if epochs > 2 else "epoch 2"
    lines = [
        f"{'images/s (fastest epoch)':30} {'first epoch':>11} {steady_label:>11}  gain (steady)"
    ]
    for name, timing in timings.items():
        steady = timing.steady(images)
        baseline = chosen[name].baseline
        base = timings[baseline].steady(images) if baseline else None
        gain = f"x{steady / base:.2f} vs {baseline}" if steady and base else ""
        shown = f"{steady:11.1f}" if steady else f"{'-':>11}"
        lines.append(f"{name:30} {timing.first(images):11.1f} {shown}  {gain}")
    first = timings[ARCHPLAN].first(images) / timings[PLAIN].first(images)
    lines.append(f"first-epoch ratio {first:.2f} (archplan / plain, compilation included)")
    plain, ours = timings[PLAIN].steady(images), timings[ARCHPLAN].steady(images)
    if plain and ours:
        lines.append(f"ratio {ours / plain:.2f}")
    return lines


def machine(keras: Any, backend: str) -> str:
    from archplan.keras.backend import device_name

    framework = __import__(backend)
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; Keras {keras.__version__} on {backend} "
        f"{framework.__version__}, device {device_name(backend)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CIFAR-10 (archive or folder)")
    parser.add_argument("--limit", type=int, default=3000, help="training images (default 3000)")
    parser.add_argument("--test-limit", type=int, default=500, help="test images (not timed)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None, help="default: the spec's (32)")
    parser.add_argument("--repeat", type=int, default=2, help="rounds of every variant")
    parser.add_argument("--backend", default=None, help="tensorflow, jax or torch")
    parser.add_argument("--no-options", action="store_true", help="plain and archplan only")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch includes compilation")

    from archplan.keras.backend import load_keras

    keras = load_keras(args.backend)
    backend = keras.backend.backend()
    from archplan import trace_network
    from archplan.data import load_cifar10
    from archplan.keras.split import prepare_split
    from archplan.records.settings import Overrides, new_settings
    from archplan.schema import load_spec

    network = load_spec(SPEC)
    overrides = Overrides(data=str(Path(args.data).resolve()), epochs=args.epochs,
                          batch_size=args.batch_size, limit=args.limit, test_limit=args.test_limit)  # fmt: skip
    settings = new_settings(network, overrides, backend)
    dataset = load_cifar10(settings.data, limit=settings.limit, test_limit=settings.test_limit)
    split = prepare_split(dataset, network.training_settings, settings.seed)
    setup = Setup(network, trace_network(network), dataset, split, settings)
    images = len(split.x_train)

    print(f"machine: {machine(keras, backend)}")
    print(
        f"data: {settings.data}: {images} training + {len(split.x_val)} validation images, "
        f"batch {settings.batch_size}, {settings.epochs} epochs, seed {settings.seed}, "
        f"{args.repeat} rounds; images/s of training (validation and saving inside the time)"
    )
    chosen = variants(keras, setup, options=not args.no_options)
    timings = measure(keras, setup, chosen, args.repeat)
    print("\n".join(report(timings, chosen, images, settings.epochs)))


if __name__ == "__main__":
    main()
