"""How fast does ``archplan plan`` examine candidates, and how long does the default search take?

Prints, from one run on this machine:
1. per family, on the same sampled points, candidates a second three ways, side by side:
   ``full``: the spec file's JSON validated and traced in full (``parse_spec`` + ``trace_network``,
   as ``archplan trace`` would); ``numbers``: the generated network measured by the numbers-only
   walk (``measure_network``, no memo); ``search``: as the search does it (shared layers, the
   memo, no cycle collection), constraints checked; and the ratio search / full;
2. the default search in-process (``--input-shape 32x32x3 --classes 10 --max-params 1M --max-macs 100M
   --min-rf 1.0``, every family, the default samples): candidates examined, seconds, candidates a
   second;
3. the same search as a whole command (``python -m archplan plan ...``), start-up included.

Wall times are the fastest of ``--repeat`` runs; on a shared machine the processor seconds the
search itself used are printed beside them.

Goal (issue 11): >= 2,000 candidates a second; the default search under 10 s.
Usage: python benchmarks/plan_speed.py [--repeat N] [--points N]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from timing import best_of  # beside this script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's archplan, wherever the script is run from

from archplan.engine.measure import measure_network  # noqa: E402
from archplan.engine.trace import trace_network  # noqa: E402
from archplan.planner.families import FAMILIES  # noqa: E402
from archplan.planner.planfile import Overrides, PlanFile, resolve  # noqa: E402
from archplan.planner.search import Evaluator, search, without_cycle_collection  # noqa: E402
from archplan.planner.written import layer_data  # noqa: E402
from archplan.schema import parse_spec  # noqa: E402

DEFAULT_SEARCH = [
    "--input-shape", "32x32x3", "--classes", "10", "--max-params", "1M", "--max-macs", "100M",
    "--min-rf", "1.0",
]  # fmt: skip


def default_settings() -> Any:
    overrides = Overrides(
        input_shape=(32, 32, 3), classes=10, max_params=10**6, max_macs=10**8, min_rf=1.0
    )
    return resolve(PlanFile(), overrides)


def side_by_side(settings: Any, points: int, repeat: int) -> None:
    """Candidates a second, full trace against numbers-only against the search's own path."""
    print(
        f"{'family':8} {'full':>9} {'numbers':>9} {'search':>9}   search/full  (candidates a second)"
    )
    for family, space in settings.spaces:
        chosen = space.sample(points, random.Random(f"bench/{family.name}"))
        networks = [family.network(point, settings.problem) for point in chosen]
        specs = [
            {"input": {"shape": list(settings.problem.input_shape)},
             "layers": [layer_data(layer) for layer in network.layers]}
            for network in networks
        ]  # fmt: skip

        def full(specs: list[dict[str, Any]] = specs) -> None:
            for spec in specs:
                trace_network(parse_spec(spec))

        def numbers(chosen: list[Any] = chosen, family: Any = family) -> None:
            for point in chosen:
                measure_network(family.network(point, settings.problem))

        def searched(chosen: list[Any] = chosen, family: Any = family) -> None:
            evaluator = Evaluator(settings)  # a fresh memo each round: no head start
            with without_cycle_collection():  # as search() runs
                for point in chosen:
                    evaluator.candidate(family, point)

        rates = [len(chosen) / best_of(repeat, action) for action in (full, numbers, searched)]
        print(
            f"{family.name:8} {rates[0]:9,.0f} {rates[1]:9,.0f} {rates[2]:9,.0f}   "
            f"{rates[2] / rates[0]:11.1f}"
        )


def default_search(repeat: int) -> tuple[int, float, float]:
    """Candidates examined, and the fastest wall and processor seconds of ``repeat`` searches
    (processor time: what this process itself used, whatever else the machine runs)."""
    settings = default_settings()
    walls, processor = [], []
    examined = 0
    for _ in range(repeat):
        start = time.process_time()
        result = search(settings)
        processor.append(time.process_time() - start)
        walls.append(result.seconds)
        examined = result.examined
    return examined, min(walls), min(processor)


def whole_command(repeat: int) -> float:
    command = [sys.executable, "-m", "archplan", "plan", *DEFAULT_SEARCH]
    return best_of(
        repeat, lambda: subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--points", type=int, default=300, help="points per family, side by side")
    arguments = parser.parse_args()
    settings = default_settings()
    print(f"families: {', '.join(FAMILIES)}; {arguments.points} sampled points each; "
          f"best of {arguments.repeat}")  # fmt: skip
    side_by_side(settings, arguments.points, arguments.repeat)
    examined, seconds, processor = default_search(arguments.repeat)
    print(
        f"default search (in-process)   {examined:,} candidates in {seconds:.2f} s: "
        f"{examined / seconds:,.0f} candidates a second ({examined / processor:,.0f} per "
        f"processor second)"
    )
    wall = whole_command(arguments.repeat)
    print(f"default search (whole command, start-up included)   {wall:.2f} s")
    print(f"candidates a second {examined / seconds:,.0f} (goal >= 2,000); "
          f"default search {wall:.2f} s (goal < 10 s)")  # fmt: skip


if __name__ == "__main__":
    main()
