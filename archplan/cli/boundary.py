"""The one place where errors become messages and exit codes.

User mistakes (:class:`ArchplanError`) print their message in red on stderr and exit 2 (or the
error's own code). Anything else is a bug in archplan: one line on stderr, exit 1, and the full
traceback only when ``ARCHPLAN_DEBUG=1``.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from archplan.errors import ArchplanError
from archplan.messages import visible
from archplan.report.styles import ERROR_STYLE


def _click_class(name: str) -> type[Exception]:
    """One of the exception classes of the click that typer runs on, found through typer's public
    ``BadParameter`` (a click ``UsageError``, itself a ``ClickException``): recent typer releases
    run on a copy of click of their own, older ones on click itself, and archplan names neither."""
    return next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == name)


CLICK_EXCEPTION = _click_class("ClickException")
"""What click raises for a usage mistake; it carries its ``exit_code`` and message."""
USAGE_ERROR = _click_class("UsageError")
"""A usage mistake that knows its command (``ctx``), for the ``--help`` to point at."""
P = ParamSpec("P")
R = TypeVar("R")


MIN_WIDTH = 40
"""The narrowest layout archplan draws; a smaller COLUMNS is taken as this."""
UNKNOWN_WIDTH = 80
"""The width used for COLUMNS=0, which some tools set when there is no terminal."""


def console_width() -> int | None:
    """The width to print at: COLUMNS when usable, else rich's own choice (None).

    rich trusts any COLUMNS, and at 0 prints nothing at all, not even an error.
    """
    columns = os.environ.get("COLUMNS", "").strip()
    if not columns.isdigit():
        return None
    width = int(columns)
    return UNKNOWN_WIDTH if width == 0 else max(width, MIN_WIDTH)


def stdout_console() -> Console:
    """The console commands print their results on."""
    return Console(highlight=False, width=console_width())


def stderr_console() -> Console:
    """A console on stderr; made per call so tests capturing stderr see the output."""
    return Console(stderr=True, highlight=False, soft_wrap=True, width=console_width())


def print_problem(label: str, style: str, text: str) -> None:
    """``error: ...`` (or ``warning:``) on stderr, one line per line of ``text``; the text is
    data, shown as the characters it holds (no markup, control characters escaped)."""
    for line in text.splitlines() or [""]:
        stderr_console().print(Text.assemble((f"{label}:", style), " ", visible(line)))


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a CLI command so that no traceback reaches the user for a mistake of theirs."""

    @functools.wraps(command)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ArchplanError as error:
            print_problem("error", ERROR_STYLE, str(error) or type(error).__name__)
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("ARCHPLAN_DEBUG") == "1":
                traceback.print_exc()
            what = " ".join(f"{type(error).__name__}: {error}".split())
            print_problem(
                "internal error",
                ERROR_STYLE,
                f"{what} (a bug in archplan; rerun with ARCHPLAN_DEBUG=1 for the traceback "
                "and report it)",
            )
            raise typer.Exit(1) from None

    return guarded


class OneLineUsageErrors(TyperGroup):
    """archplan's command group: a usage mistake is one ``error:`` line on stderr and exit 2.

    typer would draw a framed panel of several lines; archplan keeps its promise of one line per
    problem, the way every other mistake is reported, with where to read the usage.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except CLICK_EXCEPTION as error:
            print_problem("error", ERROR_STYLE, usage_problem(error))
            code = getattr(error, "exit_code", 2)
        except typer.Abort:
            print_problem("error", ERROR_STYLE, "aborted")
            code = 1
        else:
            code = result if isinstance(result, int) else 0
            if not standalone_mode:
                return result
        if not standalone_mode:
            return code
        sys.exit(code)


def usage_problem(error: Any) -> str:
    """Click's message on one line, with the command whose ``--help`` explains the usage."""
    message = " ".join(error.format_message().replace("Value error, ", "").split())
    context = getattr(error, "ctx", None)
    if isinstance(error, USAGE_ERROR) and context is not None:
        return f"{message} (see: {context.command_path} --help)"
    return message
