"""Writers of tiny CIFAR-10 files in every format the readers accept.

Every builder writes the same small data set (3 training and 2 test images per class, labels in a
scrambled order), so a test can compare what it reads with exactly what was written.
"""

from __future__ import annotations

import io
import struct
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from archplan.data import CIFAR10_CLASSES

TRAIN_PER_CLASS = 3
TEST_PER_CLASS = 2


@dataclass(frozen=True)
class Cifar:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def tiny_cifar() -> Cifar:
    rng = np.random.default_rng(20240601)
    x_train, y_train = _random_split(rng, TRAIN_PER_CLASS)
    x_test, y_test = _random_split(rng, TEST_PER_CLASS)
    return Cifar(x_train, y_train, x_test, y_test)


def _random_split(rng: np.random.Generator, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.permutation(np.repeat(np.arange(10, dtype=np.int64), per_class))
    images = rng.integers(0, 256, size=(len(labels), 32, 32, 3), dtype=np.uint8)
    return images, labels


def channel_major(images: np.ndarray) -> np.ndarray:
    """(N, 32, 32, 3) images as the official (N, 3072) rows: all red, then green, then blue."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), 3072)


# --- Python 2 pickles, byte for byte as the official cifar-10-python.tar.gz has them -----------


def py2_pickle(value: object) -> bytes:
    """Protocol 2 as Python 2's cPickle wrote it: str (our bytes) as BINSTRING, and arrays
    rebuilt through numpy.core.multiarray._reconstruct, which numpy 2 no longer names."""
    return b"\x80\x02" + _py2(value) + b"."


def _py2(value: object) -> bytes:
    if value is None:
        return b"N"
    if isinstance(value, int):
        return b"J" + struct.pack("<i", value)
    if isinstance(value, bytes):
        return b"T" + struct.pack("<I", len(value)) + value
    if isinstance(value, tuple):
        return b"(" + b"".join(map(_py2, value)) + b"t"
    if isinstance(value, list):
        return b"](" + b"".join(map(_py2, value)) + b"e"
    if isinstance(value, dict):
        return b"}(" + b"".join(_py2(k) + _py2(v) for k, v in value.items()) + b"u"
    if isinstance(value, np.ndarray) and value.dtype == np.uint8:
        return _py2_uint8_array(value)
    raise TypeError(f"no Python 2 encoding for {type(value)}")


def _py2_uint8_array(array: np.ndarray) -> bytes:
    dtype = (
        b"cnumpy\ndtype\n" + _py2((b"u1", 0, 1)) + b"R"
        + _py2((3, b"|", None, None, None, -1, -1, 0)) + b"b"
    )  # fmt: skip
    state = b"(" + _py2(1) + _py2(array.shape) + dtype + b"\x89" + _py2(array.tobytes()) + b"t"
    return (
        b"cnumpy.core.multiarray\n_reconstruct\n"
        + b"(cnumpy\nndarray\n" + _py2((0,)) + _py2(b"b") + b"tR"
        + state + b"b"
    )  # fmt: skip


def python_batch(images: np.ndarray, labels: np.ndarray, name: str) -> dict[bytes, object]:
    return {
        b"batch_label": name.encode(),
        b"labels": [int(label) for label in labels],
        b"data": channel_major(images),
        b"filenames": [f"img_{i}.png".encode() for i in range(len(labels))],
    }


def binary_batch(images: np.ndarray, labels: np.ndarray) -> bytes:
    records = np.concatenate([labels.astype(np.uint8)[:, None], channel_major(images)], axis=1)
    return records.tobytes()


def save_png(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path, format="PNG")


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


class Files:
    """Writes the ``cifar`` data set under ``root`` in the format a test asks for."""

    def __init__(self, root: Path, data: Cifar) -> None:
        self.root = root
        self.data = data

    def python_folder(
        self, name: str = "cifar-10-batches-py", pickler: Callable[[object], bytes] = py2_pickle
    ) -> Path:
        """Five data batches (6 images each), a test batch and batches.meta."""
        folder = self.root / name
        folder.mkdir(parents=True)
        train_parts = np.array_split(np.arange(len(self.data.y_train)), 5)
        for number, rows in enumerate(train_parts, start=1):
            batch = python_batch(self.data.x_train[rows], self.data.y_train[rows], f"b{number}")
            (folder / f"data_batch_{number}").write_bytes(pickler(batch))
        test = python_batch(self.data.x_test, self.data.y_test, "test")
        (folder / "test_batch").write_bytes(pickler(test))
        meta = {b"label_names": [n.encode() for n in CIFAR10_CLASSES], b"num_vis": 3072}
        (folder / "batches.meta").write_bytes(pickler(meta))
        return folder

    def binary_folder(self, name: str = "cifar-10-batches-bin") -> Path:
        folder = self.root / name
        folder.mkdir(parents=True)
        train_parts = np.array_split(np.arange(len(self.data.y_train)), 5)
        for number, rows in enumerate(train_parts, start=1):
            batch = binary_batch(self.data.x_train[rows], self.data.y_train[rows])
            (folder / f"data_batch_{number}.bin").write_bytes(batch)
        (folder / "test_batch.bin").write_bytes(binary_batch(self.data.x_test, self.data.y_test))
        (folder / "batches.meta.txt").write_text("\n".join(CIFAR10_CLASSES) + "\n\n")
        return folder

    def image_tree(self, name: str = "tree", classes: tuple[str, ...] = CIFAR10_CLASSES) -> Path:
        """train/<class>/0000.png..., test/<class>/...: image i of class c is the i-th image
        labelled c in the data set, and ``classes[c]`` names the folder."""
        folder = self.root / name
        for split, images, labels in (
            ("train", self.data.x_train, self.data.y_train),
            ("test", self.data.x_test, self.data.y_test),
        ):
            for label, class_name in enumerate(classes):
                for index, image in enumerate(images[labels == label]):
                    save_png(folder / split / class_name / f"{index:04d}.png", image)
        return folder

    def tar(self, folder: Path, name: str, mode: str = "w:gz", top: str | None = None) -> Path:
        """An archive of ``folder``'s contents, under ``top/`` or else as ``./...`` members."""
        archive = self.root / name
        with tarfile.open(archive, mode) as tar:
            tar.add(folder, arcname=top or ".")
        return archive


def round_robin(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order image folders load in: image 0 of each class, then image 1 of each, ..."""
    per_class = [np.flatnonzero(labels == label) for label in range(10)]
    order = [
        rows[i] for i in range(max(map(len, per_class))) for rows in per_class if i < len(rows)
    ]
    return images[order], labels[order]
