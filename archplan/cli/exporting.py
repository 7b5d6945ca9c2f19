"""``export``: a spec as a standalone Keras script, the JSON ``model_from_json`` reads, or a
PyTorch script.

Nothing is imported from Keras or torch: the scripts and the configuration are written as text.
The library is imported inside the command, so ``archplan --help`` stays light.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated

import typer

from archplan.cli.boundary import print_problem, reports_errors
from archplan.cli.options import (
    ForceOpt,
    OutputOpt,
    SpecArg,
    check_new_file,
    loaded_and_traced,
    write_text_file,
)
from archplan.report.styles import WARNING_STYLE


class ExportFormat(str, Enum):
    """What ``export`` writes."""

    python = "python"
    keras_json = "keras-json"
    torch = "torch"


FormatOpt = Annotated[
    ExportFormat,
    typer.Option(
        "--format",
        help="python: a script with build_model(), compile and a CIFAR-10 main(); keras-json: "
        "the model configuration keras.models.model_from_json reads; torch: a PyTorch script "
        "whose build_model() returns the same network as an nn.Module (channels first).",
    ),
]


@reports_errors
def export(
    spec: SpecArg,
    output: OutputOpt = None,
    export_format: FormatOpt = ExportFormat.python,
    force: ForceOpt = False,
) -> None:
    """Write the spec as Keras (a readable script or the model's JSON configuration) or PyTorch.

    The Keras script uses Sequential for a chain and the functional API for a graph; the PyTorch
    script, nn.Sequential for a chain and an nn.Module with a forward for a graph.
    """
    from archplan.interop.keras_json import keras_model_config
    from archplan.interop.python_code import fits_cifar10, python_script
    from archplan.interop.torch_code import torch_script

    if output is not None:
        check_new_file(output, force=force, inputs=(spec,))
    network, trace = loaded_and_traced(spec)
    if export_format is ExportFormat.python:
        text = python_script(network, trace, source=str(spec))
        if not fits_cifar10(trace):
            problem = (
                f"{spec}: the network takes {trace.input_shape} and gives {trace.output_shape}, "
                "not CIFAR-10's (32, 32, 3) images and 10 classes: the script's build_model() "
                "is exact, its main() needs your own data"
            )
            print_problem("warning", WARNING_STYLE, problem)
    elif export_format is ExportFormat.torch:
        text = torch_script(network, trace, source=str(spec))
    else:
        text = json.dumps(keras_model_config(network, trace), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    write_text_file(output, text, inputs=(spec,))
    typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command()(export)
