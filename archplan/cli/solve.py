"""``solve``: which kernel, stride, padding and dilation turn one length into another."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from archplan.cli.boundary import reports_errors, stdout_console
from archplan.cli.options import JsonOpt, print_json, renamed
from archplan.errors import ArchplanError
from archplan.planner.solve import (
    SHOWN,
    Bounds,
    LayerKind,
    bounds_that_work,
    no_solution_hint,
    solve_some,
)

BOUNDS = "Bounds"


class Padding(str, Enum):
    valid = "valid"
    same = "same"


InputLengthOpt = Annotated[
    int | None,
    typer.Option("--input-length", min=1, metavar="N", show_default=False,
                 help="The input's length along one axis, e.g. 32."),
]  # fmt: skip
OutputLengthOpt = Annotated[
    int | None,
    typer.Option("--output-length", min=1, metavar="N", show_default=False,
                 help="The output length wanted, e.g. 16."),
]  # fmt: skip
OldInputOpt = Annotated[int | None, typer.Option("--input", min=1, hidden=True)]
"""``--input``, the old name of ``--input-length``."""
OldOutputOpt = Annotated[int | None, typer.Option("--output", min=1, hidden=True)]
"""``--output``, the old name of ``--output-length`` (``-o/--output`` names a file elsewhere)."""
LayerOpt = Annotated[
    LayerKind,
    typer.Option("--layer", help="conv (Conv2D and friends), pool (pooling) or transpose "
                 "(Conv2DTranspose)."),
]  # fmt: skip
KernelOpt = Annotated[
    int | None,
    typer.Option("--kernel", min=1, help="Only this kernel (or pool) size.", show_default=False),
]
StrideOpt = Annotated[
    int | None, typer.Option("--stride", min=1, help="Only this stride.", show_default=False)
]
PaddingOpt = Annotated[
    Padding | None, typer.Option("--padding", help="Only this padding.", show_default=False)
]
DilationOpt = Annotated[
    int | None, typer.Option("--dilation", min=1, help="Only this dilation.", show_default=False)
]
MaxKernelOpt = Annotated[
    int, typer.Option("--max-kernel", min=1, help="Largest kernel tried.", rich_help_panel=BOUNDS)
]
MaxStrideOpt = Annotated[
    int,
    typer.Option(
        "--max-stride",
        min=1,
        help="Largest stride tried. Time grows with "
        "strides times dilations (a million: about a second), not with kernels: "
        "each stride's kernels are derived.",
        rich_help_panel=BOUNDS,
    ),
]
MaxDilationOpt = Annotated[
    int, typer.Option("--max-dilation", min=1, help="Largest dilation tried.",
                      rich_help_panel=BOUNDS),
]  # fmt: skip


@reports_errors
def solve_command(
    size: InputLengthOpt = None,
    target: OutputLengthOpt = None,
    layer: LayerOpt = LayerKind.conv,
    kernel: KernelOpt = None,
    stride: StrideOpt = None,
    padding: PaddingOpt = None,
    dilation: DilationOpt = None,
    max_kernel: MaxKernelOpt = 7,
    max_stride: MaxStrideOpt = 4,
    max_dilation: MaxDilationOpt = 3,
    as_json: JsonOpt = False,
    old_input: OldInputOpt = None,
    old_output: OldOutputOpt = None,
) -> None:
    """Every kernel, stride, padding and dilation that turns one length into another: the
    simplest 100 listed, all counted."""
    size = renamed("--input-length", "--input", size, old_input)
    target = renamed("--output-length", "--output", target, old_output)
    if size is None or target is None:
        missing = [
            f for f, v in (("--input-length", size), ("--output-length", target)) if v is None
        ]
        raise ArchplanError(
            f"solve needs {' and '.join(missing)}, e.g. --input-length 32 --output-length 28"
        )
    if layer is LayerKind.pool and dilation not in (None, 1):
        raise ArchplanError("--dilation: pooling has no dilation; drop it, or use --layer conv")
    bounds = Bounds(
        max_kernel=max_kernel,
        max_stride=max_stride,
        max_dilation=max_dilation,
        kernel=kernel,
        stride=stride,
        padding=padding.value if padding is not None else None,
        dilation=dilation,
    )
    solved = solve_some(size, target, layer, bounds, limit=SHOWN)
    solutions = solved.solutions
    if not solutions:
        raise ArchplanError(
            f"no {layer.keras_class} with kernel ≤ {kernel or max_kernel}, stride ≤ "
            f"{stride or max_stride}"
            + ("" if layer is LayerKind.pool else f", dilation ≤ {dilation or max_dilation}")
            + f" turns {size} into {target}; {what_works(size, target, layer, bounds)}"
        )
    from archplan.report.solve import solve_record, solve_table

    if as_json:
        print_json(solve_record(size, target, layer, solutions, count=solved.count))
    else:
        stdout_console().print(solve_table(size, target, layer, solutions, count=solved.count))


def what_works(size: int, target: int, layer: LayerKind, bounds: Bounds) -> str:
    """The reason, if there is one beyond the bounds, and a command that has answers."""
    reason = no_solution_hint(size, target, layer, bounds)
    if reason.startswith("a "):  # the layer kind itself cannot do it
        return reason
    working = bounds_that_work(size, target, layer, bounds)
    advice = (
        f"try: {solve_command_line(size, target, layer, working)}"
        if working is not None
        else "no single layer does it; use two layers"
    )
    return f"{reason}; {advice}" if reason else advice


def solve_command_line(size: int, target: int, layer: LayerKind, bounds: Bounds) -> str:
    """The ``archplan solve`` command for these bounds, defaults left out."""
    words = ["archplan", "solve", "--input-length", str(size), "--output-length", str(target)]
    if layer is not LayerKind.conv:
        words += ["--layer", layer.value]
    for flag, value in (
        ("--kernel", bounds.kernel),
        ("--stride", bounds.stride),
        ("--padding", bounds.padding),
        ("--dilation", bounds.dilation),
    ):
        if value is not None:
            words += [flag, str(value)]  # fmt: skip
    default = Bounds()
    for flag, value, usual in (
        ("--max-kernel", bounds.max_kernel, default.max_kernel),
        ("--max-stride", bounds.max_stride, default.max_stride),
        ("--max-dilation", bounds.max_dilation, default.max_dilation),
    ):
        if value != usual:
            words += [flag, str(value)]  # fmt: skip
    return " ".join(words)


def register(app: typer.Typer) -> None:
    app.command("solve")(solve_command)
