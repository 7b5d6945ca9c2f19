"""The errors archplan raises on purpose.

Every error meant for the user derives from :class:`ArchplanError`; the CLI turns these, and only
these, into one line on stderr and an exit code. Anything else reaching the CLI is a bug (exit 1).
"""

from __future__ import annotations


class ArchplanError(Exception):
    """A problem the user can fix: bad input, a missing file, a refused action (exit code 2)."""

    exit_code: int = 2


class SpecError(ArchplanError):
    """A spec file that cannot be read, parsed or validated, or that describes an impossible net."""


class DataError(ArchplanError):
    """A data set that cannot be found, read or trusted."""


class RunError(ArchplanError):
    """A refused training-run action, such as writing into an existing run directory."""


class MismatchError(ArchplanError):
    """The engine and Keras disagree: a bug in one of them, not in the user's input (exit 1)."""

    exit_code = 1
