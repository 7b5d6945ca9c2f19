"""A file a reader has found and kept for later, from a folder or from inside an archive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archplan.data.messages import describe
from archplan.errors import DataError


@dataclass(frozen=True, eq=False)
class Stored:
    """A kept file: its bytes when it came from an archive (a stream cannot be revisited), else its
    path, so that folder files are read only if they are used. ``where`` names it in messages.

    Compared by identity: two archive members may share a name and content and still be two images.
    """

    where: str
    blob: bytes | Path


def read_stored(item: Stored) -> bytes:
    """The kept file's bytes, read from disk now if it was kept as a path."""
    if isinstance(item.blob, bytes):
        return item.blob
    try:
        return item.blob.read_bytes()
    except OSError as exc:
        raise DataError(
            f"{item.where} could not be read ({describe(exc)}); check that it is readable"
        ) from None
