"""Reading a file a user hands archplan: a bounded read of a regular file, strict JSON, one line per
problem.

A spec, a plan file, a model configuration or a study's record is text from a file, and so data,
never trusted: this refuses what is not a regular file (a FIFO would block, ``/dev/zero`` would
fill the memory) before opening it, files far larger than any such file, text that is not UTF-8,
invalid JSON, a key given twice in one object (JSON would silently keep the last one: a second
``"layers"`` would replace the first), ``NaN`` and ``Infinity`` (not JSON, though Python's parser
takes them) and nesting far deeper than any real file has (Python's parser would run out of
stack). Every message names the file first, then what is wrong, then what would fix it.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from archplan.errors import ArchplanError

MAX_FILE_BYTES = 64 * 2**20
"""The largest file read: a chain of 100,000 layers takes about 5 MB."""
MAX_DEPTH = 64
"""The deepest nesting accepted: a spec's deepest value is about six levels down."""
NAME_A_FILE = "name a .json file inside it"
"""What fixes naming a directory, unless the reader knows better."""

ErrorType = Callable[[str], ArchplanError]


class DuplicateKeyError(ValueError):
    """One JSON object gives the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class NotFiniteError(ValueError):
    """``NaN``, ``Infinity``, or a number too large for a float (it would read as infinity)."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


def read_json(
    path: str | Path,
    *,
    kind: str = "spec",
    where_to_look: str = "",
    directory: str = NAME_A_FILE,
    error: ErrorType = ArchplanError,
    allow_nan: bool = False,
) -> Any:
    """The JSON value in the file at ``path``; any problem is ``error`` with one line saying it.

    ``kind`` names the file in messages ("spec", "plan file", "model configuration");
    ``where_to_look`` ends the message for a missing file (" (ready specs are in specs/)");
    ``directory`` says what to do when ``path`` is a directory. ``allow_nan`` is for archplan's
    own records, where a diverged loss is written as ``NaN``.
    """
    path = Path(path)
    text = read_text(path, kind=kind, where_to_look=where_to_look, directory=directory, error=error)
    return parse_json(text, str(path), kind=kind, error=error, allow_nan=allow_nan)


def read_text(
    path: Path,
    *,
    kind: str = "spec",
    where_to_look: str = "",
    directory: str = NAME_A_FILE,
    error: ErrorType = ArchplanError,
) -> str:
    """The UTF-8 text of a regular file of at most :data:`MAX_FILE_BYTES` (a BOM is dropped)."""
    raw = read_bytes(path, kind=kind, where_to_look=where_to_look, directory=directory, error=error)
    return decode_text(raw, str(path), kind=kind, error=error)


def read_bytes(
    path: Path,
    *,
    kind: str = "spec",
    where_to_look: str = "",
    directory: str = NAME_A_FILE,
    error: ErrorType = ArchplanError,
    limit: int | None = None,
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (:data:`MAX_FILE_BYTES`)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    size = checked_size(path, kind=kind, where_to_look=where_to_look, directory=directory,
                        error=error)  # fmt: skip
    if size > limit:
        raise error(too_large(str(path), size, kind, limit))
    with open_regular(path, kind=kind, error=error) as stream:
        try:
            raw = stream.read(limit + 1)
        except OSError as problem:
            raise error(f"{path}: cannot be read ({problem.strerror})") from None
    if len(raw) > limit:  # it grew since it was looked at
        raise error(too_large(str(path), len(raw), kind, limit))
    return raw


def checked_size(
    path: Path,
    *,
    kind: str = "spec",
    where_to_look: str = "",
    directory: str = NAME_A_FILE,
    error: ErrorType = ArchplanError,
) -> int:
    """The size of ``path`` once it is known to be a regular file; it is not opened, so a FIFO
    or a device is refused without being waited on (or its driver woken)."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: no such file; check the path{where_to_look}") from None
    except OSError as problem:
        raise error(f"{path}: cannot be read ({problem.strerror})") from None
    _refuse_irregular(path, status.st_mode, kind, directory, error)
    return status.st_size


def open_regular(path: Path, *, kind: str = "spec", error: ErrorType = ArchplanError) -> IO[bytes]:
    """``path`` opened for reading, checked again once open: a FIFO put in its place since it
    was looked at is refused, not waited on (the open does not block)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as problem:
        raise error(f"{path}: cannot be read ({problem.strerror})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        _refuse_irregular(path, mode, kind, NAME_A_FILE, error)
    return os.fdopen(descriptor, "rb")


def _refuse_irregular(path: Path, mode: int, kind: str, directory: str, error: ErrorType) -> None:
    if stat.S_ISDIR(mode):
        raise error(f"{path}: is a directory, not a {kind} file; {directory}")
    if not stat.S_ISREG(mode):
        raise error(
            f"{path}: is not a regular file (a pipe, device or socket), so it cannot be read as "
            f"a {kind}; save the {kind} to a file and name that"
        )


def too_large(source: str, size: int, kind: str, limit: int | None = None) -> str:
    limit = MAX_FILE_BYTES if limit is None else limit
    return (
        f"{source}: is {size / 2**20:,.0f} MB, more than any {kind} "
        f"(at most {limit // 2**20} MB); is this the right file?"
    )


def decode_text(
    raw: bytes, source: str, *, kind: str = "spec", error: ErrorType = ArchplanError
) -> str:
    """UTF-8 text (a BOM is dropped), or one line naming the first byte that is not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        bad = raw[problem.start : problem.start + 1].hex()
        raise error(
            f"{source}: is not UTF-8 text (byte 0x{bad} at offset {problem.start}); "
            f"save the {kind} as UTF-8 JSON"
        ) from None


def parse_json(
    text: str,
    source: str,
    *,
    kind: str = "spec",
    error: ErrorType = ArchplanError,
    allow_nan: bool = False,
) -> Any:
    """Strict JSON: duplicate keys, ``NaN``/``Infinity`` and nesting deeper than
    :data:`MAX_DEPTH` are refused."""
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise error(
            f"{source}: the JSON is nested {depth:,} levels deep, deeper than any {kind} "
            f"(at most {MAX_DEPTH}); is this the right file?"
        )
    strict: dict[str, Any] = {"parse_constant": _refuse, "parse_float": _finite}
    if allow_nan:
        strict = {}
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys, **strict)
    except json.JSONDecodeError as problem:
        raise error(_json_problem(source, problem)) from None
    except DuplicateKeyError as duplicate:
        raise error(_duplicate_problem(source, text, duplicate.key)) from None
    except NotFiniteError as number:
        raise error(_not_finite_problem(source, text, number.token)) from None
    except (ValueError, RecursionError) as problem:  # an integer of more than 4,300 digits
        raise error(f"{source}: invalid JSON: {problem}") from None


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in JSON text (brackets inside strings do not count)."""
    deepest = depth = 0
    for token in _STRUCTURE.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in "]}":
            depth -= 1
    return deepest


_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
"""A JSON string (skipped whole, escapes included) or a bracket."""


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(key)
        result[key] = value
    return result


def _refuse(token: str) -> Any:
    raise NotFiniteError(token)


def _finite(token: str) -> float:
    value = float(token)
    if value in (float("inf"), float("-inf")):
        raise NotFiniteError(token)
    return value


def _json_problem(source: str, problem: json.JSONDecodeError) -> str:
    where = f"{source}:{problem.lineno}:{problem.colno}"
    if problem.pos >= len(problem.doc.rstrip()) or problem.msg.startswith("Unterminated string"):
        return f"{where}: the JSON ends too early ({problem.msg}); is the file truncated?"
    return f"{where}: invalid JSON: {problem.msg}"


def _duplicate_problem(source: str, text: str, key: str) -> str:
    """Where the key appears, by line: JSON keeps only its last value, silently."""
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    lines = sorted({text.count("\n", 0, found.start()) + 1 for found in pattern.finditer(text)})
    where = f" (lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""
    return (
        f"{source}: the key {key!r} appears twice in one object{where}; JSON would keep only "
        "the last one, so remove or rename the other"
    )


def _not_finite_problem(source: str, text: str, token: str) -> str:
    """Where the first such number is, outside strings."""
    where = source
    for found in re.finditer(_STRINGS_OR_TOKEN, text):
        if found.group() == token:
            line = text.count("\n", 0, found.start()) + 1
            column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
            where = f"{source}:{line}:{column}"
            break
    what = "is not a number JSON allows" if token.lstrip("-") in ("NaN", "Infinity") else (
        "is too large for a number (it would read as infinity)"
    )  # fmt: skip
    return f"{where}: {token} {what}; write a finite number"


_STRINGS_OR_TOKEN = (
    r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?'
)
"""A JSON string (skipped whole) or a bare number-like token, to find where one is; compiled
only when a message needs it, so that reading a good file costs no compile."""
