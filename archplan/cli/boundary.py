"""The one place where errors become messages and exit codes.

User mistakes (:class:`ArchplanError`) print their message in red on stderr and exit 2 (or the
error's own code). Anything else is a bug in archplan: one line on stderr, exit 1, and the full
traceback only when ``ARCHPLAN_DEBUG=1``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
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
        except (typer.Exit, typer.Abort, KeyboardInterrupt, PipeClosedError):
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

    def format_help(self, ctx: Any, formatter: Any) -> None:
        without_leading_blank_lines(
            lambda: super(OneLineUsageErrors, self).format_help(ctx, formatter)
        )

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            refuse_completion_shell(list(sys.argv[1:] if args is None else args))
            with guarded_stdout():
                result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except PipeClosedError:
            code = PIPE_CLOSED  # the reader stopped reading (| head): say nothing more
        except (OutputLostError, CompletionShellError) as error:
            print_problem("error", ERROR_STYLE, str(error))
            code = error.exit_code
        except CLICK_EXCEPTION as error:
            if _message(error).strip():  # empty: the help, printed already (no args)
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


COMPLETION_OPTIONS = ("--install-completion", "--show-completion")


class CompletionShellError(ArchplanError):
    """A shell named after ``--install-completion``, which takes none."""


def refuse_completion_shell(args: list[str]) -> None:
    """Refuse ``--install-completion SHELL`` before typer runs: its option is a flag that
    completes the shell it runs in, so the name was ignored and bash completion installed
    instead, said to have succeeded."""
    for option, following in itertools.pairwise(args):
        if option in COMPLETION_OPTIONS and not following.startswith("-"):
            raise CompletionShellError(
                f"{option} {following}: {option} takes no shell name; it works for the shell "
                f"it runs in (bash, zsh, fish or powershell): run that shell, then {option}"
            )


PIPE_CLOSED = 141
"""The exit status of a command whose reader closed the pipe, as if SIGPIPE had ended it (git's
and the shell tools' status for ``| head``): not 1, which says archplan failed."""


class OutputLostError(ArchplanError):
    """stdout cannot take the output (a full disk, a closed stream): the output would be lost."""


class PipeClosedError(Exception):
    """The program reading archplan's output closed the pipe (``archplan ... | head -1``)."""


class GuardedStdout:
    """sys.stdout, with a failed write turned into one line instead of a lost output.

    Python drops output silently when stdout is closed (``>&-`` makes ``sys.stdout`` None, and
    rich and click then print nothing) and raises a bare OSError when the disk is full
    (``> /dev/full``); either way the command would end as if it had printed its result.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self.errors = getattr(stream, "errors", None) or "strict"

    def write(self, text: str) -> int:
        if self._stream is None:
            raise OutputLostError(
                "stdout is closed, so the output would be lost; send it somewhere (> FILE, "
                "or -o FILE where the command has it)"
            )
        try:
            written: int = self._stream.write(text)
        except OSError as error:
            raise _lost(error) from None
        return written

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as error:
            raise _lost(error) from None

    def isatty(self) -> bool:
        return self._stream is not None and bool(self._stream.isatty())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _lost(error: OSError) -> Exception:
    _silence_stdout()
    if isinstance(error, BrokenPipeError):
        return PipeClosedError()
    return OutputLostError(
        f"cannot write the output to stdout ({error.strerror}); it is incomplete"
    )


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit does not fail again."""
    try:
        descriptor = os.open(os.devnull, os.O_WRONLY)
        os.dup2(descriptor, sys.__stdout__.fileno() if sys.__stdout__ is not None else 1)
        os.close(descriptor)
    except (OSError, ValueError, AttributeError):
        pass


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """Run with sys.stdout guarded, and flushed before the command counts as done."""
    original = sys.stdout
    guarded = GuardedStdout(original)
    sys.stdout = guarded
    try:
        yield
        guarded.flush()
    finally:
        sys.stdout = original


class _Captured(io.StringIO):
    """Text held back on its way to ``stream``, which it stands in for (a terminal stays one)."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self._stream = stream

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())


def without_leading_blank_lines(print_help: Callable[[], None]) -> None:
    """Run ``print_help`` (typer's help, which starts with a blank line) and print what it
    printed from its first line of text on: ``archplan --help | head -1`` shows the usage."""
    original = sys.stdout
    captured = _Captured(original)
    sys.stdout = captured
    try:
        print_help()
    finally:
        sys.stdout = original
    lines = captured.getvalue().splitlines(keepends=True)
    while lines and not lines[0].strip():
        lines.pop(0)
    sys.stdout.write("".join(lines))


def _message(error: Any) -> str:
    """A click exception's own message (empty for the help that ``archplan`` alone prints)."""
    return str(error.format_message())


def usage_problem(error: Any) -> str:
    """Click's message on one line, with the command whose ``--help`` explains the usage."""
    message = " ".join(error.format_message().replace("Value error, ", "").split())
    context = getattr(error, "ctx", None)
    if isinstance(error, USAGE_ERROR) and context is not None:
        return f"{message} (see: {context.command_path} --help)"
    return message
