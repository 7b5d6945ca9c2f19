"""Length-prefixed frames of plain bytes between :class:`.parallel.ImageDecoder` and its workers.

No pickle: a request lists files (each its bytes or its path, and its name for messages), a reply
holds the decoded pixels or a DataError's message.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from archplan.data.stored import Stored

_FRAME_HEADER = struct.Struct("<Q")
_ITEM_HEADER = struct.Struct("<BII")  # is a path, length of where, length of blob
_COUNT = struct.Struct("<I")
REPLY_IMAGES = b"I"
REPLY_ERROR = b"E"


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_FRAME_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame, or None at a clean end of stream; EOFError if it stops mid-frame."""
    header = stream.read(_FRAME_HEADER.size)
    if not header:
        return None
    if len(header) < _FRAME_HEADER.size:
        raise EOFError("stream ended inside a frame header")
    (size,) = _FRAME_HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError(f"stream ended after {len(payload)} of {size} bytes")
    return payload


def pack_items(items: Sequence[Stored]) -> bytes:
    chunks = [_COUNT.pack(len(items))]
    for item in items:
        is_path = isinstance(item.blob, Path)
        blob = os.fsencode(item.blob) if isinstance(item.blob, Path) else item.blob
        where = item.where.encode("utf-8", "surrogateescape")
        chunks += [_ITEM_HEADER.pack(is_path, len(where), len(blob)), where, blob]
    return b"".join(chunks)


def unpack_items(payload: bytes) -> list[Stored]:
    (count,) = _COUNT.unpack_from(payload)
    offset = _COUNT.size
    items = []
    for _ in range(count):
        is_path, where_size, blob_size = _ITEM_HEADER.unpack_from(payload, offset)
        offset += _ITEM_HEADER.size
        where = payload[offset : offset + where_size].decode("utf-8", "surrogateescape")
        blob = payload[offset + where_size : offset + where_size + blob_size]
        offset += where_size + blob_size
        items.append(Stored(where, Path(os.fsdecode(blob)) if is_path else blob))
    return items
