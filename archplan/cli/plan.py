"""``plan``: design networks to a budget. Parses the flags, runs the planner's search, prints.

No framework is imported: the search measures every candidate with the engine alone. matplotlib
is imported only to draw ``pareto.png`` under ``--out-dir``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from archplan.cli.boundary import print_problem, reports_errors, stderr_console, stdout_console
from archplan.cli.options import (
    BackendOpt,
    DataOpt,
    Dtype,
    EpochsOpt,
    JitOpt,
    JsonOpt,
    LimitOpt,
    MixedOpt,
    OldOutOpt,
    TestLimitOpt,
    print_json,
    renamed,
)
from archplan.cli.plan_train import (
    Pruner,
    PrunerOpt,
    ReferenceOpt,
    StorageOpt,
    StudyOpt,
    TrainOpt,
    TrainOptions,
    TrialsOpt,
    refuse_without_train,
    search_by_training,
)
from archplan.errors import ArchplanError
from archplan.planner.choices import DEFAULT_SAMPLES, DEFAULT_TOP, Objective
from archplan.planner.quantities import (
    QuantityError,
    parse_bytes,
    parse_count,
    parse_fraction,
    parse_input_shape,
    parse_range,
)
from archplan.report.styles import WARNING_STYLE
from archplan.schema.defaults import MAX_BATCH_SIZE

T = TypeVar("T")
LIMITS = "Limits"
SEARCH = "Search"

PlanArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="PLAN",
        help="A plan file (JSON; see archplan schema --plan). Flags override what it says.",
        show_default=False,
    ),
]
InputShapeOpt = Annotated[
    str | None,
    typer.Option("--input-shape", metavar="HxWxC", show_default=False,
                 help="The input's shape without the batch axis, e.g. 32x32x3 (or 32,32,3)."),
]  # fmt: skip
OldInputOpt = Annotated[str | None, typer.Option("--input", hidden=True, show_default=False)]
"""``--input``, the old name of ``--input-shape``."""
ClassesOpt = Annotated[
    int | None,
    typer.Option("--classes", min=2, help="Classes of the softmax, e.g. 10.", show_default=False),
]
MaxParamsOpt = Annotated[
    str | None,
    typer.Option("--max-params", help="Most parameters, e.g. 1M.", show_default=False,
                 rich_help_panel=LIMITS),
]  # fmt: skip
MaxMacsOpt = Annotated[
    str | None,
    typer.Option("--max-macs", help="Most multiply-accumulates per image, e.g. 100M.",
                 show_default=False, rich_help_panel=LIMITS),
]  # fmt: skip
MaxMemoryOpt = Annotated[
    str | None,
    typer.Option("--max-memory", help="Most training memory (the estimate archplan trace prints, "
                 "at --batch-size and --dtype), e.g. 64MB or 2GB.", show_default=False,
                 rich_help_panel=LIMITS),
]  # fmt: skip
MinRfOpt = Annotated[
    str | None,
    typer.Option("--min-rf", help="Least receptive field of the last spatial layer, as a share of "
                 "the input on every axis (1.0: every unit sees the whole image).",
                 show_default=False, rich_help_panel=LIMITS),
]  # fmt: skip
FinalSizeOpt = Annotated[
    str | None,
    typer.Option("--final-size", help="Spatial size before the head: 4, 2..8, 2.. or ..8.",
                 show_default=False, rich_help_panel=LIMITS),
]  # fmt: skip
MaxDepthOpt = Annotated[
    int | None,
    typer.Option("--max-depth", min=1, help="Most layers with weights (batch normalisation "
                 "included, as archplan compare counts them).", show_default=False,
                 rich_help_panel=LIMITS),
]  # fmt: skip
FamilyOpt = Annotated[
    str | None,
    typer.Option("--family", help="Families to search, comma-separated: plain, resnet, mobile "
                 "(default: the plan file's, else all).", show_default=False,
                 rich_help_panel=SEARCH),
]  # fmt: skip
ObjectiveOpt = Annotated[
    Objective | None,
    typer.Option("--objective", help="Rank by: budget (the most MACs within the limits, then the "
                 "fewest parameters), params, macs or depth (the fewest), rf (the largest field).",
                 show_default=False, rich_help_panel=SEARCH),
]  # fmt: skip
TopOpt = Annotated[
    int | None,
    typer.Option("--top", min=1, help=f"Networks to choose (default {DEFAULT_TOP}).",
                 show_default=False, rich_help_panel=SEARCH),
]  # fmt: skip
SamplesOpt = Annotated[
    int | None,
    typer.Option("--samples", min=1, help="Points per family: a family with no more is walked "
                 f"whole, a larger one sampled (default {DEFAULT_SAMPLES:,}). Time grows with "
                 "the points times their layers (stages, depth): a search beyond 10 million "
                 "layer inferences, a minute or so, is refused.",
                 show_default=False, rich_help_panel=SEARCH),
]  # fmt: skip
SeedOpt = Annotated[
    int | None,
    typer.Option("--seed", help="Seed of the sampling (default 0): the same seed, the same plan; "
                 "with --train, also every trial's training seed (one validation split for all).",
                 show_default=False, rich_help_panel=SEARCH),
]  # fmt: skip
BatchOpt = Annotated[
    int | None,
    typer.Option("--batch-size", min=1, max=MAX_BATCH_SIZE, help="Batch size of the memory "
                 "estimate and of the written specs' training, and with --train of every trial's "
                 "(default: the plan's, else 64).", show_default=False),
]  # fmt: skip
DtypeOpt = Annotated[
    Dtype | None,
    typer.Option("--dtype", help="Dtype of the memory estimate (default float32).",
                 show_default=False),
]  # fmt: skip
OutDirOpt = Annotated[
    Path | None,
    typer.Option("--out-dir", metavar="DIR",
                 help="Folder for the chosen specs, plan.json, plan.csv, pareto.png; with --train, "
                 "for the study (study.db, trials/, best.json, trials.csv, search.png; "
                 "default runs/plan-STUDY).", show_default=False),
]  # fmt: skip
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Write into an --out-dir folder that already holds files.")
]


class PlanFormat(str, Enum):
    """What ``plan --out`` writes beside each spec."""

    spec = "spec"
    torch = "torch"


PlanFormatOpt = Annotated[
    PlanFormat,
    typer.Option("--format", help="With --out: spec (the spec files), or torch (each spec and "
                 "its PyTorch script, as export --format torch writes it)."),
]  # fmt: skip


def _read(flag: str, value: str | None, parse: Callable[[str], T]) -> T | None:
    """A flag's value through its parser; a mistake is one line naming the flag."""
    if value is None:
        return None
    try:
        return parse(value)
    except QuantityError as problem:
        raise ArchplanError(f"{flag}: {problem}") from None


def _families(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if not names:
        raise ArchplanError("--family: name at least one of plain, resnet, mobile")
    return names


@reports_errors
def plan(
    plan_file: PlanArg = None,
    input_shape: InputShapeOpt = None,
    classes: ClassesOpt = None,
    max_params: MaxParamsOpt = None,
    max_macs: MaxMacsOpt = None,
    max_memory: MaxMemoryOpt = None,
    min_rf: MinRfOpt = None,
    final_size: FinalSizeOpt = None,
    max_depth: MaxDepthOpt = None,
    family: FamilyOpt = None,
    objective: ObjectiveOpt = None,
    top: TopOpt = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = None,
    batch_size: BatchOpt = None,
    dtype: DtypeOpt = None,
    out: OutDirOpt = None,
    out_format: PlanFormatOpt = PlanFormat.spec,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
    train: TrainOpt = False,
    trials: TrialsOpt = None,
    data: DataOpt = None,
    epochs: EpochsOpt = None,
    limit: LimitOpt = None,
    test_limit: TestLimitOpt = None,
    storage: StorageOpt = None,
    study: StudyOpt = None,
    pruner: PrunerOpt = Pruner.median,
    reference: ReferenceOpt = None,
    backend: BackendOpt = None,
    jit_compile: JitOpt = None,
    mixed_precision: MixedOpt = False,
    old_input: OldInputOpt = None,
    old_out: OldOutOpt = None,
) -> None:
    """Design networks to a budget: the best of each family within every limit.

    With --train, train them and keep the most accurate.
    """
    from archplan.planner.planfile import Overrides, PlanFile, load_plan, resolve
    from archplan.planner.refusal import nothing_fits
    from archplan.planner.search import search
    from archplan.planner.work import check_work
    from archplan.report.plan import (
        check_folder,
        plan_record,
        plan_table,
        print_written,
        search_progress,
        write_plan,
    )

    input_shape = renamed("--input-shape", "--input", input_shape, old_input)
    out = renamed("--out-dir", "--out", out, old_out)
    overrides = Overrides(
        input_shape=_read("--input-shape", input_shape, parse_input_shape),
        classes=classes,
        families=_families(family),
        max_params=_read("--max-params", max_params, parse_count),
        max_macs=_read("--max-macs", max_macs, parse_count),
        max_memory=_read("--max-memory", max_memory, parse_bytes),
        min_rf=_read("--min-rf", min_rf, parse_fraction),
        final_size=_read("--final-size", final_size, parse_range),
        max_depth=max_depth,
        objective=objective,
        top=top,
        samples=samples,
        seed=seed,
        batch_size=batch_size,
        dtype=dtype.value if dtype is not None else None,
    )
    training = TrainOptions(
        trials=trials, data=data, epochs=epochs, limit=limit, test_limit=test_limit,
        backend=backend, jit_compile=jit_compile, mixed_precision=mixed_precision,
        storage=storage, study=study, pruner=pruner, reference=reference,
    )  # fmt: skip
    if not train:
        refuse_without_train(training)
    elif objective is not None or top is not None or as_json:
        named = (("--objective", objective), ("--top", top), ("--json", as_json))
        given = [flag for flag, value in named if value]
        raise ArchplanError(
            f"{', '.join(given)}: not for --train, which ranks networks by validation accuracy"
        )
    if out is None and force:
        raise ArchplanError("--force: only with --out-dir")
    if out_format is PlanFormat.torch and (out is None or train):
        raise ArchplanError("--format torch: only with --out-dir, and without --train")
    plan_data = load_plan(plan_file) if plan_file is not None else PlanFile()
    settings = resolve(plan_data, overrides, source=str(plan_file or "the flags"))
    if train:
        search_by_training(
            settings, training, plan_file=plan_file, batch_size=batch_size, out=out, force=force
        )
        return
    check_work(settings)  # a search of hours is refused, not started
    inputs = (plan_file,) if plan_file is not None else ()
    if out is not None:
        check_folder(out, force=force, inputs=inputs)  # before the search, not after it
    with search_progress(stderr_console()) as progress:
        result = search(settings, progress=progress)
    if not result.ranked:
        raise ArchplanError(nothing_fits(result))
    scripts = out_format is PlanFormat.torch
    written = (
        write_plan(result, out, force=force, inputs=inputs, torch_scripts=scripts)
        if out is not None
        else None
    )
    specs = written.specs if written is not None else {}
    if as_json:
        print_json(plan_record(result, specs))
    else:
        stdout_console().print(plan_table(result))
    if written is not None:
        if written.plot_skipped:
            print_problem("warning", WARNING_STYLE, written.plot_skipped)
        if not as_json:
            print_written(written)


def register(app: typer.Typer) -> None:
    app.command()(plan)
