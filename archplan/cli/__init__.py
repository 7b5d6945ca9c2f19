"""archplan's command line: ``archplan trace|params|schema|plan|fix|solve|...``.

Each command family lives in its own module and registers itself on the app here; importing this
package imports no deep-learning framework (``realize`` imports Keras inside the command).
"""

from __future__ import annotations

from typing import Annotated

import typer

from archplan import __version__
from archplan.cli import costs, exporting, fix, importing, plan, realize, solve, tracing
from archplan.cli.boundary import OneLineUsageErrors

app = typer.Typer(
    name="archplan",
    cls=OneLineUsageErrors,
    help="Plan a convnet's shapes and parameters before training it, exactly as Keras would.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"archplan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Plan a convnet's shapes and parameters before training it, exactly as Keras would."""


tracing.register(app)
realize.register(app)
costs.register(app)
plan.register(app)
fix.register(app)
solve.register(app)
importing.register(app)
exporting.register(app)


def main() -> None:
    """The ``archplan`` console script."""
    app()
