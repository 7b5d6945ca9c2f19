"""``trace``, ``params`` and ``schema``: the light commands, which never import a framework."""

from __future__ import annotations

from typing import Annotated

import typer

from archplan.cli.boundary import reports_errors, stdout_console
from archplan.cli.options import BatchOpt, Dtype, DtypeOpt, JsonOpt, SpecArg, print_json, traced


@reports_errors
def trace(
    spec: SpecArg,
    as_json: JsonOpt = False,
    dtype: DtypeOpt = Dtype.float32,
    batch_size: BatchOpt = None,
) -> None:
    """Show each layer's output shape, arithmetic, parameters, MACs and receptive field.

    Then the totals, and a memory estimate at --dtype and --batch-size.
    """
    from archplan.engine.summary import summarize

    summary = summarize(traced(spec), bytes_per_value=dtype.bytes, batch_size=batch_size)
    if as_json:
        from archplan.report.data import trace_record

        print_json(trace_record(summary))
    else:
        from archplan.report.layout import print_in_parts
        from archplan.report.tables import trace_table

        print_in_parts(stdout_console(), trace_table(summary))


@reports_errors
def params(spec: SpecArg, as_json: JsonOpt = False, dtype: DtypeOpt = Dtype.float32) -> None:
    """Show each layer's parameter formula, then the totals and their bytes."""
    from archplan.engine.summary import summarize

    summary = summarize(traced(spec), bytes_per_value=dtype.bytes)
    if as_json:
        from archplan.report.data import trace_record

        print_json(trace_record(summary))
    else:
        from archplan.report.layout import print_in_parts
        from archplan.report.tables import params_table

        print_in_parts(stdout_console(), params_table(summary))


PlanSchemaOpt = Annotated[
    bool, typer.Option("--plan", help="The plan file's schema (archplan plan PLAN.json) instead.")
]


@reports_errors
def schema(plan: PlanSchemaOpt = False) -> None:
    """Print the spec format's JSON Schema (with --plan, the plan file's).

    Editors use it to validate and complete the files.
    """
    if plan:
        from archplan.planner.planfile import PlanFile

        print_json(PlanFile.model_json_schema(by_alias=True))
    else:
        from archplan.schema.network import network_json_schema

        print_json(network_json_schema())


def register(app: typer.Typer) -> None:
    app.command()(trace)
    app.command()(params)
    app.command()(schema)
