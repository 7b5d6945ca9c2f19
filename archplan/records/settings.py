"""A run's settings: what the spec says, what the command line overrides, what a resume keeps.

``run.json`` holds :class:`RunSettings`; ``--resume`` reads them back and continues alike. Plain
data and checks, no Keras: the CLI refuses a bad combination before any framework is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from archplan.errors import RunError
from archplan.schema import Network, Training

DEFAULT_SEED = 0
"""The seed when neither ``--seed`` nor the spec gives one: runs are reproducible by default."""


@dataclass(frozen=True)
class RunSettings:
    """The effective settings of a run (``run.json``): what ``--resume`` needs to go on alike."""

    spec: str
    data: str | None
    limit: int | None
    test_limit: int | None
    seed: int
    epochs: int
    batch_size: int
    backend: str
    jit_compile: bool | None = None
    """XLA compilation: on, off, or None for Keras' ``"auto"`` (archplan's default)."""
    mixed_precision: bool = False
    distribute: bool = False


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

    def given(self) -> list[str]:
        """The options set, as ``--batch-size`` is spelt on the command line."""
        given = [key for key, value in vars(self).items() if value is not None]
        return [f"--{key.replace('_', '-')}" for key in given]


def new_settings(network: Network, overrides: Overrides, backend: str) -> RunSettings:
    """A new run's settings: the command line's where given, else the spec's training block."""
    training = network.training_settings
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


def check_epochs_left(where: str, done: int, epochs: int) -> None:
    """Refuse to resume a run that has already trained the epochs asked for."""
    if done >= epochs:
        raise RunError(
            f"{where} already has {done} epochs; pass --epochs N with N > {done} to train on"
        )


def check_not_stopped_early(where: str, metrics: dict[str, Any], training: Training) -> None:
    """Refuse to resume a run that early stopping ended: it has trained as long as it was to."""
    if not metrics.get("stopped_early"):
        return
    stopping = training.early_stopping
    why = f"{stopping.monitor} stopped improving (patience {stopping.patience})" if stopping else ""
    raise RunError(
        f"{where} stopped early after epoch {metrics.get('epochs')} of "
        f"{metrics.get('epochs_planned')}{': ' + why if why else ''}, so its training is over; "
        "start a new run to train further (e.g. with a larger training.early_stopping.patience)"
    )
