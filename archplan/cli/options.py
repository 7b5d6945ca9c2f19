"""The options several commands share, and what they do with them: load, trace, print JSON.

The CLI's modules import the library inside their commands, so ``archplan --help`` and
``archplan --version`` load no spec model, and each command loads only what it uses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from archplan.cli.boundary import print_problem
from archplan.errors import ArchplanError, SpecError
from archplan.report.styles import WARNING_STYLE
from archplan.rules.sizes import DTYPE_BYTES
from archplan.schema.defaults import MAX_BATCH_SIZE

T = TypeVar("T")

if TYPE_CHECKING:
    from archplan.engine.trace import Trace
    from archplan.schema import Network

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


class Dtype(str, Enum):
    """The dtype a network is planned in: what one weight or activation costs in bytes."""

    float16 = "float16"
    bfloat16 = "bfloat16"
    float32 = "float32"
    float64 = "float64"

    @property
    def bytes(self) -> int:
        return DTYPE_BYTES[self.value]


DtypeOpt = Annotated[
    Dtype, typer.Option(help="Dtype of weights and activations, for sizes in bytes.")
]
BatchOpt = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        min=1,
        max=MAX_BATCH_SIZE,
        help="Samples per batch, for the memory estimates "
        "(default: the spec's training.batch_size, else 32).",
        show_default=False,
    ),
]


def traced(path: Path) -> Trace:
    """Load and trace a spec file; shape problems are reported with the file's path, and any
    warning is printed on stderr (the command still succeeds)."""
    return loaded_and_traced(path)[1]


def loaded_and_traced(path: Path) -> tuple[Network, Trace]:
    """The spec file's network and its trace, as :func:`traced` reports them."""
    from archplan.engine.trace import trace_network
    from archplan.schema import load_spec

    network = load_spec(path)
    try:
        result = trace_network(network)
    except SpecError as error:
        raise SpecError(f"{path}: {error}") from None
    print_warnings(path, result.warnings)
    return network, result


def print_warnings(path: Path, warnings: tuple[str, ...]) -> None:
    """One yellow ``warning: FILE: ...`` line on stderr per warning."""
    for warning in warnings:
        print_problem("warning", WARNING_STYLE, f"{path}: {warning}")


def print_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


# The training options of realize --train, which plan --train takes too, meaning the same.

TRAINING = "Training"
SPEED = "Speed"
BackendOpt = Annotated[
    str | None,
    typer.Option(
        help="Keras backend: tensorflow, jax or torch. Default: KERAS_BACKEND, else Keras' config, "
        "else tensorflow.",
        show_default=False,
    ),
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        help="CIFAR-10: the official python or binary archive or folder, or an image-folder tree "
        "(folder or archive). Default: Keras' cifar10.load_data() download.",
        show_default=False,
        rich_help_panel=TRAINING,
    ),
]
EpochsOpt = Annotated[
    int | None,
    typer.Option(min=1, help="Epochs to train (default: the training block's).", show_default=False,
                 rich_help_panel=TRAINING),
]  # fmt: skip
LimitOpt = Annotated[
    int | None,
    typer.Option(min=1, help="Use only the first N training images, for quick runs.",
                 show_default=False, rich_help_panel=TRAINING),
]  # fmt: skip
TestLimitOpt = Annotated[
    int | None,
    typer.Option("--test-limit", min=1, help="Evaluate on only the first N test images.",
                 show_default=False, rich_help_panel=TRAINING),
]  # fmt: skip
JitOpt = Annotated[
    bool | None,
    typer.Option("--jit-compile/--no-jit-compile",
                 help="Compile training steps with XLA, or not. Default: Keras' own \"auto\" (as "
                 "plain model.compile): on with JAX, and with TensorFlow on a GPU.",
                 show_default=False, rich_help_panel=SPEED),
]  # fmt: skip
MixedOpt = Annotated[
    bool,
    typer.Option("--mixed-precision",
                 help="Compute in float16 with float32 weights (mixed_float16; the output layer "
                 "stays float32): faster on GPUs with tensor cores, usually slower on CPUs.",
                 rich_help_panel=SPEED),
]  # fmt: skip


def renamed(new: str, old: str, value: T | None, old_value: T | None) -> T | None:
    """A flag's value under its name or its old one (kept out of --help so that scripts written
    for it still work); both at once is refused."""
    if value is not None and old_value is not None:
        raise ArchplanError(f"{old} is the old name of {new}; give {new} only")
    return value if value is not None else old_value


OldOutOpt = Annotated[Path | None, typer.Option("--out", hidden=True, show_default=False)]
"""``--out``, the old name of ``--out-dir``."""


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="The file to write (default: print to stdout). An existing file is kept unless "
        "--force.",
        show_default=False,
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]


def check_new_file(output: Path, *, force: bool, inputs: Sequence[Path] = ()) -> None:
    """Refuse, before any work, an output that would overwrite a file (unless ``force``), that is
    not a regular file (``force`` or not), that is one of the command's ``inputs`` by any name,
    or whose folder is missing."""
    from archplan.files.writing import refuse_target  # the writer: only when writing

    refuse_target(output, inputs=inputs)
    if output.exists() and not force:
        raise ArchplanError(
            f"{output}: already exists, and archplan never overwrites a file unasked; choose "
            "another -o, or pass --force to replace it"
        )


def write_text_file(output: Path, text: str, *, inputs: Sequence[Path] = ()) -> None:
    """Write ``text`` to ``output`` atomically: a reader sees the old file or the new, whole."""
    from archplan.files.writing import write_text  # the writer: only when writing

    write_text(output, text, inputs=inputs)
