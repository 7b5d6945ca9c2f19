"""``plot`` and ``compare``: a network's diagram, and several networks' costs side by side.

``plot`` imports the Graphviz bindings inside the command, so ``import archplan.cli`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archplan.cli.boundary import reports_errors, stdout_console
from archplan.cli.options import BatchOpt, Dtype, DtypeOpt, JsonOpt, SpecArg, print_json, traced
from archplan.errors import ArchplanError

DIAGRAM_SUFFIXES = {".svg": "svg", ".png": "png"}

OutputOpt = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="The diagram file to write: .svg or .png (an existing file is replaced).",
        show_default=False,
    ),
]
SpecsArg = Annotated[
    list[Path],
    typer.Argument(metavar="SPEC...", help="Two or more network specs (JSON).", show_default=False),
]


def diagram_format(output: Path) -> str:
    """The format the output's extension asks for; anything but .svg and .png is refused."""
    fmt = DIAGRAM_SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        shown = repr(output.suffix) if output.suffix else "no extension"
        raise ArchplanError(
            f"{output}: cannot tell the diagram format from {shown}; name the file .svg or .png"
        )
    return fmt


def check_writable(output: Path) -> None:
    """Refuse, before any work, a path whose folder is missing or that names a folder."""
    if output.is_dir():
        raise ArchplanError(f"{output}: is a directory; name a .svg or .png file inside it")
    folder = output.parent
    if not folder.is_dir():
        raise ArchplanError(
            f"{output}: the directory {folder} does not exist; create it first or write elsewhere"
        )


def write_bytes(output: Path, data: bytes) -> None:
    try:
        output.write_bytes(data)
    except OSError as error:
        raise ArchplanError(f"{output}: cannot be written ({error.strerror})") from None


@reports_errors
def plot(spec: SpecArg, output: OutputOpt) -> None:
    """Draw the network as a diagram of its layers, arguments and shapes (needs Graphviz)."""
    fmt = diagram_format(output)
    check_writable(output)
    result = traced(spec)
    from archplan.report.diagram import render  # Graphviz bindings: only when plotting

    write_bytes(output, render(result, fmt))
    typer.echo(f"wrote {output}")


@reports_errors
def compare(
    specs: SpecsArg,
    as_json: JsonOpt = False,
    dtype: DtypeOpt = Dtype.float32,
    batch_size: BatchOpt = None,
) -> None:
    """Compare networks side by side, the best value in each row marked.

    Parameters, MACs, memory, final shape, receptive field and depth.
    """
    if len(specs) < 2:
        raise ArchplanError("compare needs at least two specs, e.g. archplan compare a.json b.json")
    from archplan.engine.summary import summarize
    from archplan.report.compare import compare_record, compare_table, compared

    size = dtype.bytes
    networks = compared(
        [
            (str(path), summarize(traced(path), bytes_per_value=size, batch_size=batch_size))
            for path in specs
        ]
    )
    if as_json:
        print_json(compare_record(networks))
    else:
        stdout_console().print(compare_table(networks))


def register(app: typer.Typer) -> None:
    app.command()(plot)
    app.command()(compare)
