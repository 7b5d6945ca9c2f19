"""What ``archplan plan`` shows and writes: the table of chosen networks, JSON, CSV, the plot.

Rendering only: the search (:mod:`archplan.planner.search`) computed every figure. With
``--out-dir DIR`` the folder gets one spec per chosen network, ``plan.json`` and ``plan.csv`` with
every network that fits, and ``pareto.png`` (matplotlib is imported only to draw it).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as ProgressBar
from rich.table import Table
from rich.text import Text

from archplan.errors import ArchplanError
from archplan.files.writing import make_folder, refuse_entries, write_file, write_text
from archplan.messages import visible
from archplan.planner.constraints import Figures
from archplan.planner.families import FAMILIES
from archplan.planner.refusal import input_text, joined, limit_text
from archplan.planner.search import Candidate, FamilySearch, Progress, SearchResult
from archplan.planner.written import settings_data, spec_data
from archplan.report.data import one_or_list
from archplan.report.pareto import draw_pareto
from archplan.report.styles import (
    BEST_STYLE,
    COST_STYLE,
    FIELD_STYLE,
    HEADER_STYLE,
    MUTED_STYLE,
    NAME_STYLE,
    PARAM_STYLE,
    SHAPE_STYLE,
    TITLE_STYLE,
)
from archplan.report.tables import axes_text
from archplan.rules.sizes import compact, readable_size

FRONT_MARK = "✓"
PLAN_JSON = "plan.json"
PLAN_CSV = "plan.csv"
PARETO_PNG = "pareto.png"


def _dashes(values: Sequence[int]) -> str:
    """``2-2-3``; a value of five digits or more in two digits (``1.1G``), so the column keeps
    its width however wide or deep the stages."""
    return "-".join(_two_digits(value) for value in values)


def _two_digits(value: int) -> str:
    if value < 10_000:
        return str(value)
    for unit, scale in (("K", 10**3), ("M", 10**6), ("G", 10**9)):
        short = float(f"{value / scale:.2g}")
        if short < 1000:
            return f"{short:g}{unit}"
    return compact(value)


def _field(figures: Figures) -> str:
    """``'36 px\n1.12×'``: the last spatial layer's field in pixels, and over the input's size."""
    if not figures.receptive_field or figures.rf_fraction is None:
        return "–"
    return f"{axes_text(figures.receptive_field)} px\n{figures.rf_fraction:.2f}×"


def _size(sizes: Sequence[int]) -> str:
    return "×".join(str(size) for size in sizes) if sizes else "–"


# What was searched, and within which limits.


def limits_line(result: SearchResult) -> str:
    settings = result.settings
    given = [limit_text(key, settings.limits) for key in settings.limits.given()]
    memory = f"training memory at batch {settings.batch_size}, {settings.dtype}"
    return f"Limits: {', '.join(given) if given else 'none'} ({memory})."


def _family_search_text(family: FamilySearch) -> str:
    """``plain (3,000 of 27,648 points, sampled)`` or ``resnet (all 3,456 points)``."""
    if family.walked:
        return f"{family.name} (all {family.space_size:,} points)"
    return f"{family.name} ({family.points:,} of {family.space_size:,} points, sampled)"


def search_line(result: SearchResult) -> str:
    """``Searched plain (...) and resnet (...): 4,870 networks in 1.6 s (3,063 a second),
    1,430 fit.``"""
    families = [_family_search_text(family) for family in result.families]
    refused = f", {result.refused:,} refused by the engine" if result.refused else ""
    return (
        f"Searched {joined(families)}: {result.examined:,} distinct networks in "
        f"{result.seconds:.1f} s ({result.rate:,.0f} a second){refused}; "
        f"{len(result.ranked):,} fit."
    )


# The table.


def plan_table(result: SearchResult) -> RenderableType:
    """The chosen networks, best first, then how they were ranked and searched.

    Each cell stacks its details under its main figure, so the table fits 80 columns.
    """
    table = Table(
        title=f"Plan: input {input_text(result)}, {result.settings.problem.classes} classes",
        title_style=TITLE_STYLE,
        box=box.SIMPLE_HEAD,
        header_style=HEADER_STYLE,
    )
    table.add_column("#", justify="right", style=MUTED_STYLE)
    table.add_column("Network", min_width=7, max_width=24)
    table.add_column("Stages", no_wrap=True)
    table.add_column("Params", justify="right", style=PARAM_STYLE, no_wrap=True)
    table.add_column("MACs", justify="right", style=COST_STYLE, no_wrap=True)
    table.add_column("Train mem", justify="right", no_wrap=True)
    table.add_column("RF", justify="right", style=FIELD_STYLE, no_wrap=True)
    table.add_column("Final", justify="right", style=SHAPE_STYLE, no_wrap=True)
    table.add_column("Front", justify="center", style=BEST_STYLE, no_wrap=True)
    for rank, (candidate, front) in enumerate(
        zip(result.chosen, result.on_front, strict=False), start=1
    ):
        figures = candidate.figures
        traits = " ".join(FAMILIES[candidate.family].traits(candidate.point))
        table.add_row(
            str(rank),
            Text.assemble((candidate.family, NAME_STYLE), (f"\n{traits}", MUTED_STYLE)),
            Text.assemble(
                _dashes(candidate.layout.depths),
                (f"\n{_dashes(candidate.layout.widths)}", MUTED_STYLE),
            ),
            compact(figures.params),
            compact(figures.macs),
            readable_size(figures.training_bytes),
            _field(figures),
            _size(figures.final_size),
            FRONT_MARK if front else "",
        )
    notes = [
        "Stages: convolutions (plain) or blocks per stage, and beneath, their widths. "
        "RF: the last spatial layer's receptive field in pixels, and over the input's size.",
        f"Ranked by {result.settings.objective.meaning}.",
        limits_line(result),
        search_line(result),
        f"{FRONT_MARK}: on the Pareto front of parameters against MACs (no network that fits "
        "has as many MACs or more with as few parameters or fewer).",
    ]
    return Group(table, *(Text(note, style=MUTED_STYLE) for note in notes))


# Records: --json, plan.json, plan.csv.


def candidate_record(
    candidate: Candidate, *, rank: int | None, on_front: bool | None, spec: str | None = None
) -> dict[str, Any]:
    """One candidate as JSON data: where it is in the space, its figures, how it ranks."""
    figures = candidate.figures
    record: dict[str, Any] = {
        "rank": rank,
        "family": candidate.family,
        "name": candidate.slug,
        "point": dict(candidate.point),
        "stage_depths": list(candidate.layout.depths),
        "stage_widths": list(candidate.layout.widths),
        "params": figures.params,
        "macs": figures.macs,
        "flops": None if figures.macs is None else 2 * figures.macs,
        "training_memory_bytes": figures.training_bytes,
        "receptive_field": one_or_list(figures.receptive_field),
        "rf_fraction": figures.rf_fraction,
        "final_size": list(figures.final_size),
        "depth": figures.depth,
        "pareto": on_front,
    }
    if candidate.violations:
        record["violations"] = [
            {"constraint": v.key, "flag": v.flag, "value": v.value, "limit": v.limit}
            for v in candidate.violations
        ]
    if spec is not None:
        record["spec"] = spec
    return record


def search_record(result: SearchResult, *, timed: bool = True) -> dict[str, Any]:
    """How the search went; ``timed`` adds the seconds (left out of plan.json, so that the same
    command writes the same file)."""
    record: dict[str, Any] = {
        "examined": result.examined,
        "refused": result.refused,
        "feasible": len(result.ranked),
        "families": [
            {
                "family": family.name,
                "space_size": family.space_size,
                "walked": family.walked,
                "points": family.points,
                "examined": family.examined,
                "refused": family.refused,
                "feasible": family.feasible,
            }
            for family in result.families
        ],
    }
    if timed:
        record["seconds"] = round(result.seconds, 3)
        record["per_second"] = round(result.rate, 1)
    return record


def plan_record(result: SearchResult, specs: dict[str, str] | None = None) -> dict[str, Any]:
    """``--json``: the settings, the search, and the chosen networks (with their files)."""
    specs = specs or {}
    chosen = [
        candidate_record(c, rank=rank, on_front=front, spec=specs.get(c.slug))
        for rank, (c, front) in enumerate(zip(result.chosen, result.on_front, strict=False), 1)
    ]
    return {
        "plan": settings_data(result.settings),
        "search": search_record(result),
        "chosen": chosen,
    }


def plan_file_record(result: SearchResult, specs: dict[str, str]) -> dict[str, Any]:
    """``plan.json``: the settings (a plan file that reproduces it), the search, and every
    network that fits, ranked, the chosen ones naming their spec file."""
    return {
        "plan": settings_data(result.settings),
        "search": search_record(result, timed=False),
        "candidates": [
            candidate_record(c, rank=rank, on_front=front, spec=specs.get(c.slug))
            for rank, (c, front) in enumerate(zip(result.ranked, result.on_front, strict=True), 1)
        ],
    }


CSV_FIGURES = (
    "rank", "family", "name", "stage_depths", "stage_widths", "params", "macs",
    "training_memory_bytes", "receptive_field", "rf_fraction", "final_size", "depth", "pareto",
    "spec",
)  # fmt: skip


def plan_csv(result: SearchResult, specs: dict[str, str]) -> str:
    """``plan.csv``: one row per network that fits, its figures, then every parameter."""
    params = list(
        dict.fromkeys(p.name for _, space in result.settings.spaces for p in space.params)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_FIGURES, *(f"point.{name}" for name in params)])
    for rank, (candidate, front) in enumerate(
        zip(result.ranked, result.on_front, strict=True), start=1
    ):
        record = candidate_record(
            candidate, rank=rank, on_front=front, spec=specs.get(candidate.slug)
        )
        cells = [_csv_cell(record.get(column)) for column in CSV_FIGURES]
        writer.writerow([*cells, *(_csv_cell(candidate.point.get(p)) for p in params)])
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "x".join(str(item) for item in value) if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# Spec descriptions.


def chosen_description(result: SearchResult, rank: int, candidate: Candidate) -> str:
    """What the network is, and why the plan chose it: its rank, the objective, its figures
    against the limits."""
    settings = result.settings
    family = next(family for family, _ in settings.spaces if family.name == candidate.family)
    figures = candidate.figures
    facts = [
        f"{figures.params:,} parameters",
        f"{figures.macs:,} MACs" if figures.macs is not None else "MACs unknown",
        f"training memory {readable_size(figures.training_bytes)} at batch {settings.batch_size}",
        f"receptive field {axes_text(figures.receptive_field)} px "
        f"({figures.rf_fraction or 0:.2f}× the input)",
        f"final size {_size(figures.final_size)}",
    ]
    limits = [limit_text(key, settings.limits) for key in settings.limits.given()]
    within = f" within {', '.join(limits)}" if limits else ""
    return (
        f"{family.describe(candidate.point, settings.problem)} Chosen by archplan plan as "
        f"number {rank} of {len(result.ranked):,} networks that fit{within}, ranked by "
        f"{settings.objective.meaning}: {'; '.join(facts)}."
    )


# The output folder.


@dataclass(frozen=True)
class WrittenPlan:
    """The files a plan wrote, and the spec file of each chosen network, by its name."""

    folder: Path
    files: tuple[str, ...]
    specs: dict[str, str]
    plot_skipped: str | None = None
    """Why pareto.png was not drawn (matplotlib missing), if it was not."""


def print_written(written: WrittenPlan) -> None:
    """``Wrote plan.json, plan.csv, pareto.png and these specs to DIR/:``, a spec a line."""
    scripts = {name.removesuffix(".json") + ".py" for name in written.specs.values()}
    others = [
        name for name in written.files if name not in written.specs.values() and name not in scripts
    ]
    console = Console(highlight=False)
    folder = visible(str(written.folder))
    console.print(Text(f"Wrote {', '.join(others)} and these specs to {folder}/:"))
    for name in written.specs.values():
        script = name.removesuffix(".json") + ".py"
        beside = f" and {script}" if script in written.files else ""
        console.print(Text(f"  {visible(name)}{visible(beside)}"), soft_wrap=True)


def _torch_script(data: dict[str, Any], name: str) -> str:
    """The spec as a PyTorch script (text: torch is not imported)."""
    from archplan.engine.trace import trace_network
    from archplan.interop.torch_code import torch_script
    from archplan.schema import parse_spec

    network = parse_spec(data, source=name)
    return torch_script(network, trace_network(network), source=name)


def _spec_file(rank: int, candidate: Candidate) -> str:
    return f"{rank:02d}-{candidate.slug}.json"


FIXED_FILES = (PLAN_JSON, PLAN_CSV, PARETO_PNG)
"""The files every plan folder gets, beside its specs."""


def check_folder(folder: Path, *, force: bool, inputs: Sequence[Path] = ()) -> None:
    """Refuse a file, or a folder that already holds files (unless ``force``), or (``force`` or
    not) one where a file the plan writes is a folder, a device or an input."""
    if folder.exists() and not folder.is_dir():
        raise ArchplanError(f"{folder}: is a file; --out-dir names a folder for the plan's files")
    refuse_entries(folder, FIXED_FILES, inputs=inputs)
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ArchplanError(
            f"{folder}: already holds files, and a plan never overwrites them; choose another "
            "--out-dir, or pass --force to replace the plan's files in it"
        )


def write_plan(
    result: SearchResult,
    folder: Path,
    *,
    force: bool,
    inputs: Sequence[Path] = (),
    torch_scripts: bool = False,
) -> WrittenPlan:
    """Write the chosen specs, plan.json, plan.csv and pareto.png into ``folder`` (with
    ``torch_scripts``, each spec's PyTorch script beside it, ``01-NAME.py``); every entry is
    checked before the first is written."""
    check_folder(folder, force=force, inputs=inputs)
    texts: dict[str, str] = {}
    specs: dict[str, str] = {}
    for rank, candidate in enumerate(result.chosen, start=1):
        name = _spec_file(rank, candidate)
        data = spec_data(
            candidate,
            name=candidate.slug,
            description=chosen_description(result, rank, candidate),
        )
        texts[name] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        specs[candidate.slug] = name
        if torch_scripts:
            texts[name.removesuffix(".json") + ".py"] = _torch_script(data, name)
    texts[PLAN_JSON] = json.dumps(plan_file_record(result, specs), indent=2) + "\n"
    texts[PLAN_CSV] = plan_csv(result, specs)
    refuse_entries(folder, [*texts, PARETO_PNG], inputs=inputs)
    make_folder(folder)
    for name, text in texts.items():
        write_text(folder / name, text, inputs=inputs)
    skipped = None
    try:
        write_file(folder / PARETO_PNG, lambda path: draw_pareto(result, path), inputs=inputs)
    except ModuleNotFoundError as missing:  # matplotlib comes with the train extra
        skipped = (
            f"{PARETO_PNG} not drawn: {missing.name} is not installed "
            "(pip install 'archplan[train]')"
        )
    else:
        texts[PARETO_PNG] = ""
    return WrittenPlan(folder, tuple(texts), specs, skipped)


QUIET_SECONDS = 1.0
"""A search shorter than this shows no bar: it is over before one would be read."""


@contextlib.contextmanager
def search_progress(console: Console) -> Iterator[Progress | None]:
    """A bar of the networks examined and the time left, drawn on a terminal once the search
    has run a second, and gone when it ends; None (nothing to tell) elsewhere."""
    if not console.is_terminal:
        yield None
        return
    bar = ProgressBar(
        TextColumn("searching"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    )  # fmt: skip
    task = bar.add_task("search", total=None)
    start = time.monotonic()
    shown = [0.0]

    def update(done: int, total: int) -> None:
        now = time.monotonic()
        if now - start < QUIET_SECONDS or now - shown[0] < 0.1:
            return
        if not shown[0]:
            bar.start()
        shown[0] = now
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        bar.stop()
