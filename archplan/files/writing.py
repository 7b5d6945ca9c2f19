"""Writing a file: a regular file or a new path, never an input, whole or not at all.

Every file archplan writes (``fix -o``, ``export -o``, ``import -o``, ``plot -o``, a plan's and a
study's folder, a run folder) goes through :func:`write_file`. It refuses, ``--force`` or not, a
target that is a directory, a device, a FIFO or a socket (renaming over ``/dev/null`` would
replace it for the whole machine), and a target that is one of the command's own inputs, by any
name (the same path, a symlink or a hard link: the device and inode are compared). The content
goes to a temporary file beside the target, is flushed to the disk, and is then moved into place
in one step, so a full disk, a crash or Ctrl-C leaves the old file (or none), never half of one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from archplan.errors import ArchplanError

NOT_REGULAR = {
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
}


class WriteError(ArchplanError):
    """A file archplan was asked to write that it must not, or could not, write."""


def file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file ``path`` names (links followed), None if there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_dev, status.st_ino)


def refuse_target(path: Path, *, inputs: Sequence[Path] = ()) -> None:
    """Refuse a target that is not a regular file or a new path, or that is one of ``inputs``.

    Holds whether or not the user passed ``--force``: ``--force`` replaces a regular file, never
    anything else.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return  # a dangling link: the new file replaces the link
        if not path.parent.is_dir():
            raise WriteError(
                f"{path}: the directory {path.parent} does not exist; create it first or write "
                "elsewhere"
            ) from None
        return
    except OSError as problem:
        raise WriteError(f"{path}: cannot be written ({problem.strerror})") from None
    if stat.S_ISDIR(status.st_mode):
        raise WriteError(f"{path}: is a directory; name a file inside it")
    if not stat.S_ISREG(status.st_mode):
        what = NOT_REGULAR.get(stat.S_IFMT(status.st_mode), "not a regular file")
        raise WriteError(
            f"{path}: is {what}, and archplan writes only regular files (with --force too); "
            "name a file"
        )
    for given in inputs:
        if file_identity(given) == (status.st_dev, status.st_ino):
            same = "" if str(given) == str(path) else f" (the same file as {given})"
            raise WriteError(
                f"{path}: is an input of this command{same}, and archplan never writes over its "
                "input; name another file"
            )


def refuse_entries(folder: Path, names: Iterable[str], *, inputs: Sequence[Path] = ()) -> None:
    """:func:`refuse_target` for each file to be written in ``folder`` (which may not exist yet),
    all before the first is written."""
    if not folder.is_dir():
        return
    for name in names:
        refuse_target(folder / name, inputs=inputs)


def write_file(path: Path, write: Callable[[Path], None], *, inputs: Sequence[Path] = ()) -> None:
    """Have ``write`` fill a temporary file beside ``path``, then move it into place in one step.

    The temporary name keeps the suffix (Keras saves ``.keras`` files only) and is made up rather
    than created by ``mkstemp``, so the file gets the usual permissions, not owner-only ones. Any
    :class:`OSError` (a full disk, a read-only folder) is one line; the target is as it was.
    """
    refuse_target(path, inputs=inputs)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")
    try:
        write(temporary)
        _sync(temporary)
        refuse_target(path, inputs=inputs)  # nothing took its place meanwhile
        os.replace(temporary, path)
    except OSError as problem:
        _remove(temporary)
        raise WriteError(
            f"{path}: cannot be written ({problem.strerror or problem}); it is as it was"
        ) from None
    except BaseException:
        _remove(temporary)
        raise


def write_text(path: Path, text: str, *, inputs: Sequence[Path] = ()) -> None:
    """Write ``text`` (UTF-8) to ``path`` in one step: all of it, or the file as it was."""
    write_bytes(path, text.encode("utf-8"), inputs=inputs)


def write_bytes(path: Path, data: bytes, *, inputs: Sequence[Path] = ()) -> None:
    """Write ``data`` to ``path`` in one step: all of it, or the file as it was."""

    def write(temporary: Path) -> None:
        temporary.write_bytes(data)

    write_file(path, write, inputs=inputs)


def make_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if need be; one line if that fails."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise WriteError(f"{folder}: is a file, not a folder; name a folder") from None
    except OSError as problem:
        raise WriteError(f"{folder}: cannot be created ({problem.strerror})") from None


def _sync(path: Path) -> None:
    """Flush a written file to the disk, so the rename never publishes an empty file."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
