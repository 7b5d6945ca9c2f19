"""``realize``: build the spec's Keras model, prove the engine against it, and optionally train it.

Keras (and the backend's framework) is imported inside the command, after ``--backend`` is known,
so ``archplan trace`` and ``archplan --help`` never pay for it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from archplan.cli.boundary import reports_errors, stdout_console
from archplan.cli.options import (
    BackendOpt,
    DataOpt,
    EpochsOpt,
    JitOpt,
    LimitOpt,
    MixedOpt,
    OldOutOpt,
    TestLimitOpt,
    renamed,
    traced,
)
from archplan.errors import ArchplanError, RunError
from archplan.messages import visible
from archplan.schema.defaults import MAX_BATCH_SIZE, MAX_SEED

if TYPE_CHECKING:
    from archplan.engine.trace import Trace
    from archplan.records.settings import Overrides
    from archplan.runs.lifecycle import NewRun, RunOutcome, RunWatcher
    from archplan.schema import Network

INTERRUPTED_EXIT_CODE = 130
"""What a shell reports for a program stopped by Ctrl-C."""

SpecArg = Annotated[
    Path | None,
    typer.Argument(
        help="A network spec (JSON), e.g. specs/tutorial-convnet.json; omit it with --resume.",
        show_default=False,
    ),
]
TrainOpt = Annotated[
    bool,
    typer.Option("--train", help="Train on CIFAR-10 after the cross-check, into a run folder."),
]
BatchOpt = Annotated[
    int | None,
    typer.Option("--batch-size", min=1, max=MAX_BATCH_SIZE,
                 help="Batch size (default: the spec's).", show_default=False,
                 rich_help_panel="Training"),
]  # fmt: skip
SeedOpt = Annotated[
    int | None,
    typer.Option(min=0, max=MAX_SEED,
                 help="Seed for the shuffle before the validation split and for Keras "
                 "(default: the spec's, else 0).", show_default=False, rich_help_panel="Training"),
]  # fmt: skip
OutDirOpt = Annotated[
    Path | None,
    typer.Option("--out-dir", metavar="DIR",
                 help="Run folder (default: runs/<spec-name>-<YYYYmmdd-HHMMSS>/).",
                 show_default=False, rich_help_panel="Training"),
]  # fmt: skip
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite archplan's files in an existing run folder.",
                       rich_help_panel="Training"),
]  # fmt: skip
DistributeOpt = Annotated[
    bool,
    typer.Option("--distribute",
                 help="Train data-parallel over all visible devices (JAX: DataParallel, "
                 "TensorFlow: MirroredStrategy); --batch-size is the global batch.",
                 rich_help_panel="Speed"),
]  # fmt: skip
ResumeOpt = Annotated[
    Path | None,
    typer.Option(help="Continue the run in this folder from its last completed epoch "
                 "(with --epochs to train longer).", show_default=False,
                 rich_help_panel="Training"),
]  # fmt: skip


@reports_errors
def realize(
    spec: SpecArg = None,
    backend: BackendOpt = None,
    train: TrainOpt = False,
    data: DataOpt = None,
    epochs: EpochsOpt = None,
    batch_size: BatchOpt = None,
    limit: LimitOpt = None,
    test_limit: TestLimitOpt = None,
    seed: SeedOpt = None,
    out: OutDirOpt = None,
    force: ForceOpt = False,
    resume: ResumeOpt = None,
    jit_compile: JitOpt = None,
    mixed_precision: MixedOpt = False,
    distribute: DistributeOpt = False,
    old_out: OldOutOpt = None,
) -> None:
    """Build the Keras model, print its summary, check the engine against it; --train fits it."""
    from archplan.records.settings import Overrides
    from archplan.schema import load_spec

    out = renamed("--out-dir", "--out", out, old_out)

    overrides = Overrides(
        data=str(data.expanduser().resolve()) if data is not None else None,  # resumable anywhere
        epochs=epochs,
        batch_size=batch_size,
        limit=limit,
        test_limit=test_limit,
        seed=seed,
        jit_compile=jit_compile,
        mixed_precision=mixed_precision or None,  # None: not asked for; --resume keeps the run's
        distribute=distribute or None,
    )
    console = stdout_console()
    if resume is not None:
        if out is not None or force:
            raise RunError(
                f"--resume continues the run in {resume} itself; drop --out-dir and --force"
            )
        network = load_spec(spec) if spec is not None else None
        _train(console, lambda watcher: _resumed(resume, overrides, watcher, network, backend))
        return
    if spec is None:
        raise ArchplanError(
            "name a SPEC file to realize (e.g. specs/tutorial-convnet.json), or --resume DIR"
        )
    if not train:
        _refuse_training_options(overrides, out, force)
    network = load_spec(spec)
    trace = traced(spec)
    if not train:
        _realize_only(console, network, trace, backend)
        return
    from archplan.runs.lifecycle import NewRun

    run = NewRun(network, trace, overrides, out, force, backend, command_line(), inputs=(spec,))
    _train(console, lambda watcher: _started(run, watcher))


def command_line() -> str:
    """The command as typed, for the run's records."""
    return shlex.join(["archplan", *sys.argv[1:]])


def _refuse_training_options(overrides: Overrides, out: Path | None, force: bool) -> None:
    given = [
        *overrides.given(),
        *(["--out-dir"] if out is not None else []),
        *(["--force"] * force),
    ]
    if given:
        raise ArchplanError(f"{', '.join(given)}: only for training; add --train")


def _realize_only(console: Console, network: Network, trace: Trace, backend: str | None) -> None:
    """Build and cross-check the model, print both; refuse a disagreement."""
    from archplan.keras.backend import load_keras
    from archplan.keras.realize import realize as build_and_check
    from archplan.report.realize import print_realized

    load_keras(backend)
    realized = build_and_check(network, trace)
    print_realized(console, realized)
    realized.require_agreement()


def _started(run: NewRun, watcher: RunWatcher) -> RunOutcome:
    from archplan.runs.lifecycle import start_run

    return start_run(run, watcher)


def _resumed(
    path: Path,
    overrides: Overrides,
    watcher: RunWatcher,
    network: Network | None,
    backend: str | None,
) -> RunOutcome:
    from archplan.runs.lifecycle import resume_run

    return resume_run(
        path, overrides, watcher, spec=network, backend=backend, command=command_line()
    )


def _train(console: Console, run: Callable[[RunWatcher], RunOutcome]) -> None:
    """Train, print the run's summary; exit 130 if it was interrupted."""
    from archplan.report.realize import ConsoleWatcher, run_summary

    watcher = ConsoleWatcher(console)
    try:
        outcome = run(watcher)
    finally:
        watcher.close()
    console.print(run_summary(outcome.stats, outcome.metrics, str(outcome.folder.path)))
    if outcome.interrupted:
        resume = shlex.quote(str(outcome.folder.path))
        advice = (
            "Interrupted: the run folder holds the last completed epoch; continue with "
            f"archplan realize --resume {resume}"
            if outcome.folder.resumable()
            else "Interrupted before the first epoch ended, so there is nothing to resume; "
            + outcome.folder.start_again()
        )
        console.print(Text(visible(advice)))
        raise typer.Exit(INTERRUPTED_EXIT_CODE)


def register(app: typer.Typer) -> None:
    app.command()(realize)
