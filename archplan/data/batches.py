"""The two official CIFAR-10 layouts: pickled python batches and fixed-size binary records.

Both store each image as 3072 bytes, channel-major: the 1024 red values (32 rows of 32), then the
green, then the blue. Readers here turn that into the (N, 32, 32, 3) layout Keras expects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archplan.data.dataset import CIFAR10_CLASSES, Dataset
from archplan.data.safe_pickle import load_batch_pickle
from archplan.data.stored import MAX_BATCH_BYTES, Stored, read_stored
from archplan.errors import DataError

PIXELS_PER_IMAGE = 32 * 32 * 3
BINARY_RECORD_SIZE = 1 + PIXELS_PER_IMAGE

Images = np.ndarray
Labels = np.ndarray


@dataclass(frozen=True)
class BatchLayout:
    """How one official CIFAR-10 download names and encodes its batch files."""

    kind: str
    archive: str
    train_files: tuple[str, ...]
    test_file: str
    meta_file: str
    parse_batch: Callable[[bytes, str], tuple[Images, Labels]]
    parse_class_names: Callable[[bytes, str], tuple[str, ...]]

    @property
    def file_names(self) -> frozenset[str]:
        return frozenset({*self.train_files, self.test_file, self.meta_file})


def _channel_major_to_images(rows: np.ndarray) -> Images:
    """(N, 3072) channel-major rows to contiguous (N, 32, 32, 3) images."""
    return np.ascontiguousarray(rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def _checked_labels(labels: np.ndarray, count: int, where: str) -> Labels:
    if labels.shape != (count,) or labels.dtype.kind not in "iu":
        raise DataError(
            f"{where} has labels of shape {labels.shape} ({labels.dtype}) for {count} images, "
            "not one integer per image; the file is not a CIFAR-10 batch: download it again"
        )
    if count and not 0 <= int(labels.min()) <= int(labels.max()) < len(CIFAR10_CLASSES):
        raise DataError(
            f"{where} has labels from {labels.min()} to {labels.max()}, outside CIFAR-10's 0..9; "
            "the file is damaged or not CIFAR-10 (CIFAR-100?): download CIFAR-10 again"
        )
    return labels.astype(np.int64)


def _dict_field(content: Mapping[object, object], key: str) -> object:
    """A batch dict's entry: Python 2 pickles read with ``encoding="bytes"`` have bytes keys."""
    return content.get(key.encode(), content.get(key))


def parse_python_batch(data: bytes, where: str) -> tuple[Images, Labels]:
    """A ``data_batch_N``/``test_batch`` pickle: {b"data": uint8 N×3072 array, b"labels": [int]}."""
    content = load_batch_pickle(data, where)
    if not isinstance(content, dict):
        raise DataError(
            f"{where} holds a {type(content).__name__}, not the dict of a CIFAR-10 python batch; "
            "extract cifar-10-python.tar.gz again"
        )
    pixels = _dict_field(content, "data")
    if not (
        isinstance(pixels, np.ndarray)
        and pixels.dtype == np.uint8
        and pixels.ndim == 2
        and pixels.shape[1] == PIXELS_PER_IMAGE
    ):
        found = f"{pixels.dtype} {pixels.shape}" if isinstance(pixels, np.ndarray) else pixels
        raise DataError(
            f"{where} has {found!s:.60} under b'data', not a uint8 N×3072 array; "
            "it is not a CIFAR-10 python batch: extract cifar-10-python.tar.gz again"
        )
    labels = np.asarray(_dict_field(content, "labels"))
    return _channel_major_to_images(pixels), _checked_labels(labels, len(pixels), where)


def parse_binary_batch(data: bytes, where: str) -> tuple[Images, Labels]:
    """A ``*.bin`` batch: back-to-back records of one label byte and 3072 pixel bytes."""
    if not data or len(data) % BINARY_RECORD_SIZE:
        raise DataError(
            f"{where} is {len(data)} bytes, not a whole number of {BINARY_RECORD_SIZE}-byte "
            "CIFAR-10 records; it is truncated or not a binary batch: extract "
            "cifar-10-binary.tar.gz again"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, BINARY_RECORD_SIZE)
    return _channel_major_to_images(records[:, 1:]), _checked_labels(
        records[:, 0], len(records), where
    )


def _checked_class_names(names: list[str], where: str) -> tuple[str, ...]:
    if len(names) != len(CIFAR10_CLASSES) or not all(names):
        raise DataError(
            f"{where} lists {len(names)} class names, not CIFAR-10's 10; "
            "it is damaged or from another data set: extract the CIFAR-10 archive again"
        )
    return tuple(names)


def parse_python_meta(data: bytes, where: str) -> tuple[str, ...]:
    """``batches.meta``: a pickled dict whose b"label_names" lists the classes in label order."""
    content = load_batch_pickle(data, where)
    raw = _dict_field(content, "label_names") if isinstance(content, dict) else None
    if not isinstance(raw, list):
        raise DataError(f"{where} has no list of label_names; extract cifar-10-python.tar.gz again")
    names = [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in raw]
    return _checked_class_names(names, where)


def parse_binary_meta(data: bytes, where: str) -> tuple[str, ...]:
    """``batches.meta.txt``: one class name a line, in label order, then blank lines."""
    lines = data.decode("utf-8", "replace").splitlines()
    return _checked_class_names([line.strip() for line in lines if line.strip()], where)


PYTHON_LAYOUT = BatchLayout(
    kind="python",
    archive="cifar-10-python.tar.gz",
    train_files=tuple(f"data_batch_{i}" for i in range(1, 6)),
    test_file="test_batch",
    meta_file="batches.meta",
    parse_batch=parse_python_batch,
    parse_class_names=parse_python_meta,
)

BINARY_LAYOUT = BatchLayout(
    kind="binary",
    archive="cifar-10-binary.tar.gz",
    train_files=tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
    test_file="test_batch.bin",
    meta_file="batches.meta.txt",
    parse_batch=parse_binary_batch,
    parse_class_names=parse_binary_meta,
)

LAYOUTS = (PYTHON_LAYOUT, BINARY_LAYOUT)


def _check_complete(layout: BatchLayout, files: Mapping[str, Stored], where: str) -> None:
    missing = [name for name in (*layout.train_files, layout.test_file) if name not in files]
    if missing:
        raise DataError(
            f"{where} has CIFAR-10 {layout.kind} batches but lacks {', '.join(missing)}; "
            f"extract the whole {layout.archive} again"
        )


def _read_batches(
    layout: BatchLayout, stored: list[Stored], limit: int | None
) -> tuple[Images, Labels]:
    """Batches in order, stopping once ``limit`` images are in hand (the rest are not read)."""
    images: list[Images] = []
    labels: list[Labels] = []
    wanted = limit
    for item in stored:
        if wanted is not None and wanted <= 0:
            break
        raw = read_stored(item, MAX_BATCH_BYTES, "batch file")
        batch_images, batch_labels = layout.parse_batch(raw, item.where)
        images.append(batch_images[:wanted])
        labels.append(batch_labels[:wanted])
        wanted = None if wanted is None else wanted - len(batch_labels)
    return np.concatenate(images), np.concatenate(labels)


def read_batches(
    layout: BatchLayout,
    files: Mapping[str, Stored],
    where: str | Path,
    limit: int | None,
    test_limit: int | None,
) -> Dataset:
    """Build the data set from one folder's batch files (``files`` maps file name to content)."""
    _check_complete(layout, files, str(where))
    meta = files.get(layout.meta_file)
    class_names = (
        layout.parse_class_names(read_stored(meta, MAX_BATCH_BYTES, "batch file"), meta.where)
        if meta
        else CIFAR10_CLASSES
    )
    x_train, y_train = _read_batches(layout, [files[n] for n in layout.train_files], limit)
    x_test, y_test = _read_batches(layout, [files[layout.test_file]], test_limit)
    return Dataset(
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=class_names,
        source=f"CIFAR-10 {layout.kind} batches in {where}",
    )
