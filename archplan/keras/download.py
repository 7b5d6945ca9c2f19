"""CIFAR-10 through Keras' own download, for runs given no ``--data``."""

from __future__ import annotations

import numpy as np

from archplan.data import CIFAR10_CLASSES, Dataset
from archplan.data.messages import describe
from archplan.errors import DataError

DOWNLOAD_FAILED = (
    "could not download CIFAR-10 through Keras ({reason}); pass --data PATH: an official "
    "archive or folder (cifar-10-python.tar.gz, cifar-10-binary.tar.gz or their extracted folder) "
    "or an image-folder tree or archive such as ../shared/data/cifar10-jpeg.tar.xz"
)


def download_cifar10(limit: int | None = None, test_limit: int | None = None) -> Dataset:
    """Keras's own CIFAR-10 download (cached under ~/.keras/datasets); needs network once."""
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
        return Dataset(
            x_train=np.asarray(x_train, dtype=np.uint8)[:limit],
            y_train=np.asarray(y_train, dtype=np.int64).reshape(-1)[:limit],
            x_test=np.asarray(x_test, dtype=np.uint8)[:test_limit],
            y_test=np.asarray(y_test, dtype=np.int64).reshape(-1)[:test_limit],
            class_names=CIFAR10_CLASSES,
            source="keras.datasets.cifar10 (downloaded to ~/.keras/datasets)",
        )
    except Exception as exc:  # offline, no keras, a broken cache: all mean "pass a path instead"
        raise DataError(DOWNLOAD_FAILED.format(reason=describe(exc))) from None
