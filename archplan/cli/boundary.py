"""The one place where errors become messages and exit codes.

User mistakes (:class:`ArchplanError`) print their message in red on stderr and exit 2 (or the
error's own code). Anything else is a bug in archplan: one line on stderr, exit 1, and the full
traceback only when ``ARCHPLAN_DEBUG=1``.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from archplan.errors import ArchplanError

ERROR_STYLE = "bold red"
P = ParamSpec("P")
R = TypeVar("R")


def stderr_console() -> Console:
    """A console on stderr; made per call so tests capturing stderr see the output."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a CLI command so that no traceback reaches the user for a mistake of theirs."""

    @functools.wraps(command)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ArchplanError as error:
            for line in str(error).splitlines() or [type(error).__name__]:
                stderr_console().print(f"[{ERROR_STYLE}]error:[/] {escape(line)}")
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("ARCHPLAN_DEBUG") == "1":
                traceback.print_exc()
            what = escape(f"{type(error).__name__}: {error}")
            stderr_console().print(
                f"[{ERROR_STYLE}]internal error:[/] {what} (a bug in archplan; "
                "rerun with ARCHPLAN_DEBUG=1 for the traceback and report it)"
            )
            raise typer.Exit(1) from None

    return guarded
