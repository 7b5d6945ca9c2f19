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


MAX_IMAGE_BYTES = 2**20
"""The largest image file read: a 32×32 image takes a few kilobytes in any format."""
MAX_BATCH_BYTES = 64 * 2**20
"""The largest batch file read: an official one takes about 31 MB."""


def check_size(where: str, size: int, limit: int, what: str) -> None:
    """Refuse a file far larger than any CIFAR-10 file of its kind, before reading it."""
    if size > limit:
        raise DataError(
            f"{where} is {size / 2**20:,.1f} MB, far more than any CIFAR-10 {what} "
            f"(at most {limit / 2**20:g} MB here); remove it or pass the right data"
        )


def read_stored(item: Stored, limit: int = MAX_IMAGE_BYTES, what: str = "image") -> bytes:
    """The kept file's bytes, read from disk now if it was kept as a path (and not too large)."""
    if isinstance(item.blob, bytes):
        return item.blob
    try:
        check_size(item.where, item.blob.stat().st_size, limit, what)
        return item.blob.read_bytes()
    except OSError as exc:
        raise DataError(
            f"{item.where} could not be read ({describe(exc)}); check that it is readable"
        ) from None
