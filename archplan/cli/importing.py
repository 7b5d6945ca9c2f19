"""``import``: a Keras model file (``.keras``, or ``model.to_json()``'s JSON) as an archplan spec.

Nothing is imported from Keras: the model's configuration is read as JSON and never its weights.
The library is imported inside the command, so ``archplan --help`` stays light.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from archplan.cli.boundary import print_problem, reports_errors
from archplan.cli.options import (
    ForceOpt,
    OutputOpt,
    check_new_file,
    print_warnings,
    write_text_file,
)
from archplan.errors import ArchplanError
from archplan.report.styles import NOTE_STYLE
from archplan.rules import shapes

ModelArg = Annotated[
    Path,
    typer.Argument(
        metavar="MODEL",
        help="A Keras 3 model: a .keras file, or the JSON of model.to_json() (a .keras file's "
        "config.json).",
        show_default=False,
    ),
]
PartialOpt = Annotated[
    bool,
    typer.Option(
        "--partial",
        help="Import the model up to the first layer archplan does not model, instead of "
        "refusing it.",
    ),
]
InputShapeOpt = Annotated[
    str | None,
    typer.Option(
        "--input-shape",
        metavar="H,W,C",
        help="The input's shape without the batch axis, e.g. 224,224,3: for a model that leaves "
        "sizes open (None), or to plan it at another size.",
        show_default=False,
    ),
]


def parse_shape(text: str) -> tuple[int, ...]:
    """``"224,224,3"`` → ``(224, 224, 3)``; anything else is refused with the expected form."""
    try:
        return shapes.parse_shape(text)
    except ValueError:
        raise ArchplanError(
            f"--input-shape {text!r}: expected sizes > 0 separated by commas, without the batch "
            "axis, e.g. --input-shape 224,224,3"
        ) from None


@reports_errors
def import_command(
    model: ModelArg,
    output: OutputOpt = None,
    partial: PartialOpt = False,
    input_shape: InputShapeOpt = None,
    force: ForceOpt = False,
) -> None:
    """Read a Keras model (.keras or its JSON) into a spec, without importing Keras.

    Nested models are opened up; layer names, types and non-default arguments are kept.

    The trace is checked against every output shape Keras recorded.
    """
    from archplan.interop import import_model, spec_text

    shape = parse_shape(input_shape) if input_shape is not None else None
    if output is not None:
        check_new_file(output, force=force, inputs=(model,))
    imported = import_model(model, partial=partial, input_shape=shape)
    if imported.cut is not None:
        print_problem("note", NOTE_STYLE, f"{model}: --partial: {imported.cut}")
    for note in imported.notes:
        print_problem("note", NOTE_STYLE, f"{model}: {note}")
    print_warnings(model, imported.trace.warnings)
    text = spec_text(imported.spec)
    if output is None:
        sys.stdout.write(text)
        return
    write_text_file(output, text, inputs=(model,))
    trace = imported.trace
    macs = f", {trace.total_macs:,} MACs" if trace.total_macs is not None else ""
    typer.echo(
        f"wrote {output}: {trace.name}, {len(trace.layers)} layers, "
        f"{trace.total_params:,} parameters{macs}"
    )


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
