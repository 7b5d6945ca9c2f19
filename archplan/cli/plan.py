"""``trace``, ``params`` and ``schema``: the light commands, which never import a framework."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from archplan.cli.boundary import reports_errors, stderr_console
from archplan.engine.trace import Trace, trace_network
from archplan.errors import SpecError
from archplan.report.data import trace_record
from archplan.report.sizes import DTYPE_BYTES
from archplan.report.tables import params_table, trace_table
from archplan.spec import Network, load_spec

WARNING_STYLE = "bold yellow"

SpecArg = Annotated[
    Path,
    typer.Argument(
        metavar="SPEC",
        help="A network spec (JSON), e.g. specs/tutorial-convnet.json.",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")
]
DtypeOpt = Annotated[
    str,
    typer.Option(
        help=f"Dtype of weights and activations, for sizes in bytes: {', '.join(DTYPE_BYTES)}."
    ),
]
BatchOpt = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        min=1,
        help="Samples per batch, for the memory estimates "
        "(default: the spec's training.batch_size, else 32).",
        show_default=False,
    ),
]


def traced(path: Path) -> Trace:
    """Load and trace a spec file; shape problems are reported with the file's path, and any
    warning is printed on stderr (the command still succeeds)."""
    network = load_spec(path)
    try:
        result = trace_network(network)
    except SpecError as error:
        raise SpecError(f"{path}: {error}") from None
    print_warnings(path, result.warnings)
    return result


def print_warnings(path: Path, warnings: tuple[str, ...]) -> None:
    """One yellow ``warning: FILE: ...`` line on stderr per warning."""
    for warning in warnings:
        stderr_console().print(f"[{WARNING_STYLE}]warning:[/] {escape(f'{path}: {warning}')}")


def bytes_per_value(dtype: str) -> int:
    if dtype not in DTYPE_BYTES:
        raise SpecError(f"--dtype {dtype!r} is not one of {', '.join(DTYPE_BYTES)}")
    return DTYPE_BYTES[dtype]


def print_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@reports_errors
def trace(
    spec: SpecArg,
    as_json: JsonOpt = False,
    dtype: DtypeOpt = "float32",
    batch_size: BatchOpt = None,
) -> None:
    """Show every layer's output shape, the arithmetic behind it, its parameters, MACs and
    receptive field; then the totals and a memory estimate."""
    result = traced(spec)
    size = bytes_per_value(dtype)
    if as_json:
        print_json(trace_record(result, bytes_per_param=size, batch_size=batch_size))
    else:
        Console().print(trace_table(result, bytes_per_param=size, batch_size=batch_size))


@reports_errors
def params(spec: SpecArg, as_json: JsonOpt = False, dtype: DtypeOpt = "float32") -> None:
    """Show each layer's parameter formula, trainable and non-trainable totals, and their bytes."""
    result = traced(spec)
    size = bytes_per_value(dtype)
    if as_json:
        print_json(trace_record(result, bytes_per_param=size))
    else:
        Console().print(params_table(result, bytes_per_param=size))


@reports_errors
def schema() -> None:
    """Print the spec format's JSON Schema, for editors to validate and complete spec files."""
    print_json(Network.model_json_schema(by_alias=True))


def register(app: typer.Typer) -> None:
    app.command()(trace)
    app.command()(params)
    app.command()(schema)
