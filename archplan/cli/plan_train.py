"""``plan --train``: the options of the measured search, and the command's training path.

Optuna, Keras and the data are imported only here, inside :func:`search_by_training`, so
``archplan plan`` without ``--train`` stays framework-free and light.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from archplan.cli.boundary import print_problem, stdout_console
from archplan.cli.realize import command_line
from archplan.errors import ArchplanError
from archplan.messages import visible
from archplan.report.styles import WARNING_STYLE
from archplan.schema.defaults import MAX_SEED

if TYPE_CHECKING:
    from archplan.planner.planfile import Settings

TRAINING = "Training"
INTERRUPTED_EXIT_CODE = 130
DEFAULT_STUDY = "archplan"


class Pruner(str, Enum):
    """``--pruner``: which of Optuna's pruners stops hopeless trials after an epoch."""

    median = "median"
    halving = "halving"
    none = "none"


TrainOpt = Annotated[
    bool,
    typer.Option("--train", help="Search by training: draw networks within the limits with "
                 "Optuna, train each on CIFAR-10, keep the most accurate.",
                 rich_help_panel=TRAINING),
]  # fmt: skip
TrialsOpt = Annotated[
    int | None,
    typer.Option("--trials", min=1, help="Trained trials the study is to have, across every run "
                 "and worker: a rerun runs only the missing ones.", show_default=False,
                 rich_help_panel=TRAINING),
]  # fmt: skip
StorageOpt = Annotated[
    str | None,
    typer.Option("--storage", help="Optuna storage of the study, shared by its workers: "
                 "sqlite:///FILE.db, journal:FILE.log (workers on one machine), "
                 "postgresql://... or mysql://... (many machines). Default: OUT/study.db.",
                 show_default=False, rich_help_panel=TRAINING),
]  # fmt: skip
StudyOpt = Annotated[
    str | None,
    typer.Option("--study", help="The study's name in the storage (default: the plan file's "
                 f"name, else {DEFAULT_STUDY}).", show_default=False, rich_help_panel=TRAINING),
]  # fmt: skip
PrunerOpt = Annotated[
    Pruner,
    typer.Option("--pruner", help="Stop a trial after an epoch when its validation accuracy is "
                 "below the median of the trials before it (median), outside the best quarter "
                 "of its rung (halving), or never (none).", rich_help_panel=TRAINING),
]  # fmt: skip
ReferenceOpt = Annotated[
    Path | None,
    typer.Option("--reference", help="A finished archplan realize --train run (e.g. the "
                 "tutorial's, on the same data and epochs) to show beside the trials.",
                 show_default=False, rich_help_panel=TRAINING),
]  # fmt: skip


@dataclass(frozen=True)
class TrainOptions:
    """What ``plan --train`` was given besides the plan's own settings."""

    trials: int | None = None
    data: Path | None = None
    epochs: int | None = None
    limit: int | None = None
    test_limit: int | None = None
    backend: str | None = None
    jit_compile: bool | None = None
    mixed_precision: bool = False
    storage: str | None = None
    study: str | None = None
    pruner: Pruner = Pruner.median
    reference: Path | None = None

    def given(self) -> list[str]:
        """The options set, as spelt on the command line (``--pruner`` only when not median)."""
        flags = [
            f"--{name.replace('_', '-')}"
            for name, value in vars(self).items()
            if name != "pruner" and value is not None and value is not False
        ]
        return [*flags, *(["--pruner"] if self.pruner is not Pruner.median else [])]


def refuse_without_train(options: TrainOptions) -> None:
    given = options.given()
    if given:
        raise ArchplanError(f"{', '.join(given)}: only for a search by training; add --train")


def study_name(options: TrainOptions, plan_file: Path | None) -> str:
    """``--study``, else the plan file's name (``cifar-small`` for ``cifar-small.plan.json``)."""
    if options.study is not None:
        if not options.study.strip():
            raise ArchplanError("--study: give the study a name")
        return options.study.strip()
    if plan_file is None:
        return DEFAULT_STUDY
    return re.sub(r"(\.plan)?\.json$", "", plan_file.name) or DEFAULT_STUDY


def default_out(name: str) -> Path:
    """``runs/plan-<study>``: fixed, so that rerunning the same command continues the study."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or DEFAULT_STUDY
    return Path("runs") / f"plan-{safe}"


def search_by_training(
    settings: Settings,
    options: TrainOptions,
    *,
    plan_file: Path | None,
    batch_size: int | None,
    out: Path | None,
    force: bool,
) -> None:
    """Run this worker's trials of the study, print the table; exit 130 after Ctrl-C."""
    from archplan.records.settings import Overrides
    from archplan.report.study import StudyConsole, print_study
    from archplan.study.search import StudyRequest, run_study

    if options.trials is None:
        raise ArchplanError(
            "--train needs --trials N: the trained trials the study is to have (e.g. --trials 20)"
        )
    if not 0 <= settings.seed <= MAX_SEED:
        raise ArchplanError(f"--seed: {settings.seed} seeds training too: give 0 to {MAX_SEED}")
    data = options.data
    if data is not None and not data.expanduser().exists():
        raise ArchplanError(f"--data {data}: no such file or folder")
    name = study_name(options, plan_file)
    request = StudyRequest(
        settings=settings,
        overrides=Overrides(
            data=str(data.expanduser().resolve()) if data is not None else None,
            epochs=options.epochs,
            batch_size=batch_size,
            limit=options.limit,
            test_limit=options.test_limit,
            jit_compile=options.jit_compile,
            mixed_precision=options.mixed_precision or None,
        ),
        target=options.trials,
        out=out or default_out(name),
        study_name=name,
        storage=options.storage,
        pruner=options.pruner.value,
        force=force,
        backend=options.backend,
        command=command_line(),
        reference=options.reference,
        inputs=(plan_file,) if plan_file is not None else (),
    )
    console = stdout_console()
    watcher = StudyConsole(console)
    try:
        outcome = run_study(request, watcher)
    finally:
        watcher.close()
    print_study(console, outcome.summary)
    written = ", ".join(outcome.written.files)
    console.print(Text(f"Wrote {written} to {visible(str(outcome.out))}/"))
    if outcome.written.plot_skipped:
        print_problem("warning", WARNING_STYLE, outcome.written.plot_skipped)
    if outcome.stopped:
        print_problem("warning", WARNING_STYLE, f"stopped before {options.trials} trials: "
                      f"{outcome.stopped}")  # fmt: skip
    if outcome.interrupted:
        console.print(
            Text(
                "Interrupted: every finished trial is kept in the study; rerun the same command "
                "to run the missing ones."
            )
        )
        raise typer.Exit(INTERRUPTED_EXIT_CODE)
