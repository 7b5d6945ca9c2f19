"""Reading a user's JSON file safely: a bounded read of a regular file, strict JSON, one line per
problem.

A spec (or a plan, or a model config) is text from a file, and so data, never trusted: this
refuses what is not a regular file (a FIFO would block, ``/dev/zero`` would fill the memory),
files far larger than any spec, text that is not UTF-8, invalid JSON, a key given twice in one
object (JSON would silently keep the last one: a second ``"layers"`` would replace the first),
and nesting far deeper than any spec has (Python's parser would run out of stack).
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archplan.errors import ArchplanError, SpecError

MAX_FILE_BYTES = 64 * 2**20
"""The largest file read: a chain of 100,000 layers takes about 5 MB."""
MAX_DEPTH = 64
"""The deepest nesting accepted: a spec's deepest value is about six levels down."""


class DuplicateKeyError(ValueError):
    """One JSON object gives the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def read_json(
    path: str | Path,
    *,
    kind: str = "spec",
    where_to_look: str = "",
    error: Callable[[str], ArchplanError] = SpecError,
) -> Any:
    """The JSON value in the file at ``path``; any problem is ``error`` with one line saying it.

    ``kind`` names the file in messages ("spec", "plan file", "model config"); ``where_to_look``
    ends the message for a missing file (" (ready specs are in specs/)").
    """
    path = Path(path)
    text = read_text(path, kind=kind, where_to_look=where_to_look, error=error)
    return parse_json(text, str(path), error=error)


def read_text(
    path: Path,
    *,
    kind: str = "spec",
    where_to_look: str = "",
    error: Callable[[str], ArchplanError] = SpecError,
) -> str:
    """The UTF-8 text of a regular file of at most :data:`MAX_FILE_BYTES` (a BOM is dropped)."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: no such file; check the path{where_to_look}") from None
    except OSError as problem:
        raise error(f"{path}: cannot be read ({problem.strerror})") from None
    if stat.S_ISDIR(status.st_mode):
        raise error(f"{path}: is a directory, not a {kind} file; name a .json file inside it")
    if not stat.S_ISREG(status.st_mode):
        raise error(
            f"{path}: is not a regular file (a pipe, device or socket), so it cannot be read as "
            f"a {kind}; save the {kind} to a file and name that"
        )
    if status.st_size > MAX_FILE_BYTES:
        raise error(
            f"{path}: is {status.st_size / 2**20:,.0f} MB, more than any {kind} "
            f"(at most {MAX_FILE_BYTES // 2**20} MB); is this the right file?"
        )
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as problem:
        raise error(f"{path}: cannot be read ({problem.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        bad = raw[problem.start : problem.start + 1].hex()
        raise error(
            f"{path}: is not UTF-8 text (byte 0x{bad} at offset {problem.start}); "
            f"save the {kind} as UTF-8 JSON"
        ) from None


def parse_json(text: str, source: str, *, error: Callable[[str], ArchplanError] = SpecError) -> Any:
    """Strict JSON: duplicate keys and nesting deeper than :data:`MAX_DEPTH` are refused."""
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise error(
            f"{source}: the JSON is nested {depth:,} levels deep, deeper than any spec "
            f"(at most {MAX_DEPTH}); is this the right file?"
        )
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as problem:
        raise error(_json_problem(source, problem)) from None
    except DuplicateKeyError as duplicate:
        raise error(_duplicate_problem(source, text, duplicate.key)) from None


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


def _json_problem(source: str, problem: json.JSONDecodeError) -> str:
    where = f"{source}:{problem.lineno}:{problem.colno}"
    if problem.pos >= len(problem.doc.rstrip()):
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
