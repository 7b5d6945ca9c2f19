"""A quick read of the real data set, ../shared/data/cifar10-jpeg.tar.xz beside the repository."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from archplan.data import CIFAR10_CLASSES, load_cifar10

JPEG_ARCHIVE = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "cifar10-jpeg.tar.xz"
)


@pytest.mark.slow
@pytest.mark.skipif(not JPEG_ARCHIVE.exists(), reason=f"{JPEG_ARCHIVE} is not here")
def test_first_images_of_the_jpeg_archive() -> None:
    data = load_cifar10(JPEG_ARCHIVE, limit=300, test_limit=200)

    assert data.x_train.shape == (300, 32, 32, 3)
    assert data.x_test.shape == (200, 32, 32, 3)
    assert data.x_train.dtype == data.x_test.dtype == np.uint8
    assert data.y_train.dtype == data.y_test.dtype == np.int64
    assert data.class_names == CIFAR10_CLASSES
    assert np.bincount(data.y_train).tolist() == [30] * 10
    assert np.bincount(data.y_test).tolist() == [20] * 10
    assert data.y_train[:12].tolist() == [*range(10), 0, 1]
    # Real photographs, not blank or constant images.
    assert 60 < data.x_train.mean() < 200
    assert (data.x_train.reshape(300, -1).std(axis=1) > 5).all()
    assert data.source == f"image folders in {JPEG_ARCHIVE}"
