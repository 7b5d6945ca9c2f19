"""How much faster is ``archplan trace`` than building the Keras model to call ``model.summary()``?

Prints, from one run on this machine:
1. whole commands, start-up included: ``archplan trace specs/tutorial-convnet.json`` against a
   Python process that imports Keras, builds the tutorial's model and prints its summary
   (the last line, ``ratio``, is this one: what a user waits for);
2. in-process, imports excluded: the engine alone, and the engine plus its rich table, against
   building the Keras model and summarising it;
3. the engine alone on chains of 1,250 to 10,000 layers, to show growth is linear.

Goal (issue 2): ratio >= 20; 10,000 layers well under a second.
Usage: python benchmarks/trace_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "tutorial-convnet.json"

KERAS_PROGRAM = f"""
import sys
sys.path.insert(0, {str(ROOT / "benchmarks")!r})
import keras
from tutorial_keras import tutorial_model
model = tutorial_model(keras)
model.summary()
"""


def best_of(repeat: int, action: Callable[[], Any]) -> float:
    """The fastest of ``repeat`` timings: the least disturbed by other work on a shared machine."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def run_quietly(command: list[str]) -> None:
    subprocess.run(
        command, check=True, capture_output=True, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""}
    )


def whole_commands(repeat: int) -> tuple[float, float]:
    archplan = best_of(
        repeat, lambda: run_quietly([sys.executable, "-m", "archplan", "trace", str(SPEC)])
    )
    keras = best_of(repeat, lambda: run_quietly([sys.executable, "-c", KERAS_PROGRAM]))
    return archplan, keras


def in_process(repeat: int) -> tuple[float, float, float]:
    """Seconds for archplan's engine alone, the engine plus its rich table, and Keras."""
    from rich.console import Console

    from archplan import load_spec, trace_network
    from archplan.report.tables import trace_table

    def archplan_engine() -> None:
        trace_network(load_spec(SPEC))

    def archplan_trace() -> None:
        Console(file=io.StringIO(), width=160).print(trace_table(trace_network(load_spec(SPEC))))

    namespace: dict[str, Any] = {}
    exec("import keras", namespace)
    build = compile(
        KERAS_PROGRAM.replace("model.summary()", "model.summary(print_fn=lambda *a, **k: None)"),
        "keras",
        "exec",
    )
    keras = best_of(repeat, lambda: exec(build, dict(namespace)))
    return best_of(repeat, archplan_engine), best_of(repeat, archplan_trace), keras


def engine_scaling(lengths: list[int]) -> list[tuple[int, float]]:
    from archplan import parse_spec, trace_network

    results = []
    for length in lengths:
        layers = [{"type": "Dense", "units": 8 + (i % 5)} for i in range(length)]
        network = parse_spec({"input": {"shape": [16]}, "layers": layers})
        results.append((length, best_of(3, lambda n=network: trace_network(n))))  # type: ignore[misc]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat

    archplan_cmd, keras_cmd = whole_commands(repeat)
    print(
        f"whole command   archplan trace {archplan_cmd * 1000:8.1f} ms   keras summary {keras_cmd * 1000:8.1f} ms   ratio {keras_cmd / archplan_cmd:.1f}"
    )
    engine_in, table_in, keras_in = in_process(repeat)
    print(
        f"in-process      engine only    {engine_in * 1000:8.2f} ms   keras summary {keras_in * 1000:8.2f} ms   ratio {keras_in / engine_in:.1f}"
    )
    print(
        f"in-process      engine + table {table_in * 1000:8.2f} ms   keras summary {keras_in * 1000:8.2f} ms   ratio {keras_in / table_in:.1f}"
    )
    scaling = engine_scaling([1250, 2500, 5000, 10000])
    for length, seconds in scaling:
        print(
            f"engine          {length:6d} layers  {seconds * 1000:8.1f} ms   {seconds / length * 1e6:6.1f} µs/layer"
        )
    first, last = scaling[0], scaling[-1]
    growth = (last[1] / first[1]) / (last[0] / first[0])
    print(f"growth 1,250 -> 10,000 layers relative to linear: {growth:.2f} (1.00 = linear)")
    print(f"ratio {keras_cmd / archplan_cmd:.2f}  (whole commands, as a user runs them)")


if __name__ == "__main__":
    main()
