"""Every accepted format reads back exactly the pixels and labels written into it."""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from archplan.data import CIFAR10_CLASSES, Dataset, load_cifar10
from archplan.data.inventory import scan
from tests.data.builders import py2_pickle, round_robin, save_png


def assert_same_data(data: Dataset, x_train, y_train, x_test, y_test) -> None:
    assert data.x_train.dtype == np.uint8
    assert data.y_train.dtype == np.int64
    assert data.x_train.shape == (len(y_train), 32, 32, 3)
    np.testing.assert_array_equal(data.y_train, y_train)
    np.testing.assert_array_equal(data.x_train, x_train)
    np.testing.assert_array_equal(data.y_test, y_test)
    np.testing.assert_array_equal(data.x_test, x_test)
    assert data.class_names == CIFAR10_CLASSES


# --- the official python and binary batches ----------------------------------------------------


@pytest.mark.parametrize("layout", ["python", "binary"])
@pytest.mark.parametrize("packing", ["folder", "tar.gz", "tar.gz misnamed .dat"])
def test_official_batches_round_trip(files, cifar, layout, packing) -> None:
    folder = files.python_folder() if layout == "python" else files.binary_folder()
    if packing == "folder":
        path = where = folder
    else:
        name = "download.dat" if "misnamed" in packing else f"cifar-10-{layout}.tar.gz"
        path = files.tar(folder, name, "w:gz", top=folder.name)
        where = f"{path}:{folder.name}"

    data = load_cifar10(path)

    assert_same_data(data, cifar.x_train, cifar.y_train, cifar.x_test, cifar.y_test)
    assert data.source == f"CIFAR-10 {layout} batches in {where}"


def test_python_batches_pickled_by_numpy_2_also_load(files, cifar) -> None:
    folder = files.python_folder(pickler=lambda value: pickle.dumps(value, protocol=4))
    data = load_cifar10(folder)
    np.testing.assert_array_equal(data.x_train, cifar.x_train)


@pytest.mark.parametrize("layout", ["python", "binary"])
def test_official_layout_is_channel_major_rows(tmp_path, layout) -> None:
    """Built by hand, not by the builders: pixel (row r, column c) has red r, green c, blue 7."""
    rows, cols = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    planes = np.stack([rows, cols, np.full((32, 32), 7)]).astype(np.uint8)
    record = planes.reshape(1, 3072)  # 1024 reds, row by row, then 1024 greens, 1024 blues
    folder = tmp_path / layout
    folder.mkdir()
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        if layout == "python":
            batch = {b"data": record, b"labels": [4]}
            (folder / name).write_bytes(py2_pickle(batch))
        else:
            (folder / f"{name}.bin").write_bytes(bytes([4]) + record.tobytes())

    data = load_cifar10(folder)

    assert data.x_train.shape == (5, 32, 32, 3)
    assert data.x_train[0, 5, 9].tolist() == [5, 9, 7]
    assert data.x_train[0, 31, 0].tolist() == [31, 0, 7]
    assert data.y_train.tolist() == [4] * 5
    assert data.class_names == CIFAR10_CLASSES  # no batches.meta: CIFAR-10's names


@pytest.mark.parametrize("layout", ["python", "binary"])
def test_limits_take_the_first_images_in_batch_order(files, cifar, layout) -> None:
    folder = files.python_folder() if layout == "python" else files.binary_folder()
    data = load_cifar10(folder, limit=8, test_limit=3)
    assert_same_data(data, cifar.x_train[:8], cifar.y_train[:8], cifar.x_test[:3], cifar.y_test[:3])


def test_batches_past_the_limit_are_not_read(files, cifar) -> None:
    folder = files.binary_folder()
    (folder / "data_batch_3.bin").write_bytes(b"not a batch")  # 12 images are in batches 1-2
    data = load_cifar10(folder, limit=12)
    np.testing.assert_array_equal(data.x_train, cifar.x_train[:12])


def test_class_names_come_from_batches_meta(files) -> None:
    folder = files.binary_folder()
    names = [f"kind{i}" for i in range(10)]
    (folder / "batches.meta.txt").write_text("\n".join(names) + "\n")
    assert load_cifar10(folder).class_names == tuple(names)


# --- image-folder trees ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("packing", "name", "mode"),
    [
        ("folder", None, None),
        ("tar", "images.tar", "w"),
        ("tar.gz", "images.tar.gz", "w:gz"),
        ("tgz", "images.tgz", "w:gz"),
        ("tar.xz", "images.tar.xz", "w:xz"),
        ("tar.xz misnamed", "images.zip.bak", "w:xz"),
    ],
)
@pytest.mark.parametrize("top", [None, "cifar10"])
def test_image_folders_round_trip(files, cifar, packing, name, mode, top) -> None:
    tree = files.image_tree()
    if packing != "folder":
        path = files.tar(tree, name, mode, top=top)
        where = f"{path}:{top}" if top else str(path)
    elif top:
        path = files.root / "outer"
        path.mkdir()
        tree.rename(path / top)
        where = str(path / top)
    else:
        path = where = tree

    data = load_cifar10(path)

    assert_same_data(
        data,
        *round_robin(cifar.x_train, cifar.y_train),
        *round_robin(cifar.x_test, cifar.y_test),
    )
    assert data.source == f"image folders in {where}"


def test_image_folders_interleave_classes_so_a_small_limit_has_them_all(files, cifar) -> None:
    archive = files.tar(files.image_tree(), "images.tar.xz", "w:xz")

    data = load_cifar10(archive, limit=12, test_limit=10)

    assert data.y_train.tolist() == [*range(10), 0, 1]
    assert data.y_test.tolist() == list(range(10))
    first_airplane = cifar.x_train[cifar.y_train == 0][0]
    second_automobile = cifar.x_train[cifar.y_train == 1][1]
    np.testing.assert_array_equal(data.x_train[0], first_airplane)
    np.testing.assert_array_equal(data.x_train[11], second_automobile)


def test_image_folder_files_past_the_limit_are_not_decoded(files) -> None:
    tree = files.image_tree()
    (tree / "train" / "cat" / "zzzz.png").write_bytes(b"not a png")  # sorts last among cats
    assert len(load_cifar10(tree, limit=30).y_train) == 30


def test_image_folder_order_is_by_file_name_not_creation_order(files, cifar) -> None:
    tree = files.image_tree()
    first_bird = tree / "train" / "bird" / "0000.png"
    first_bird.rename(tree / "train" / "bird" / "9999.png")  # now the last bird
    data = load_cifar10(tree)
    birds = data.x_train[data.y_train == 2]
    np.testing.assert_array_equal(birds[-1], cifar.x_train[cifar.y_train == 2][0])


def test_other_class_folders_are_numbered_in_sorted_order(files, cifar) -> None:
    classes = ("zebra", "yak", "x-ray", "whale", "vole", "urchin", "tapir", "seal", "rat", "quail")
    data = load_cifar10(files.image_tree(classes=classes))

    assert data.class_names == tuple(sorted(classes))
    # Folder "quail" held the images labelled 9, and is now class 0.
    quails = data.x_train[data.y_train == 0]
    np.testing.assert_array_equal(quails, cifar.x_train[cifar.y_train == 9])


def test_grayscale_and_rgba_images_are_converted_to_rgb(tmp_path: Path) -> None:
    from PIL import Image

    for split in ("train", "test"):
        folder = tmp_path / "tree" / split / "only"
        folder.mkdir(parents=True)
        Image.new("L", (32, 32), 77).save(folder / "a.png")
        Image.new("RGBA", (32, 32), (1, 2, 3, 4)).save(folder / "b.png")

    data = load_cifar10(tmp_path / "tree")

    assert data.x_train[:, 0, 0].tolist() == [[77, 77, 77], [1, 2, 3]]
    assert data.class_names == ("only",)


def scrambled_archive(files, cifar) -> Path:
    """Classes a and b, 30 images each: image i of a is x_train[2i], of b x_train[2i + 1] (mod
    30); members in a scrambled name order."""
    tree = files.root / "tree"
    for split in ("train", "test"):
        for label, class_name in enumerate(("a", "b")):
            for index in range(30):
                image = cifar.x_train[(2 * index + label) % len(cifar.x_train)]
                save_png(tree / split / class_name / f"{index:04d}.png", image)
    archive = files.root / "scrambled.tar"
    with tarfile.open(archive, "w") as tar:
        for png in sorted(tree.rglob("*.png"), key=lambda png: int(png.stem) * 7 % 30):
            tar.add(png, arcname=str(png.relative_to(tree)))
    return archive


def test_a_small_limit_keeps_the_first_files_by_name_from_an_unsorted_archive(files, cifar) -> None:
    data = load_cifar10(scrambled_archive(files, cifar), limit=3, test_limit=1)

    assert data.y_train.tolist() == [0, 1, 0]
    np.testing.assert_array_equal(data.x_train, cifar.x_train[:3])
    assert data.y_test.tolist() == [0]


def test_a_limit_bounds_the_files_held_while_reading_an_archive(files, cifar) -> None:
    inventory = scan(scrambled_archive(files, cifar), {"train": 3, "test": None})

    (tree,) = inventory.images.values()
    assert all(3 <= len(held) < 30 for held in tree["train"].values())
    assert [len(held) for held in tree["test"].values()] == [30, 30]
