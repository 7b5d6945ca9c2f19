"""The budgeted search: walk or sample each family's space, measure, check, rank.

Each point becomes a network (:meth:`Family.network`), the engine measures it (the numbers-only
walk, with an :class:`InferenceMemo` shared by the whole search), and the limits are checked on
those numbers. A network the engine refuses (a map that would shrink to nothing) is counted and
skipped, never built. A family whose space has at most ``samples`` points is walked whole; a
larger one is sampled, seeded by the plan's seed and the family's name, so the same command
always examines the same networks and gives the same plan. Points that give the same network
(a one-stage network has nothing to downsample) are examined once.

:class:`Evaluator` is the step a search repeats, for any sampler: a point in, a measured and
checked :class:`Candidate` out (or the engine's refusal, a SpecError).
"""

from __future__ import annotations

import contextlib
import gc
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from archplan.engine.measure import InferenceMemo, measure_network
from archplan.errors import ArchplanError, SpecError
from archplan.planner.constraints import Figures, Violation, figures
from archplan.planner.families import FAMILIES, Family, Layout
from archplan.planner.planfile import Settings
from archplan.planner.ranking import pareto_front, rank_key
from archplan.planner.space import Choice, Point, validate_point
from archplan.schema.network import Network


@dataclass(frozen=True)
class Candidate:
    """A measured network of a family: its point, layout, figures, and the limits it breaks."""

    family: str
    point: dict[str, Choice]
    slug: str
    layout: Layout
    network: Network
    figures: Figures
    violations: tuple[Violation, ...]
    order: int = 0
    """Its place in the search: the last tie-breaker, so rankings never depend on chance."""

    @property
    def feasible(self) -> bool:
        return not self.violations


class Evaluator:
    """Point → network → the engine's numbers → the plan's limits, with one memo throughout."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.memo = InferenceMemo()

    def candidate(
        self, family: Family, point: Point, *, slug: str | None = None, order: int = 0
    ) -> Candidate:
        """The candidate at ``point``; raises the engine's SpecError if the network is refused."""
        settings = self.settings
        slug = slug or family.slug(point)
        network = family.network(point, settings.problem, name=slug)
        measured = figures(
            measure_network(network, self.memo),
            bytes_per_value=settings.bytes_per_value,
            batch_size=settings.batch_size,
        )
        return Candidate(
            family=family.name,
            point=dict(point),
            slug=slug,
            layout=family.layout(point),
            network=network,
            figures=measured,
            violations=settings.limits.check(measured),
            order=order,
        )

    def checked_point(self, family: Family, point: Point) -> Candidate:
        """:meth:`candidate` for a point from outside (a file, another sampler), checked first."""
        try:
            valid = validate_point(family.space(), point)
        except ValueError as problem:
            raise SpecError(f"{family.name} point: {problem}") from None
        return self.candidate(family, valid)


@dataclass(frozen=True)
class FamilySearch:
    """How one family's space was searched."""

    name: str
    space_size: int
    walked: bool
    """True when every point was examined; False when the space was sampled."""
    points: int
    """Points drawn (sampled or walked)."""
    examined: int
    """Distinct networks measured (or refused)."""
    refused: int
    """Networks the engine refused: a layer could not take its input."""
    feasible: int
    refusal: str | None = None
    """The first refusal's message, to show when every network was refused."""


@dataclass(frozen=True)
class SearchResult:
    """The ranked feasible candidates, how the search went, and, when nothing fits, the nearest."""

    settings: Settings
    families: tuple[FamilySearch, ...]
    ranked: tuple[Candidate, ...]
    """Every feasible candidate, best first by the plan's objective."""
    on_front: tuple[bool, ...]
    """For each of ``ranked``: on the Pareto front of parameters against MACs."""
    seconds: float
    nearest: Candidate | None = None
    """When nothing fits: the candidate that misses the limits by the least."""
    elsewhere: tuple[tuple[str, int], ...] = ()
    """When nothing fits: other families, and how many of their networks would."""

    @property
    def chosen(self) -> tuple[Candidate, ...]:
        return self.ranked[: self.settings.top]

    @property
    def examined(self) -> int:
        return sum(family.examined for family in self.families)

    @property
    def refused(self) -> int:
        return sum(family.refused for family in self.families)

    @property
    def rate(self) -> float:
        """Networks examined per second."""
        return self.examined / self.seconds if self.seconds > 0 else float("inf")


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: a search allocates hundreds of thousands of small objects
    that form no cycles (tuples, steps, candidates), and each of the collector's passes over the
    growing memo would cost more than the search itself (about half its time, measured)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Progress = Callable[[int, int], None]
"""Told ``(points done, points in all)`` as a search goes, to show it."""


class SearchInterruptedError(ArchplanError):
    """Ctrl-C during a search: how far it got; nothing was written (exit 130, as a shell's)."""

    exit_code = 130


def points_to_examine(settings: Settings) -> int:
    """The points a search draws, over all its families."""
    return sum(min(settings.samples, space.size) for _, space in settings.spaces)


def search(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.perf_counter,
    look_elsewhere: bool = True,
    progress: Progress | None = None,
) -> SearchResult:
    """Search every family of ``settings``; when none fits, also count what other families
    would give (``look_elsewhere``), to suggest one. ``progress`` hears of every point; Ctrl-C
    stops the search with :class:`SearchInterruptedError`."""
    start = clock()
    evaluator = Evaluator(settings)
    candidates: list[Candidate] = []
    total = points_to_examine(settings)
    done = [0]

    def step() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    try:
        with without_cycle_collection():
            reports = [
                _search_family(evaluator, family, candidates, step) for family, _ in settings.spaces
            ]
    except KeyboardInterrupt:
        raise SearchInterruptedError(
            f"interrupted after {done[0]:,} of {total:,} networks; nothing was written"
        ) from None
    feasible = [candidate for candidate in candidates if candidate.feasible]
    ranked = sorted(feasible, key=lambda c: (rank_key(settings.objective, c.figures), c.order))
    front = pareto_front([(c.figures.params, c.figures.macs) for c in ranked])
    nearest = None if ranked else _nearest(candidates, settings)
    elsewhere: tuple[tuple[str, int], ...] = ()
    if not ranked and look_elsewhere:
        others = tuple(name for name in FAMILIES if name not in settings.family_names)
        if others:
            found = search(settings.with_families(others), clock=clock, look_elsewhere=False)
            elsewhere = tuple((f.name, f.feasible) for f in found.families if f.feasible)
    return SearchResult(
        settings=settings,
        families=tuple(reports),
        ranked=tuple(ranked),
        on_front=tuple(front),
        seconds=clock() - start,
        nearest=nearest,
        elsewhere=elsewhere,
    )


def _search_family(
    evaluator: Evaluator, family: Family, candidates: list[Candidate], step: Callable[[], None]
) -> FamilySearch:
    """Measure the family's points into ``candidates``; say how it went."""
    settings = evaluator.settings
    space = dict(settings.spaces)[family]
    points = space.sample(settings.samples, random.Random(f"{settings.seed}/{family.name}"))
    seen: set[str] = set()
    refused = feasible = 0
    refusal: str | None = None
    for point in points:
        step()
        slug = family.slug(point)
        if slug in seen:
            continue
        seen.add(slug)
        try:
            candidate = evaluator.candidate(family, point, slug=slug, order=len(candidates))
        except SpecError as problem:
            refused += 1
            refusal = refusal or str(problem)
            continue
        candidates.append(candidate)
        feasible += candidate.feasible
    return FamilySearch(
        name=family.name,
        space_size=space.size,
        walked=len(points) == space.size,
        points=len(points),
        examined=len(seen),
        refused=refused,
        feasible=feasible,
        refusal=refusal,
    )


def _nearest(candidates: list[Candidate], settings: Settings) -> Candidate | None:
    """The candidate whose limits need the least raising (summed log ratios), then the fewest
    limits broken, then the best by the objective."""
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda c: (
            sum(v.excess for v in c.violations),
            len(c.violations),
            rank_key(settings.objective, c.figures),
            c.order,
        ),
    )
