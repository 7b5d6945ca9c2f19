"""The arrays a run fits and evaluates on, prepared once from the data set.

Pixels are scaled to float32 (``x · scale + offset``) and the labels encoded for the loss; the
training set is shuffled with the run's seed before its tail becomes the validation set (Keras' own
``validation_split`` takes the tail unshuffled, and CIFAR-10 image folders are sorted by class).
``model.fit`` gets these arrays as they are, as plain Keras code would: no epoch copies or
re-scales them. numpy only: nothing here imports Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from archplan.data import CIFAR10_CLASSES, Dataset
from archplan.data.dataset import IMAGE_SHAPE
from archplan.errors import RunError
from archplan.rules.shapes import Shape
from archplan.schema import Training
from archplan.schema.training import Rescale


@dataclass(frozen=True)
class Split:
    """The arrays a run fits and evaluates on, scaled and label-encoded; validation may be empty."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def validation(self) -> tuple[np.ndarray, np.ndarray] | None:
        return (self.x_val, self.y_val) if len(self.x_val) else None

    def evened(self, multiple: int) -> Split:
        """Each set cut to a multiple of ``multiple`` images: fewer than that go from its tail.

        Distributed training needs every batch, the last one too, to split equally across the
        devices; with a global batch divisible by the device count, sets of such sizes do.
        """
        if multiple == 1:
            return self
        parts = {f.name: getattr(self, f.name) for f in fields(self)}
        evened = {name: part[: len(part) - len(part) % multiple] for name, part in parts.items()}
        sets = {"x_train": "training", "x_val": "validation", "x_test": "test"}
        emptied = [sets[name] for name in sets if len(parts[name]) and not len(evened[name])]
        if emptied:
            have = "sets have" if len(emptied) > 1 else "set has"
            raise RunError(
                f"the {' and '.join(emptied)} {have} fewer images than the {multiple} devices "
                "that share each batch; use more images (--limit, --test-limit)"
            )
        return Split(**evened)


def prepare_split(dataset: Dataset, training: Training, seed: int) -> Split:
    """Scale and encode once; shuffle the training set with ``seed``; its tail validates."""
    classes = len(dataset.class_names)
    order = np.random.default_rng(seed).permutation(len(dataset.x_train))
    x = scaled(dataset.x_train[order], training.rescale)
    y = encoded(dataset.y_train[order], training.loss, classes)
    cut = validation_cut(len(x), training.validation_split)
    return Split(
        x_train=x[:cut],
        y_train=y[:cut],
        x_val=x[cut:],
        y_val=y[cut:],
        x_test=scaled(dataset.x_test, training.rescale),
        y_test=encoded(dataset.y_test, training.loss, classes),
    )


class SplitMemo:
    """The last split made, and what it was made from: runs that train on the same data object
    with the same scaling, labels, validation share and seed (a search's trials) share it, since
    on the full data set it costs seconds each time. One at a time, so memory stays bounded."""

    def __init__(self) -> None:
        self._last: tuple[Dataset, tuple[object, ...], Split] | None = None

    def split(self, dataset: Dataset, training: Training, seed: int) -> Split:
        key = (training.rescale, training.loss, training.validation_split, seed)
        if self._last is not None and self._last[0] is dataset and self._last[1] == key:
            return self._last[2]
        made = prepare_split(dataset, training, seed)
        self._last = (dataset, key, made)
        return made


def scaled(images: np.ndarray, rescale: Rescale) -> np.ndarray:
    """``images · scale + offset`` as float32, computed in place on one copy."""
    values = images.astype(np.float32)
    values *= np.float32(rescale.scale)
    values += np.float32(rescale.offset)
    return values


def encoded(labels: np.ndarray, loss: str, classes: int) -> np.ndarray:
    """One-hot rows for ``categorical_crossentropy``, the integers for the sparse loss."""
    if loss == "sparse_categorical_crossentropy":
        return labels
    return np.asarray(np.eye(classes, dtype=np.float32)[labels])


def validation_cut(samples: int, fraction: float) -> int:
    """Where validation starts, as Keras computes it: ``⌊N · (1 − fraction)⌋``."""
    if fraction == 0:
        return samples
    cut = math.floor(samples * (1.0 - fraction))
    if cut in (0, samples):
        raise RunError(
            f"validation_split {fraction} of {samples} training images leaves "
            f"{'no training' if cut == 0 else 'no validation'} images; use more images (--limit) "
            "or another validation_split"
        )
    return cut


def check_fits_images(input_shape: Shape, output_shape: Shape) -> None:
    """Refuse, before loading any data, a network that cannot take CIFAR-10's images or give one
    score per class."""
    if tuple(input_shape) != IMAGE_SHAPE:
        raise RunError(
            f"CIFAR-10 images are {IMAGE_SHAPE} but the spec's input is {tuple(input_shape)}; "
            "set input.shape to [32, 32, 3]"
        )
    if len(output_shape) != 1:
        raise RunError(
            f"a classifier's output is one score per class, but the network's is "
            f"{tuple(output_shape)}; end it with Flatten (or global pooling) and a Dense layer of "
            f"{len(CIFAR10_CLASSES)} units (one per class)"
        )


def check_fits_classes(output_shape: Shape, dataset: Dataset) -> None:
    """Refuse a network whose output does not have one unit per class of the data set."""
    classes = len(dataset.class_names)
    if tuple(output_shape) != (classes,):
        names = ", ".join(dataset.class_names[:12]) + (", ..." if classes > 12 else "")
        raise RunError(
            f"the data has {classes} classes ({names}) but the network's output is "
            f"{tuple(output_shape)}; end it with a Dense layer of {classes} units, or pass data "
            f"with {output_shape[-1]} classes"
        )
