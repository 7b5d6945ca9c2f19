"""Reads the CIFAR-10 python batches without letting a pickle run code.

A pickle can name any importable callable and have the unpickler call it, so ``pickle.load`` on
a downloaded file is remote code execution waiting to happen. The official batches are Python 2
pickles of dicts holding bytes, lists, ints and numpy arrays; rebuilding an array needs exactly
three globals, so those are the only names this unpickler will resolve.
"""

from __future__ import annotations

import io
import pickle

import numpy as np

from archplan.data.messages import describe
from archplan.errors import DataError

# ndarray.__reduce__ names the function that rebuilds an array: numpy.core.multiarray._reconstruct
# in the official files (numpy 1), numpy._core.multiarray._reconstruct when pickled by numpy 2.
_RECONSTRUCT: object = np.zeros(0).__reduce__()[0]

_ALLOWED_GLOBALS: dict[tuple[str, str], object] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals needed to rebuild a numpy array."""

    def __init__(self, data: bytes, where: str) -> None:
        super().__init__(io.BytesIO(data), encoding="bytes")
        self._where = where

    def find_class(self, module: str, name: str) -> object:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise DataError(
                f"{self._where} tries to load the disallowed global {module}.{name} and was not "
                "loaded; CIFAR-10 batches hold only arrays, lists and bytes, so this file is not "
                "one: download cifar-10-python.tar.gz again from the official site"
            ) from None


def load_batch_pickle(data: bytes, where: str) -> object:
    """Unpickle a CIFAR-10 python batch, refusing any global but numpy's array-rebuilding ones."""
    if not data.startswith(b"\x80"):
        raise DataError(
            f"{where} is not a pickle (protocol 2 or later); a CIFAR-10 python batch file is "
            "damaged or of another kind: extract cifar-10-python.tar.gz again"
        )
    try:
        return _ArrayOnlyUnpickler(data, where).load()
    except DataError:
        raise
    except Exception as exc:  # a damaged pickle can fail in any of a dozen ways; all mean the same
        raise DataError(
            f"{where} is a damaged pickle ({describe(exc)}); extract cifar-10-python.tar.gz again"
        ) from None
