"""The plan tab: budgets from the page's form, ``archplan plan``'s search, each point's spec.

The form's fields are the flags of ``archplan plan`` as text (``1M``, ``64MB``, ``32x32x3``),
read by the same parsers, so a budget means in the page what it means on the command line. A
search's result is kept (the last few), so that clicking a point writes out that one spec only.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from archplan.errors import ArchplanError
from archplan.planner.choices import Objective
from archplan.planner.planfile import Overrides, PlanFile, resolve
from archplan.planner.quantities import (
    QuantityError,
    parse_bytes,
    parse_count,
    parse_fraction,
    parse_input_shape,
    parse_range,
)
from archplan.planner.refusal import nothing_fits
from archplan.planner.search import Candidate, SearchResult, search
from archplan.planner.written import spec_data
from archplan.report.plan import candidate_record, chosen_description, limits_line
from archplan.serve.views import BadRequestError, spec_text

T = TypeVar("T")
KEPT = 4
"""Searches whose points can still be opened: the latest ones."""
MAX_SAMPLES = 20_000
"""The most points per family one request may ask for (the default is 3,000)."""
MAX_POINTS = 2_000
"""Points sent to the plot: the best ones (the front is always among the first)."""
POINT_KEYS = ("rank", "family", "name", "params", "macs", "training_memory_bytes", "pareto")
"""What the plot and the list of chosen networks show of each point (``plan --json``'s keys)."""
FIELDS = {
    "input": ("--input", parse_input_shape),
    "max_params": ("--max-params", parse_count),
    "max_macs": ("--max-macs", parse_count),
    "max_memory": ("--max-memory", parse_bytes),
    "min_rf": ("--min-rf", parse_fraction),
    "final_size": ("--final-size", parse_range),
}
"""The form's text fields, the flag each stands for, and its parser."""


def _read(form: Mapping[str, Any], key: str) -> Any:
    flag, parse = FIELDS[key]
    value = form.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BadRequestError(f"{flag}: give it as text, e.g. as on the command line")
    try:
        return parse(str(value).strip())
    except QuantityError as problem:
        raise ArchplanError(f"{flag}: {problem}") from None


def _whole(form: Mapping[str, Any], key: str, flag: str, top: int) -> int | None:
    value = form.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise ArchplanError(f"{flag}: give a whole number from 1 to {top:,}")
    return value


def _choice(value: Any, make: Callable[[str], T], flag: str, options: str) -> T | None:
    if value is None or value == "":
        return None
    try:
        return make(str(value))
    except ValueError:
        raise ArchplanError(f"{flag} {value!r}: choose one of {options}") from None


def overrides(form: Mapping[str, Any]) -> Overrides:
    """The form as ``archplan plan``'s flags; a mistake is one line naming the flag."""
    families = form.get("family") or None
    if families is not None:
        if not isinstance(families, str):
            raise BadRequestError("--family: give names separated by commas")
        families = tuple(name.strip() for name in families.split(",") if name.strip()) or None
    classes = _whole(form, "classes", "--classes", 100_000)
    if classes is not None and classes < 2:
        raise ArchplanError("--classes: a softmax needs at least 2 classes")
    objectives = ", ".join(item.value for item in Objective)
    return Overrides(
        input_shape=_read(form, "input"),
        classes=classes,
        families=families,
        max_params=_read(form, "max_params"),
        max_macs=_read(form, "max_macs"),
        max_memory=_read(form, "max_memory"),
        min_rf=_read(form, "min_rf"),
        final_size=_read(form, "final_size"),
        max_depth=_whole(form, "max_depth", "--max-depth", 10_000),
        objective=_choice(form.get("objective"), Objective, "--objective", objectives),
        top=_whole(form, "top", "--top", 100),
        samples=_whole(form, "samples", "--samples", MAX_SAMPLES),
        batch_size=_whole(form, "batch_size", "--batch-size", 65_536),
    )


def _point(candidate: Candidate, rank: int, on_front: bool) -> dict[str, Any]:
    record = candidate_record(candidate, rank=rank, on_front=on_front)
    return {key: record[key] for key in POINT_KEYS}


class Plans:
    """The latest searches, by number, for opening their points' specs; safe across threads."""

    def __init__(self) -> None:
        self._results: OrderedDict[int, SearchResult] = OrderedDict()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def run(self, form: Mapping[str, Any]) -> dict[str, Any]:
        """Search under the form's budgets; the plot's points, the chosen ones first."""
        settings = resolve(PlanFile(), overrides(form), source="the plan form")
        result = search(settings)
        if not result.ranked:
            return {"ok": False, "error": nothing_fits(result), "layer": None, "fixable": False}
        with self._lock:
            number = next(self._numbers)
            self._results[number] = result
            while len(self._results) > KEPT:
                self._results.popitem(last=False)
        plotted = zip(result.ranked[:MAX_POINTS], result.on_front, strict=False)
        points = [_point(c, rank, front) for rank, (c, front) in enumerate(plotted, start=1)]
        return {
            "ok": True,
            "plan": number,
            "points": points,
            "feasible": len(result.ranked),
            "examined": result.examined,
            "top": result.settings.top,
            "limits": limits_line(result),
        }

    def spec(self, number: int, rank: int) -> dict[str, Any]:
        """The spec of the network ranked ``rank`` in search ``number``, as the editor shows it."""
        with self._lock:
            result = self._results.get(number)
        if result is None:
            raise ArchplanError(f"plan {number}: no longer kept (the last {KEPT} are); plan again")
        if not 1 <= rank <= len(result.ranked):
            raise ArchplanError(f"rank {rank}: plan {number} has ranks 1 to {len(result.ranked)}")
        candidate = result.ranked[rank - 1]
        description = chosen_description(result, rank, candidate)
        data = spec_data(candidate, name=candidate.slug, description=description)
        return {"ok": True, "name": candidate.slug, "text": spec_text(data)}
