"""The in-memory CIFAR-10 data set every reader returns, whatever the files looked like on disk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
"""CIFAR-10's class names in label order: label 0 is ``airplane``, label 9 is ``truck``."""

IMAGE_SHAPE = (32, 32, 3)


@dataclass(frozen=True)
class Dataset:
    """Train and test images as ``uint8`` (N, 32, 32, 3) arrays with ``int64`` labels.

    The readers check the files they read, so a failure here is a bug in a reader, not bad input:
    it raises ``ValueError`` rather than :class:`~archplan.errors.DataError`.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str

    def __post_init__(self) -> None:
        _check_split("train", self.x_train, self.y_train, len(self.class_names))
        _check_split("test", self.x_test, self.y_test, len(self.class_names))


def _check_split(split: str, images: np.ndarray, labels: np.ndarray, num_classes: int) -> None:
    if images.dtype != np.uint8 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"x_{split} is {images.dtype} {images.shape}, not uint8 (N, 32, 32, 3)")
    if labels.dtype != np.int64 or labels.shape != images.shape[:1]:
        raise ValueError(f"y_{split} is {labels.dtype} {labels.shape}, not int64 ({len(images)},)")
    if labels.size and not 0 <= int(labels.min()) <= int(labels.max()) < num_classes:
        raise ValueError(f"y_{split} has labels outside 0..{num_classes - 1}")
