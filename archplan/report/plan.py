"""What ``archplan plan`` shows and writes: the table of chosen networks, JSON, CSV, the plot.

Rendering only: the search (:mod:`archplan.planner.search`) computed every figure. With
``--out DIR`` the folder gets one spec per chosen network, ``plan.json`` and ``plan.csv`` with
every network that fits, and ``pareto.png`` (matplotlib is imported only to draw it).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from archplan.errors import ArchplanError
from archplan.messages import visible
from archplan.planner.constraints import FLAGS, Figures, Limits, Violation
from archplan.planner.families import FAMILIES
from archplan.planner.search import Candidate, FamilySearch, SearchResult
from archplan.planner.written import settings_data, spec_data
from archplan.records.folder import write_atomically, write_text_atomically
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
from archplan.report.tables import axes_text, compact
from archplan.rules.sizes import readable_size

FRONT_MARK = "✓"
PLAN_JSON = "plan.json"
PLAN_CSV = "plan.csv"
PARETO_PNG = "pareto.png"


def _dashes(values: Sequence[int]) -> str:
    return "-".join(str(value) for value in values)


def _field(figures: Figures) -> str:
    """``'36 px\n1.12×'``: the last spatial layer's field in pixels, and over the input's size."""
    if not figures.receptive_field or figures.rf_fraction is None:
        return "–"
    return f"{axes_text(figures.receptive_field)} px\n{figures.rf_fraction:.2f}×"


def _size(sizes: Sequence[int]) -> str:
    return "×".join(str(size) for size in sizes) if sizes else "–"


# Limits, in words and as the flags that would change them.


def _ceil_significant(count: float, digits: int = 3) -> float:
    """The smallest number of ``digits`` significant digits that is at least ``count``."""
    if count <= 0:
        return count
    scale = 10.0 ** (math.floor(math.log10(count)) - digits + 1)
    return math.ceil(count / scale - 1e-9) * scale


def count_limit(count: float) -> str:
    """A count as a flag value, rounded up so that it admits ``count``: ``1,213,456`` → 1.22M."""
    return compact(round(_ceil_significant(count)))


def bytes_limit(size: float) -> str:
    """A byte size as a flag value, rounded up: ``1,153,094,432`` → ``1.08GB``."""
    for unit, scale in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{math.ceil(size / scale * 100 - 1e-9) / 100:g}{unit}"
    return f"{math.ceil(size)}B"


def limit_text(key: str, limits: Limits) -> str:
    """``--max-params 1M``: a limit as the flag that set it."""
    value = getattr(limits, key)
    if key in ("max_params", "max_macs"):
        shown = compact(value)
    elif key == "max_memory":
        shown = bytes_limit(value)
    elif key == "final_size":
        low, high = value
        shown = str(low) if low == high else f"{low}..{high if high is not None else ''}"
    elif key == "min_rf":
        shown = str(value)
    else:
        shown = f"{value:g}"
    return f"{FLAGS[key]} {shown}"


def _violation_text(violation: Violation, limits: Limits) -> str:
    """What the candidate has, against which limit, and the flag value that would admit it."""
    key, value = violation.key, violation.value
    flag = FLAGS[key]
    bound = limit_text(key, limits)
    if value is None:
        return f"has no figure for {flag} ({bound})"
    if key in ("max_params", "max_macs"):
        what = "parameters" if key == "max_params" else "MACs"
        return f"has {compact(round(value))} {what} ({bound}); raise {flag} to {count_limit(value)}"
    if key == "max_memory":
        return (
            f"needs {readable_size(value)} of training memory ({bound}); raise {flag} to "
            f"{bytes_limit(value)}, or lower --batch-size"
        )
    if key == "min_rf":
        floor = math.floor(value * 100) / 100
        return f"sees {value:.2f}× the input ({bound}); lower {flag} to {floor:g}"
    if key == "final_size":
        low, high = limits.final_size or (1, None)
        wider = (min(low, int(value)), None if high is None else max(high, int(value)))
        shown = f"{wider[0]}..{wider[1] if wider[1] is not None else ''}"
        return f"ends at size {int(value)} ({bound}); allow {flag} {shown}"
    return f"has {int(value)} layers with weights ({bound}); raise {flag} to {int(value)}"


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
        f"Searched {_join(families)}: {result.examined:,} distinct networks in "
        f"{result.seconds:.1f} s ({result.rate:,.0f} a second){refused}; "
        f"{len(result.ranked):,} fit."
    )


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _input_text(result: SearchResult) -> str:
    return "×".join(str(size) for size in result.settings.problem.input_shape)


def nothing_fits(result: SearchResult) -> str:
    """One line: the nearest candidate, the limits it breaks and the flags that would admit it,
    or the engine's reason when every network was refused."""
    names = " or ".join(result.settings.family_names)
    shape = _input_text(result)
    nearest = result.nearest
    if nearest is None:
        refusal = next((f.refusal for f in result.families if f.refusal), None)
        reason = f"; the first: {refusal}" if refusal else ""
        return (
            f"no {names} network for {shape} could be built: the engine refused all "
            f"{result.examined:,} examined{reason}; allow fewer stages or a larger input"
        )
    fixes = "; ".join(_violation_text(v, result.settings.limits) for v in nearest.violations)
    other = ""
    if result.elsewhere:
        other = "".join(
            f", or add --family {name} ({count:,} fit)" for name, count in result.elsewhere
        )
    return (
        f"nothing fits: of {result.examined:,} {names} networks for {shape}, the nearest "
        f"({nearest.slug}) {fixes}{other}"
    )


# The table.


def plan_table(result: SearchResult) -> RenderableType:
    """The chosen networks, best first, then how they were ranked and searched.

    Each cell stacks its details under its main figure, so the table fits 80 columns.
    """
    table = Table(
        title=f"Plan: input {_input_text(result)}, {result.settings.problem.classes} classes",
        title_style=TITLE_STYLE,
        box=box.SIMPLE_HEAD,
        header_style=HEADER_STYLE,
    )
    table.add_column("#", justify="right", style=MUTED_STYLE)
    table.add_column("Network", min_width=10, max_width=24)
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


def check_folder(folder: Path, *, force: bool) -> None:
    """Refuse a file, or a folder that already holds files (unless ``force``)."""
    if folder.exists() and not folder.is_dir():
        raise ArchplanError(f"{folder}: is a file; --out names a folder for the plan's files")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ArchplanError(
            f"{folder}: already holds files, and a plan never overwrites them; choose another "
            "--out, or pass --force to replace the plan's files in it"
        )


def write_plan(
    result: SearchResult, folder: Path, *, force: bool, torch_scripts: bool = False
) -> WrittenPlan:
    """Write the chosen specs, plan.json, plan.csv and pareto.png into ``folder``; with
    ``torch_scripts``, each spec's PyTorch script beside it (``01-NAME.py``)."""
    check_folder(folder, force=force)
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
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            write_text_atomically(folder / name, text)
    except OSError as error:
        raise ArchplanError(f"{folder}: cannot be written ({error.strerror})") from None
    skipped = None
    try:
        write_atomically(folder / PARETO_PNG, lambda path: draw_pareto(result, path))
    except ModuleNotFoundError as missing:  # matplotlib comes with the keras extra
        skipped = (
            f"{PARETO_PNG} not drawn: {missing.name} is not installed "
            "(pip install 'archplan[keras]')"
        )
    else:
        texts[PARETO_PNG] = ""
    return WrittenPlan(folder, tuple(texts), specs, skipped)
