"""CIFAR-10 readers: the official python and binary downloads, and trees of image files.

Importing this package loads numpy and Pillow only, never a framework (Keras' own download of
CIFAR-10 is :mod:`archplan.keras.download`). Every problem with the user's files is a one-line
:class:`~archplan.errors.DataError` naming the file::

    from archplan.data import load_cifar10
    data = load_cifar10("../shared/data/cifar10-jpeg.tar.xz", limit=300)
    data.x_train.shape  # (300, 32, 32, 3)
"""

from archplan.data.dataset import CIFAR10_CLASSES, Dataset
from archplan.data.load import load_cifar10

__all__ = ["CIFAR10_CLASSES", "Dataset", "load_cifar10"]
