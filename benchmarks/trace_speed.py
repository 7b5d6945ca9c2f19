"""How fast is ``archplan trace``, against Keras' ``model.summary()`` and against a bare start?

Prints, from one run on this machine:
1. whole commands, start-up included: ``archplan trace specs/tutorial-convnet.json`` against a
   Python process that imports Keras, builds the tutorial's model and prints its summary
   (the last line, ``ratio``, is this one: what a user waits for), and against a bare start of
   the same stack: a typer app that reads the spec into one pydantic model and prints a rich
   table of its layers (the least any command of this stack can cost); the same once more with
   ``PYTHONDONTWRITEBYTECODE=1``, the cost of running without bytecode caching;
2. in-process, imports excluded: the engine alone, and the engine plus its rich table, against
   building the Keras model and summarising it;
3. the engine alone on chains of 1,250 to 10,000 layers, to show growth is linear;
4. the whole ``archplan trace`` command on chains of 10,000 and 100,000 layers (rendering
   included; goal: 10,000 under 2 s, and linear beyond);
5. with ``--instructions`` (valgrind installed): the instructions archplan trace and the bare
   start execute, counted by callgrind: a ratio no other work on a shared machine can disturb.

Goals: archplan trace within 1.25x of the bare start, and at least 20x faster than Keras;
10,000 layers well under a second.
Usage: python benchmarks/trace_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from timing import best_of  # beside this script

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


BARE_PROGRAM = """
import sys
from pathlib import Path
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

class Spec(BaseModel):
    input: dict[str, list[int]]
    layers: list[dict[str, object]]

app = typer.Typer()

@app.command()
def trace(spec: Path) -> None:
    network = Spec.model_validate_json(spec.read_bytes())
    table = Table(title=spec.stem)
    for column in ("#", "Layer (type)", "Arguments"):
        table.add_column(column)
    for index, layer in enumerate(network.layers):
        table.add_row(str(index), str(layer.get("type")), str(sorted(layer)))
    Console().print(table)

@app.command()
def other() -> None:
    pass

app()
"""


def run_quietly(command: list[str], cwd: str | None = None, **extra_env: str) -> None:
    environment = {"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "", "COLUMNS": "160", **extra_env}
    subprocess.run(command, check=True, capture_output=True, env=environment, cwd=cwd)


def whole_commands(repeat: int) -> dict[str, float]:
    """Seconds for each whole command, the variants taking turns round after round.

    "no .pyc" runs a copy of archplan's sources that has no bytecode, with
    ``PYTHONDONTWRITEBYTECODE=1``: every archplan module is compiled anew, as in an editable
    install run that way (installed packages keep the bytecode pip wrote for them).
    """
    archplan = [sys.executable, "-m", "archplan", "trace", str(SPEC)]
    bare = [sys.executable, "-c", BARE_PROGRAM, "trace", str(SPEC)]
    with tempfile.TemporaryDirectory() as copy:
        shutil.copytree(ROOT / "archplan", Path(copy) / "archplan",
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        commands = {
            "archplan trace": lambda: run_quietly(archplan),
            "bare start": lambda: run_quietly(bare),
            "archplan trace, no .pyc": lambda: run_quietly(
                archplan, cwd=copy, PYTHONDONTWRITEBYTECODE="1"
            ),
            "keras summary": lambda: run_quietly([sys.executable, "-c", KERAS_PROGRAM]),
        }
        run_quietly(archplan)  # writes the bytecode a normal install has
        timings: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, command in commands.items():
                timings[name].append(best_of(1, command))
    return {name: min(seconds) for name, seconds in timings.items()}


def in_process(repeat: int) -> tuple[float, float, float]:
    """Seconds for archplan's engine alone, the engine plus its rich table, and Keras."""
    from rich.console import Console

    from archplan import load_spec, trace_network
    from archplan.engine.summary import summarize
    from archplan.report.tables import trace_table

    def archplan_engine() -> None:
        trace_network(load_spec(SPEC))

    def archplan_trace() -> None:
        Console(file=io.StringIO(), width=160).print(
            trace_table(summarize(trace_network(load_spec(SPEC))))
        )

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


def long_chains(lengths: list[int]) -> list[tuple[int, float]]:
    """Seconds for the whole trace command on a chain of each length (rendering included)."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for length in lengths:
            layers = [{"type": "Dense", "units": 8 + (i % 5), "activation": "relu"}
                      for i in range(length)]  # fmt: skip
            spec = Path(folder) / f"chain{length}.json"
            spec.write_text(json.dumps({"input": {"shape": [16]}, "layers": layers}))
            command = [sys.executable, "-m", "archplan", "trace", str(spec)]
            results.append((length, best_of(1, lambda c=command: run_quietly(c))))  # type: ignore[misc]
    return results


def instructions(command: list[str]) -> int | None:
    """Instructions the command executes, counted by valgrind's callgrind; None without it."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        capture_output=True, text=True, env={"PATH": "", "COLUMNS": "160"}, check=True,
    )  # fmt: skip
    counted = re.search(r"Collected : (\d+)", done.stderr)
    return int(counted.group(1)) if counted else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions with valgrind (about a minute)")  # fmt: skip
    args = parser.parse_args()
    repeat = args.repeat
    if args.instructions:
        archplan_ir = instructions([sys.executable, "-m", "archplan", "trace", str(SPEC)])
        bare_ir = instructions([sys.executable, "-c", BARE_PROGRAM, "trace", str(SPEC)])
        if archplan_ir and bare_ir:
            print(f"instructions    archplan trace {archplan_ir / 1e6:,.0f}M   bare start "
                  f"{bare_ir / 1e6:,.0f}M   ratio {archplan_ir / bare_ir:.2f}  (goal <= 1.25)")  # fmt: skip
        else:
            print("instructions    valgrind is not installed: not counted")

    whole = whole_commands(repeat)
    archplan_cmd, keras_cmd, bare = (
        whole["archplan trace"],
        whole["keras summary"],
        whole["bare start"],
    )
    for name, seconds in whole.items():
        print(f"whole command   {name:24} {seconds * 1000:8.1f} ms")
    print(f"archplan trace / bare start: {archplan_cmd / bare:.2f}  (goal <= 1.25)")
    no_pyc = whole["archplan trace, no .pyc"]
    print(
        f"without bytecode caching: +{(no_pyc - archplan_cmd) * 1000:.0f} ms ({no_pyc / archplan_cmd:.2f}x)"
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
    chains = long_chains([10_000, 100_000])
    for length, seconds in chains:
        print(
            f"whole command   trace of {length:7,d} layers  {seconds:8.2f} s   (goal for 10,000: < 2 s)"
        )
    (short, short_s), (long, long_s) = chains
    print(
        f"growth 10,000 -> 100,000 layers relative to linear: {(long_s / short_s) / (long / short):.2f}"
    )
    print(
        f"ratio {keras_cmd / archplan_cmd:.2f}  (keras summary / archplan trace, whole commands, goal >= 20)"
    )


if __name__ == "__main__":
    main()
