"""``plot`` and ``compare``: a network's diagram, and several networks' costs side by side.

``plot`` imports the Graphviz bindings inside the command, so ``import archplan.cli`` stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from archplan.cli.boundary import print_problem, reports_errors, stdout_console
from archplan.cli.options import BatchOpt, Dtype, DtypeOpt, JsonOpt, SpecArg, print_json, traced
from archplan.errors import ArchplanError
from archplan.report.styles import NOTE_STYLE

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


def check_writable(output: Path, spec: Path) -> None:
    """Refuse, before any work, a path whose folder is missing, that names a folder, a device,
    a FIFO or a socket, or that is the spec."""
    if output.is_dir():
        raise ArchplanError(f"{output}: is a directory; name a .svg or .png file inside it")
    from archplan.files.writing import refuse_target

    refuse_target(output, inputs=(spec,))


@reports_errors
def plot(spec: SpecArg, output: OutputOpt) -> None:
    """Draw the network as a diagram of its layers, arguments and shapes (needs Graphviz)."""
    fmt = diagram_format(output)
    check_writable(output, spec)
    result = traced(spec)
    from archplan.files.writing import write_bytes
    from archplan.report.diagram import render  # Graphviz bindings: only when plotting

    write_bytes(output, render(result, fmt), inputs=(spec,))
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

    for first, second in same_files(specs):
        print_problem(
            "note", NOTE_STYLE, f"{first} and {second} are one file, compared with itself"
        )
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


def same_files(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """Each path that names a file given before it (by the same path, a link or a hard link)."""
    from archplan.files.writing import file_identity

    seen: dict[tuple[int, int], Path] = {}
    pairs = []
    for path in paths:
        identity = file_identity(path)
        if identity is None:
            continue
        if identity in seen:
            pairs.append((seen[identity], path))
        else:
            seen[identity] = path
    return pairs


def register(app: typer.Typer) -> None:
    app.command()(plot)
    app.command()(compare)
