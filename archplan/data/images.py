"""Image-folder trees: ``train/<class>/*`` and ``test/<class>/*``, one folder per class.

Classes are numbered in CIFAR-10's order when the folders are CIFAR-10's ten classes, else in
sorted order. Each split is ordered round-robin over the classes (first file of each class, then
the second of each, ...; files within a class sorted by name), so that any prefix, such as the
first 300 images of a quick run, holds every class in near-equal numbers and is the same prefix
of the full load.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain, zip_longest

import numpy as np

from archplan.data.dataset import CIFAR10_CLASSES, Dataset
from archplan.data.inventory import NamedFiles
from archplan.data.parallel import ImageDecoder
from archplan.data.stored import Stored
from archplan.errors import DataError

ClassFolders = Mapping[str, NamedFiles]
"""One split's class folders: class name to that folder's files."""


def class_order(names: set[str]) -> tuple[str, ...]:
    """CIFAR-10's label order for CIFAR-10's classes (so labels match the official files)."""
    return CIFAR10_CLASSES if names == set(CIFAR10_CLASSES) else tuple(sorted(names))


def round_robin(folders: ClassFolders, class_names: tuple[str, ...]) -> list[tuple[int, Stored]]:
    """(label, file) pairs taking one file of each class in turn, files sorted by name."""
    columns = [
        [(label, item) for _, item in sorted(folders[name], key=lambda named: named[0])]
        for label, name in enumerate(class_names)
    ]
    return [pair for pair in chain.from_iterable(zip_longest(*columns)) if pair is not None]


def _checked_class_names(
    splits: Mapping[str, ClassFolders], where: str, folders: Mapping[str, set[str]]
) -> tuple[str, ...]:
    """The classes, once both splits have images of the same ones; an empty folder is named."""
    for split in ("train", "test"):
        if not splits.get(split):
            raise DataError(
                f"{where} has no {split}/<class>/ image files; an image-folder tree needs both "
                "train/<class>/ and test/<class>/ folders of 32×32 images"
            )
    for split in ("train", "test"):
        empty = sorted(folders.get(split, set()) - set(splits[split]))
        if empty:
            raise DataError(
                f"{where}/{split}/{empty[0]}/ holds no image files; put the class's 32×32 images "
                f"in it, or remove that class from both train/ and test/"
            )
    train, test = set(splits["train"]), set(splits["test"])
    if train != test:
        only_train = ", ".join(sorted(train - test)) or "none"
        only_test = ", ".join(sorted(test - train)) or "none"
        raise DataError(
            f"{where} has different class folders in train/ and test/ (only in train/: "
            f"{only_train}; only in test/: {only_test}); give both the same class folders"
        )
    return class_order(train)


def _read_split(
    folders: ClassFolders,
    class_names: tuple[str, ...],
    limit: int | None,
    decoder: ImageDecoder,
) -> tuple[np.ndarray, np.ndarray]:
    chosen = round_robin(folders, class_names)[:limit]
    labels = np.array([label for label, _ in chosen], dtype=np.int64)
    return decoder.decode([item for _, item in chosen]), labels


def read_image_folders(
    splits: Mapping[str, ClassFolders],
    where: str,
    decoder: ImageDecoder,
    limit: int | None,
    test_limit: int | None,
    folders: Mapping[str, set[str]] | None = None,
) -> Dataset:
    """Decode an image-folder tree's first ``limit``/``test_limit`` images (see the module doc).

    ``folders`` are the class folders seen, images or not, so that an empty one is named as such.
    """
    class_names = _checked_class_names(splits, where, folders or {})
    x_train, y_train = _read_split(splits["train"], class_names, limit, decoder)
    x_test, y_test = _read_split(splits["test"], class_names, test_limit, decoder)
    return Dataset(
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=class_names,
        source=f"image folders in {where}",
    )
