"""archplan's command line: ``archplan trace|params|schema|plan|fix|solve|import|export|serve|...``.

Each command family lives in its own module, which registers its commands on a typer app. A
family is imported only when one of its commands runs (or ``--help`` lists them all): ``archplan
trace`` neither imports nor builds the eight other commands. Importing this package imports no
deep-learning framework (``realize`` imports Keras inside the command).
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import typer
import typer.main

from archplan import __version__
from archplan.cli.boundary import OneLineUsageErrors, without_leading_blank_lines

COMMANDS: dict[str, str] = {
    "trace": "tracing",
    "params": "tracing",
    "schema": "tracing",
    "plan": "plan",
    "fix": "fix",
    "solve": "solve",
    "realize": "realize",
    "plot": "costs",
    "compare": "costs",
    "import": "importing",
    "export": "exporting",
    "serve": "serve",
}
"""Each command, in the order ``--help`` lists them, and the module under ``archplan.cli`` that
defines it (a module's ``register(app)`` adds its commands to an app)."""

MARKUP: Literal["rich"] = "rich"


class LazyCommands(OneLineUsageErrors):
    """The top-level group: a command is imported and built when it is asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        module = COMMANDS.get(cmd_name)
        return None if module is None else family_commands(module).get(cmd_name)


@functools.cache
def family_commands(module: str) -> Mapping[str, Any]:
    """The click commands one module's ``register`` defines, built once."""
    family = typer.Typer(rich_markup_mode=MARKUP, pretty_exceptions_enable=False)
    importlib.import_module(f"{__name__}.{module}").register(family)
    commands = typer.main.get_group(family).commands
    for command in commands.values():
        command.format_help = _trimmed(command.format_help)  # type: ignore[method-assign]
    return commands


def _trimmed(format_help: Any) -> Any:
    """A command's help without typer's leading blank line, as the group's own help."""

    @functools.wraps(format_help)
    def trimmed(ctx: Any, formatter: Any) -> None:
        without_leading_blank_lines(lambda: format_help(ctx, formatter))

    return trimmed


app = typer.Typer(
    name="archplan",
    cls=LazyCommands,
    help="Plan a convnet's shapes and parameters before training it, exactly as Keras would.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=MARKUP,
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


def main() -> None:
    """The ``archplan`` console script.

    archplan's own models need no pydantic plugin, so the command skips pydantic's search of
    every installed package's entry points for them (a few milliseconds of each start, more
    where many packages are installed); setting ``PYDANTIC_DISABLE_PLUGINS`` chooses otherwise.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
