"""``trace``, ``params`` and ``schema``: the light commands, which never import a framework."""

from __future__ import annotations

import typer
from rich.console import Console

from archplan.cli.boundary import reports_errors
from archplan.cli.options import BatchOpt, Dtype, DtypeOpt, JsonOpt, SpecArg, print_json, traced


@reports_errors
def trace(
    spec: SpecArg,
    as_json: JsonOpt = False,
    dtype: DtypeOpt = Dtype.float32,
    batch_size: BatchOpt = None,
) -> None:
    """Show every layer's output shape, the arithmetic behind it, its parameters, MACs and
    receptive field; then the totals and a memory estimate."""
    result = traced(spec)
    size = dtype.bytes
    if as_json:
        from archplan.report.data import trace_record

        print_json(trace_record(result, bytes_per_param=size, batch_size=batch_size))
    else:
        from archplan.report.layout import print_in_parts
        from archplan.report.tables import trace_table

        table = trace_table(result, bytes_per_param=size, batch_size=batch_size)
        print_in_parts(Console(), table)


@reports_errors
def params(spec: SpecArg, as_json: JsonOpt = False, dtype: DtypeOpt = Dtype.float32) -> None:
    """Show each layer's parameter formula, trainable and non-trainable totals, and their bytes."""
    result = traced(spec)
    size = dtype.bytes
    if as_json:
        from archplan.report.data import trace_record

        print_json(trace_record(result, bytes_per_param=size))
    else:
        from archplan.report.layout import print_in_parts
        from archplan.report.tables import params_table

        print_in_parts(Console(), params_table(result, bytes_per_param=size))


@reports_errors
def schema() -> None:
    """Print the spec format's JSON Schema, for editors to validate and complete spec files."""
    from archplan.spec.network import network_json_schema

    print_json(network_json_schema())


def register(app: typer.Typer) -> None:
    app.command()(trace)
    app.command()(params)
    app.command()(schema)
