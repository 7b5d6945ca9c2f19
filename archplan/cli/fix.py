"""``fix``: the smallest changes that make an impossible spec valid, verified by the engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from archplan.cli.boundary import reports_errors, stdout_console
from archplan.cli.options import JsonOpt, SpecArg, check_new_file, print_json, write_text_file
from archplan.errors import ArchplanError
from archplan.messages import visible

SHOWN = 10
"""Fixes the table lists unless --all."""

OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the first fix (or --pick N) to this file; the "
                 "original spec is never changed.", show_default=False),
]  # fmt: skip
PickOpt = Annotated[
    int, typer.Option("--pick", min=1, help="Which fix -o writes (its number in the table).")
]
AllOpt = Annotated[bool, typer.Option("--all", help="List every fix, not only the first ten.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Let -o replace an existing file.")]


def _raw(path: Path) -> dict[str, Any]:
    """The spec's JSON as written, once the spec format accepts it (the trace may refuse it)."""
    from archplan.errors import SpecError
    from archplan.files.reading import read_json
    from archplan.schema import parse_spec
    from archplan.schema.load import WHERE_SPECS_ARE

    data: dict[str, Any] = read_json(
        path, where_to_look=WHERE_SPECS_ARE, error=SpecError, allow_nan=True
    )
    parse_spec(data, source=str(path), default_name=path.stem)
    return data


def _check_output(spec: Path, output: Path, force: bool) -> None:
    if output.absolute() == spec.absolute():  # by another name: refused as any input is
        raise ArchplanError(
            f"{output}: is the spec itself; fix never changes it, name another file"
        )
    check_new_file(output, force=force, inputs=(spec,))


@reports_errors
def fix(
    spec: SpecArg,
    output: OutputOpt = None,
    pick: PickOpt = 1,
    show_all: AllOpt = False,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Find the smallest changes that make an impossible spec valid; -o writes one."""
    from archplan.planner.fix import find_fixes
    from archplan.report.fix import fix_report_record, fix_table

    if output is not None:
        _check_output(spec, output, force)
    report = find_fixes(_raw(spec), source=str(spec))
    if report.refusal is None:
        if as_json:
            print_json(fix_report_record(spec, report))
        else:
            typer.echo(f"{visible(str(spec))}: nothing to fix: it traces")
        return
    if not report.fixes:
        raise ArchplanError(
            f"{spec}: {report.refusal}; none of the {report.tried} changes archplan tries makes "
            "it valid"
        )
    if pick > len(report.fixes):
        raise ArchplanError(f"--pick {pick}: there are {len(report.fixes)} fixes; pick 1 to "
                            f"{len(report.fixes)}")  # fmt: skip
    if as_json:
        print_json(fix_report_record(spec, report))
    else:
        shown = len(report.fixes) if show_all else SHOWN
        stdout_console().print(fix_table(spec, report, shown=shown))
    if output is not None:
        chosen = report.fixes[pick - 1]
        text = json.dumps(chosen.data, indent=2, ensure_ascii=False) + "\n"
        write_text_file(output, text, inputs=(spec,))
        if not as_json:
            typer.echo(f"wrote fix {pick} to {visible(str(output))}")


def register(app: typer.Typer) -> None:
    app.command()(fix)
