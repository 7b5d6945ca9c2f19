"""Decoding image files into (N, 32, 32, 3) uint8 arrays with Pillow."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np
from PIL import Image

from archplan.data.dataset import IMAGE_SHAPE
from archplan.data.messages import describe
from archplan.data.stored import Stored, read_stored
from archplan.errors import DataError

OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
"""How Python shows an object (Pillow names the in-memory file so); a message names the file."""


def decode_image(data: bytes, where: str) -> np.ndarray:
    """One 32×32 image file as a (32, 32, 3) RGB array; anything else is a DataError naming it."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.size != IMAGE_SHAPE[1::-1]:
                width, height = image.size
                raise DataError(
                    f"{where} is {width}×{height} pixels, not 32×32; resize it to 32×32 or "
                    "remove it from the image folders"
                )
            rgb = image if image.mode == "RGB" else image.convert("RGB")
            return np.asarray(rgb)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        reason = OBJECT_REPR.sub("the file", describe(exc))
        raise DataError(
            f"{where} is not a readable image ({reason}); replace it or remove it from the "
            "image folders"
        ) from None


def decode_serially(items: Sequence[Stored]) -> np.ndarray:
    """Decode ``items`` one after another in this process."""
    images = np.empty((len(items), *IMAGE_SHAPE), dtype=np.uint8)
    for row, item in enumerate(items):
        images[row] = decode_image(read_stored(item), item.where)
    return images
