"""Why nothing fits, in one line: the nearest candidate, the limits it breaks, the flags that
would admit it.

Words, not rendering: ``archplan plan`` and the measured search (``plan --train``) both refuse a
plan with this line, so it lives beside the limits it names, below the presentation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from archplan.planner.constraints import FLAGS, Limits, Violation
from archplan.planner.quantities import QuantityError, parse_count
from archplan.planner.search import SearchResult
from archplan.rules.sizes import HUGE_COUNT, compact, readable_size


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


def exact_count(count: int) -> str:
    """A count as short as it reads back exactly: ``1.5K``, ``1e38``; else ``1,234,567``."""
    if count >= HUGE_COUNT:  # every digit that matters, in powers of ten: 1e38, 1.5e20
        from decimal import Decimal

        return f"{Decimal(count).normalize():e}".replace("+", "")
    short = compact(count)
    try:
        exact = parse_count(short.replace(",", "")) == count
    except QuantityError:
        exact = False
    return short if exact else f"{count:,}"


def limit_text(key: str, limits: Limits) -> str:
    """``--max-params 1M``: a limit as the flag that set it."""
    value = getattr(limits, key)
    if key in ("max_params", "max_macs"):
        shown = exact_count(value)
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


def violation_text(violation: Violation, limits: Limits) -> str:
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


def joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def input_text(result: SearchResult) -> str:
    return "×".join(str(size) for size in result.settings.problem.input_shape)


def nothing_fits(result: SearchResult) -> str:
    """One line: the nearest candidate, the limits it breaks and the flags that would admit it,
    or the engine's reason when every network was refused."""
    names = " or ".join(result.settings.family_names)
    shape = input_text(result)
    nearest = result.nearest
    if nearest is None:
        refusal = next((f.refusal for f in result.families if f.refusal), None)
        reason = f"; the first: {refusal}" if refusal else ""
        return (
            f"no {names} network for {shape} could be built: the engine refused all "
            f"{result.examined:,} examined{reason}; allow fewer stages or a larger input"
        )
    fixes = "; ".join(violation_text(v, result.settings.limits) for v in nearest.violations)
    other = ""
    if result.elsewhere:
        other = "".join(
            f", or add --family {name} ({count:,} fit)" for name, count in result.elsewhere
        )
    return (
        f"nothing fits: of {result.examined:,} {names} networks for {shape}, the nearest "
        f"({nearest.slug}) {fixes}{other}"
    )
