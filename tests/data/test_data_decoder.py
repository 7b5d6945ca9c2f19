"""Decoding in worker processes gives exactly what decoding here gives, and falls back to it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from archplan.data import parallel
from archplan.data.decode import decode_serially
from archplan.data.framing import pack_items, unpack_items
from archplan.data.parallel import ImageDecoder
from archplan.data.stored import Stored
from archplan.errors import DataError
from tests.data.builders import png_bytes, save_png


@pytest.fixture
def items(tmp_path, cifar) -> list[Stored]:
    """Half as bytes (as from an archive), half as paths (as from a folder), named in Greek."""
    stored = []
    for index, image in enumerate(cifar.x_train[:20]):
        if index % 2:
            stored.append(Stored(f"archive.tar:img{index}.png", png_bytes(image)))
        else:
            path = tmp_path / f"εικόνα{index}.png"
            save_png(path, image)
            stored.append(Stored(str(path), path))
    return stored


def test_framing_round_trip(items) -> None:
    unpacked = unpack_items(pack_items(items))
    assert [(item.where, item.blob) for item in unpacked] == [
        (item.where, item.blob) for item in items
    ]


def test_a_worker_process_decodes_and_ends_when_closed(items, cifar) -> None:
    worker = parallel._WorkerProcess()
    try:
        np.testing.assert_array_equal(worker.decode(items), cifar.x_train[:20])
        with pytest.raises(DataError, match=r"^junk\.png is not a readable image \("):
            worker.decode([Stored("junk.png", b"junk")])
        np.testing.assert_array_equal(worker.decode(items[:2]), cifar.x_train[:2])
    finally:
        worker.close()
    assert worker._process.returncode == 0


def small_decoder(workers: int = 3) -> ImageDecoder:
    """Two worker processes, starting from 4 images, 3 images to a chunk."""
    return ImageDecoder(workers, min_parallel=4, chunk_size=3)


def test_workers_decode_the_same_pixels(items, cifar) -> None:
    with small_decoder() as decoder:
        images = decoder.decode(items[::-1])
    np.testing.assert_array_equal(images, cifar.x_train[:20][::-1])


def test_prefetched_images_come_back_in_the_order_asked(items, cifar) -> None:
    with small_decoder() as decoder:
        for item in items:
            decoder.prefetch(item)
        first, rest = decoder.decode(items[:5]), decoder.decode(items[5:])
    np.testing.assert_array_equal(np.concatenate([first, rest]), cifar.x_train[:20])


def test_a_bad_image_in_a_worker_is_a_data_error_naming_it(items) -> None:
    items[1] = Stored("archive.tar:broken.png", b"not an image")
    with small_decoder() as decoder, pytest.raises(DataError) as caught:
        decoder.decode(items)
    assert str(caught.value).startswith("archive.tar:broken.png is not a readable image (")


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", "pass"],  # starts, then exits without answering
        [str(Path("/nonexistent/python"))],  # cannot start
    ],
)
def test_without_working_workers_it_decodes_here(items, cifar, monkeypatch, command) -> None:
    monkeypatch.setattr(parallel, "worker_command", lambda: command)
    with small_decoder() as decoder:
        images = decoder.decode(items)
    np.testing.assert_array_equal(images, decode_serially(items))
    np.testing.assert_array_equal(images, cifar.x_train[:20])


def test_one_worker_means_this_process_only(items, monkeypatch) -> None:
    def no_workers() -> list[str]:
        raise AssertionError("workers=1 must not start a worker process")

    monkeypatch.setattr(parallel, "worker_command", no_workers)
    with small_decoder(workers=1) as decoder:
        for item in items:
            decoder.prefetch(item)
        assert decoder.decode(items).shape == (20, 32, 32, 3)
