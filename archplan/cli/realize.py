"""``realize``: build the spec's Keras model, prove the engine against it, and optionally train it.

Keras (and the backend's framework) is imported inside the command, after ``--backend`` is known,
so ``archplan trace`` and ``archplan --help`` never pay for it.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from archplan import __version__
from archplan.cli.boundary import reports_errors
from archplan.cli.plan import traced
from archplan.engine.trace import Trace, trace_network
from archplan.errors import ArchplanError, MismatchError, RunError
from archplan.spec import Network, load_spec

if TYPE_CHECKING:
    from archplan.keras.crosscheck import CrossCheck
    from archplan.keras.distribute import Placement
    from archplan.keras.history import EpochRecord
    from archplan.keras.runs import RunFolder, RunSettings
    from archplan.keras.train import Overrides, RunOutcome

INTERRUPTED_EXIT_CODE = 130
"""What a shell reports for a program stopped by Ctrl-C."""

SpecArg = Annotated[
    Path | None,
    typer.Argument(
        help="A network spec (JSON), e.g. specs/tutorial-convnet.json; omit it with --resume.",
        show_default=False,
    ),
]
BackendOpt = Annotated[
    str | None,
    typer.Option(
        help="Keras backend: tensorflow, jax or torch. Default: KERAS_BACKEND, else Keras' config, "
        "else tensorflow.",
        show_default=False,
    ),
]
TrainOpt = Annotated[
    bool,
    typer.Option("--train", help="Train on CIFAR-10 after the cross-check, into a run folder."),
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        help="CIFAR-10: the official python or binary archive or folder, or an image-folder tree "
        "(folder or archive). Default: Keras' cifar10.load_data() download.",
        show_default=False,
        rich_help_panel="Training",
    ),
]
EpochsOpt = Annotated[
    int | None,
    typer.Option(min=1, help="Epochs to train (default: the spec's).", show_default=False,
                 rich_help_panel="Training"),
]  # fmt: skip
BatchOpt = Annotated[
    int | None,
    typer.Option("--batch-size", min=1, help="Batch size (default: the spec's).",
                 show_default=False, rich_help_panel="Training"),
]  # fmt: skip
LimitOpt = Annotated[
    int | None,
    typer.Option(min=1, help="Use only the first N training images, for quick runs.",
                 show_default=False, rich_help_panel="Training"),
]  # fmt: skip
TestLimitOpt = Annotated[
    int | None,
    typer.Option("--test-limit", min=1, help="Evaluate on only the first N test images.",
                 show_default=False, rich_help_panel="Training"),
]  # fmt: skip
SeedOpt = Annotated[
    int | None,
    typer.Option(help="Seed for the shuffle before the validation split and for Keras "
                 "(default: the spec's, else 0).", show_default=False, rich_help_panel="Training"),
]  # fmt: skip
OutOpt = Annotated[
    Path | None,
    typer.Option(help="Run folder (default: runs/<spec-name>-<YYYYmmdd-HHMMSS>/).",
                 show_default=False, rich_help_panel="Training"),
]  # fmt: skip
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite archplan's files in an existing run folder.",
                       rich_help_panel="Training"),
]  # fmt: skip
JitOpt = Annotated[
    bool | None,
    typer.Option("--jit-compile/--no-jit-compile",
                 help="Compile training steps with XLA, or not. Default: Keras' own \"auto\" (as "
                 "plain model.compile): on with JAX, and with TensorFlow on a GPU.",
                 show_default=False, rich_help_panel="Speed"),
]  # fmt: skip
MixedOpt = Annotated[
    bool,
    typer.Option("--mixed-precision",
                 help="Compute in float16 with float32 weights (mixed_float16; the output layer "
                 "stays float32): faster on GPUs with tensor cores, usually slower on CPUs.",
                 rich_help_panel="Speed"),
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


@dataclass(frozen=True)
class Prepared:
    """A cross-checked model, ready to print and train."""

    network: Network
    model: Any
    summary: str
    check: CrossCheck
    backend: str


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
    out: OutOpt = None,
    force: ForceOpt = False,
    resume: ResumeOpt = None,
    jit_compile: JitOpt = None,
    mixed_precision: MixedOpt = False,
    distribute: DistributeOpt = False,
) -> None:
    """Build the Keras model, print its summary, check the engine against it; --train fits it."""
    from archplan.keras.train import Overrides

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
    console = Console(highlight=False)
    if resume is not None:
        if out is not None or force:
            raise RunError(f"--resume continues the run in {resume} itself; drop --out and --force")
        _resume(console, resume, spec, backend, overrides)
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
        _prepare(console, network, trace, backend)
        return
    _train_new(console, network, trace, backend, overrides, out, force)


def _refuse_training_options(overrides: Overrides, out: Path | None, force: bool) -> None:
    options = {**vars(overrides), "out": out, "force": force or None}
    given = [f"--{key.replace('_', '-')}" for key, value in options.items() if value is not None]
    if given:
        raise ArchplanError(f"{', '.join(given)}: only for training; add --train")


def _prepare(
    console: Console,
    network: Network,
    trace: Trace,
    backend: str | None,
    output_dtype: str | None = None,
) -> Prepared:
    """Import Keras, build the model, print its summary and the cross-check; refuse a mismatch."""
    from archplan.keras.backend import load_keras
    from archplan.keras.build import KerasRefusalError, build_model, summary_text

    keras = load_keras(backend)
    try:
        model = build_model(network, output_dtype=output_dtype)
    except KerasRefusalError as refusal:
        raise MismatchError(
            f"the engine accepts this spec but Keras refuses {refusal}; "
            "a bug in archplan's engine: please report it with the spec"
        ) from None
    return _checked(console, network, trace, model, summary_text(model), keras.backend.backend())


def _checked(
    console: Console, network: Network, trace: Trace, model: Any, summary: str, backend: str
) -> Prepared:
    from archplan.keras.crosscheck import crosscheck
    from archplan.report.realize import crosscheck_report

    console.print(Text(summary))
    check = crosscheck(trace, model)
    console.print(crosscheck_report(check))
    if not check.agrees:
        names = ", ".join(f"{row.name} ({row.type})" for row in check.mismatches)
        raise MismatchError(
            f"the engine and Keras disagree{': ' + names if names else ''}; "
            "a bug in archplan's engine: please report it with the spec"
        )
    return Prepared(network, model, summary, check, backend)


def _train_new(
    console: Console,
    network: Network,
    trace: Trace,
    backend: str | None,
    overrides: Overrides,
    out: Path | None,
    force: bool,
) -> None:
    from archplan.keras.backend import load_keras
    from archplan.keras.runs import RunFolder, default_run_dir
    from archplan.keras.speed import output_dtype
    from archplan.keras.train import check_fits_cifar10, new_settings, run_environment

    path = out or default_run_dir(network.name or "network", datetime.now())
    RunFolder.check_free(path, force=force)  # before the slow part, to refuse at once
    check_fits_cifar10(trace.input_shape, trace.output_shape)
    settings = new_settings(network, overrides, load_keras(backend).backend.backend())
    with run_environment(settings) as placement:
        dtype = output_dtype(settings.mixed_precision)
        prepared = _prepare(console, network, trace, backend, dtype)
        folder = RunFolder.claim(path, force=force)
        _fit(console, prepared, folder, settings, (), placement)


def _resume(
    console: Console, path: Path, spec: Path | None, backend: str | None, overrides: Overrides
) -> None:
    from archplan.keras.backend import load_keras
    from archplan.keras.build import summary_text
    from archplan.keras.runs import RunFolder, spec_record
    from archplan.keras.train import (
        check_epochs_left,
        check_not_stopped_early,
        resumed_settings,
        run_environment,
        training_block,
    )

    folder = RunFolder.reopen(path)
    saved = folder.read_settings()
    network = folder.read_network()
    if spec is not None and spec_record(load_spec(spec)) != spec_record(network):
        raise RunError(
            f"{spec} is not the spec the run in {path} was started with; drop SPEC to resume it"
        )
    trace = trace_network(network)
    history = tuple(folder.read_history())
    check_not_stopped_early(folder, training_block(network))
    keras = load_keras(backend)
    settings = resumed_settings(saved, overrides, keras.backend.backend())
    check_epochs_left(folder, len(history), settings.epochs)
    with run_environment(settings) as placement:
        model = folder.load_model()
        summary = summary_text(model)
        prepared = _checked(console, network, trace, model, summary, settings.backend)
        _fit(console, prepared, folder, settings, history, placement)


def _fit(
    console: Console,
    prepared: Prepared,
    folder: RunFolder,
    settings: RunSettings,
    history: tuple[EpochRecord, ...],
    placement: Placement,
) -> None:
    """Train, write summary.txt, print the run's summary; exit 130 if it was interrupted."""
    from archplan.keras.train import RunRequest, train_run
    from archplan.report.realize import ConsoleProgress

    command = shlex.join(["archplan", *sys.argv[1:]])
    folder.save_setup(prepared.network, settings, {
        "archplan_version": __version__,
        "command": command,
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })  # fmt: skip
    done = f" (epochs 1-{len(history)} done)" if history else ""
    where = f" on {placement.devices} devices" if placement.distribution else ""
    console.print(
        f"Training {settings.spec} for {settings.epochs} epochs{where} into {folder.path}{done}"
    )
    progress = ConsoleProgress(console)
    request = RunRequest(
        prepared.model, prepared.network, settings, folder, history, command, placement
    )
    try:
        outcome = train_run(request, progress)
    finally:
        progress.close()
    _report(console, prepared, outcome)
    if outcome.interrupted:
        console.print(
            f"Interrupted: the run folder holds the last completed epoch; continue with "
            f"archplan realize --resume {shlex.quote(str(folder.path))}"
        )
        raise typer.Exit(INTERRUPTED_EXIT_CODE)


def _report(console: Console, prepared: Prepared, outcome: RunOutcome) -> None:
    from archplan.keras.runs import SUMMARY_FILE
    from archplan.report.realize import crosscheck_report, render_plain, run_summary

    summary = run_summary(outcome.stats, outcome.metrics, str(outcome.folder.path))
    text = render_plain(Text(prepared.summary), crosscheck_report(prepared.check), summary)
    outcome.folder.write_text(SUMMARY_FILE, text)
    console.print(summary)


def register(app: typer.Typer) -> None:
    app.command()(realize)
