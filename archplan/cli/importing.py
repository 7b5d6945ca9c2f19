"""``import``: a Keras model file (``.keras``, or ``model.to_json()``'s JSON), or a PyTorch
callable (``model.py:build_model``), as an archplan spec.

Nothing is imported from Keras: the model's configuration is read as JSON and never its weights.
A PyTorch model is read by running its file (torch is then imported, by
:mod:`archplan.pytorch` only). The library is imported inside the command, so
``archplan --help`` stays light.
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
    str,
    typer.Argument(
        metavar="MODEL",
        help="A Keras 3 model: a .keras file, or the JSON of model.to_json() (a .keras file's "
        "config.json), never run; or a PyTorch model: FILE.py:CALLABLE, a function returning "
        "an nn.Module; or a torch.export program saved as .pt2. Importing FILE.py RUNS ITS "
        "CODE (as any PyTorch tool must): import only files you trust. A .pt2 runs no model "
        "code, but torch.export.load unpickles parts of it: load only programs you trust.",
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
        help="The input's shape without the batch axis, channels last, e.g. 224,224,3: for a "
        "model that leaves sizes open (None), or to plan it at another size. A PyTorch model "
        "needs it and is given (1, C, H, W): 224,224,3 feeds it (1, 3, 224, 224).",
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
    """Read a Keras model (.keras or its JSON) or a PyTorch module into a spec, without Keras.

    Nested models are opened up; layer names, types and non-default arguments are kept. The trace
    is checked against every output shape the framework recorded (and, for PyTorch, its weights).
    """
    from archplan.interop import import_model, spec_text

    shape = parse_shape(input_shape) if input_shape is not None else None
    if output is not None:
        check_new_file(output, force=force, inputs=(_model_file(model),))
    if _is_torch(model):
        from archplan.pytorch.importing import import_torch

        imported = import_torch(model, input_shape=shape, partial=partial)
    elif model.endswith(".pt2"):
        from archplan.pytorch.importing import import_program

        imported = import_program(Path(model), input_shape=shape, partial=partial)
    else:
        imported = import_model(Path(model), partial=partial, input_shape=shape)
    if imported.cut is not None:
        print_problem("note", NOTE_STYLE, f"{model}: --partial: {imported.cut}")
    for note in imported.notes:
        print_problem("note", NOTE_STYLE, f"{model}: {note}")
    print_warnings(Path(model), imported.trace.warnings)
    text = spec_text(imported.spec)
    if output is None:
        sys.stdout.write(text)
        return
    write_text_file(output, text, inputs=(_model_file(model),))
    trace = imported.trace
    macs = f", {trace.total_macs:,} MACs" if trace.total_macs is not None else ""
    typer.echo(
        f"wrote {output}: {trace.name}, {len(trace.layers)} layers, "
        f"{trace.total_params:,} parameters{macs}"
    )


def _is_torch(model: str) -> bool:
    """``FILE.py:CALLABLE``: a PyTorch callable (checked here, without importing torch)."""
    path, colon, attribute = model.rpartition(":")
    return bool(colon) and path.endswith(".py") and attribute.isidentifier()


def _model_file(model: str) -> Path:
    """The file MODEL names (``FILE.py`` of ``FILE.py:CALLABLE``): an input -o must not replace."""
    return Path(model.rpartition(":")[0]) if _is_torch(model) else Path(model)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
