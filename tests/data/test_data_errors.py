"""Bad input: each case is one DataError line naming the path, never a traceback."""

from __future__ import annotations

import gzip
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from archplan.data import load_cifar10
from archplan.errors import DataError
from archplan.keras.download import download_cifar10
from tests.data.builders import py2_pickle


def data_error(path: Path | None, **kwargs: int) -> str:
    with pytest.raises(DataError) as caught:
        load_cifar10(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message, "a DataError is one line"
    return message


# --- paths that are not CIFAR-10 at all ----------------------------------------------------------


def test_missing_path(tmp_path) -> None:
    path = tmp_path / "cifar-10-python.tar.gz"
    message = data_error(path)
    assert message.startswith(f"{path} does not exist; pass the path of cifar-10-python.tar.gz")


def test_folder_without_cifar_files(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "train").mkdir()
    message = data_error(tmp_path)
    assert message.startswith(f"{tmp_path} holds no CIFAR-10 data (no batch files, no train/")


@pytest.mark.parametrize(
    "content", [b"", b"just some text, not an archive\n" * 40, gzip.compress(b"hello" * 200)]
)
def test_file_that_is_not_a_tar_archive(tmp_path, content) -> None:
    path = tmp_path / "data.tar.gz"
    path.write_bytes(content)
    message = data_error(path)
    assert message.startswith(f"{path} is neither a folder nor a readable tar archive")
    assert "pass the path of cifar-10-python.tar.gz" in message


def test_zip_archive_is_refused_with_a_fix(tmp_path) -> None:
    path = tmp_path / "cifar10.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train/cat/0000.png", b"x")
    assert data_error(path) == (
        f"{path} is a zip archive, which is not supported; extract it and pass the folder, "
        "or pass a .tar/.tar.gz/.tar.xz"
    )


@pytest.mark.parametrize(("mode", "suffix"), [("w:gz", "tar.gz"), ("w:xz", "tar.xz")])
def test_truncated_archive_is_damaged(files, mode, suffix) -> None:
    archive = files.tar(files.image_tree(), f"images.{suffix}", mode)  # random pixels: ~150 KB
    content = archive.read_bytes()
    archive.write_bytes(content[: len(content) // 2])
    message = data_error(archive)
    assert message.startswith(f"{archive} is damaged: reading failed after member ./")
    assert message.endswith("download or re-create the archive")


def test_two_trees_in_one_folder_are_ambiguous(files) -> None:
    files.image_tree("outer/first")
    files.image_tree("outer/second")
    outer = files.root / "outer"
    assert data_error(outer) == (
        f"{outer} holds image-folder trees in more than one folder "
        f"({outer / 'first'}, {outer / 'second'}); pass the path of one of them"
    )


# --- official batches with something wrong ----------------------------------------------------


def test_missing_python_batch(files) -> None:
    folder = files.python_folder()
    (folder / "data_batch_3").unlink()
    assert data_error(folder) == (
        f"{folder} has CIFAR-10 python batches but lacks data_batch_3; "
        "extract the whole cifar-10-python.tar.gz again"
    )


def test_missing_binary_test_batch_inside_an_archive(files) -> None:
    folder = files.binary_folder()
    (folder / "test_batch.bin").unlink()
    archive = files.tar(folder, "cifar-10-binary.tar.gz", top="cifar-10-batches-bin")
    assert data_error(archive) == (
        f"{archive}:cifar-10-batches-bin has CIFAR-10 binary batches but lacks test_batch.bin; "
        "extract the whole cifar-10-binary.tar.gz again"
    )


def test_binary_batch_of_the_wrong_size(files) -> None:
    folder = files.binary_folder()
    batch = folder / "data_batch_2.bin"
    batch.write_bytes(batch.read_bytes() + b"12345")
    assert data_error(folder).startswith(
        f"{batch} is {6 * 3073 + 5} bytes, not a whole number of 3073-byte CIFAR-10 records"
    )


def test_binary_batch_of_the_wrong_size_inside_an_archive(files) -> None:
    folder = files.binary_folder()
    (folder / "test_batch.bin").write_bytes(b"\x00" * 3000)
    archive = files.tar(folder, "cifar-10-binary.tar.gz", top="cifar-10-batches-bin")
    message = data_error(archive)
    assert message.startswith(
        f"{archive}:cifar-10-batches-bin/test_batch.bin is 3000 bytes, not a whole number"
    )


def test_binary_label_out_of_range(files) -> None:
    folder = files.binary_folder()
    record = bytes([10]) + bytes(3072)
    (folder / "data_batch_1.bin").write_bytes(record)
    message = data_error(folder)
    assert message.startswith(f"{folder / 'data_batch_1.bin'} has labels from 10 to 10")
    assert "outside CIFAR-10's 0..9" in message


@pytest.mark.parametrize(
    ("batch", "expected"),
    [
        ({b"data": np.zeros((2, 3000), np.uint8), b"labels": [0, 1]}, "not a uint8 N×3072 array"),
        ({b"labels": [0, 1]}, "has None under b'data', not a uint8 N×3072 array"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "has labels of shape (1,)"),
        ({b"data": np.zeros((1, 3072), np.uint8), b"labels": [b"cat"]}, "has labels of shape"),
        ([b"data"], "holds a list, not the dict of a CIFAR-10 python batch"),
    ],
)
def test_python_batch_with_the_wrong_content(files, batch, expected) -> None:
    folder = files.python_folder()
    (folder / "data_batch_4").write_bytes(py2_pickle(batch))
    message = data_error(folder)
    assert message.startswith(f"{folder / 'data_batch_4'} ")
    assert expected in message


def test_python_batch_that_is_not_a_pickle(files) -> None:
    folder = files.python_folder()
    (folder / "test_batch").write_bytes(b"label,pixels\n")
    assert data_error(folder).startswith(f"{folder / 'test_batch'} is not a pickle")


def test_truncated_python_batch(files) -> None:
    folder = files.python_folder()
    batch = folder / "data_batch_1"
    batch.write_bytes(batch.read_bytes()[:500])
    assert data_error(folder).startswith(f"{batch} is a damaged pickle (")


def test_meta_with_the_wrong_number_of_classes(files) -> None:
    folder = files.binary_folder()
    (folder / "batches.meta.txt").write_text("cat\ndog\n")
    assert data_error(folder).startswith(
        f"{folder / 'batches.meta.txt'} lists 2 class names, not CIFAR-10's 10"
    )


# --- image folders with something wrong --------------------------------------------------------


def test_image_of_the_wrong_size(files) -> None:
    tree = files.image_tree()
    big = tree / "train" / "cat" / "0001.png"
    Image.new("RGB", (33, 32)).save(big)
    assert data_error(tree) == (
        f"{big} is 33×32 pixels, not 32×32; resize it to 32×32 or remove it from the image folders"
    )


def test_unreadable_image_inside_an_archive(files) -> None:
    tree = files.image_tree()
    (tree / "test" / "frog" / "0001.png").write_bytes(b"\x89PNG but not really")
    archive = files.tar(tree, "images.tar.gz")
    message = data_error(archive)
    assert message.startswith(f"{archive}:./test/frog/0001.png is not a readable image (")
    assert message.endswith("replace it or remove it from the image folders")


def test_train_and_test_with_different_classes(files) -> None:
    tree = files.image_tree()
    (tree / "train" / "ship").rename(tree / "train" / "boat")
    assert data_error(tree) == (
        f"{tree} has different class folders in train/ and test/ (only in train/: boat; "
        "only in test/: ship); give both the same class folders"
    )


def test_tree_without_a_test_split(files) -> None:
    tree = files.image_tree()
    for image in (tree / "test").rglob("*.png"):
        image.unlink()
    assert data_error(tree).startswith(f"{tree} has no test/<class>/ image files")


# --- no path: the Keras download ----------------------------------------------------------------


def fake_keras(monkeypatch: pytest.MonkeyPatch, load_data) -> None:
    cifar10 = types.SimpleNamespace(load_data=load_data)
    module = types.ModuleType("keras")
    module.datasets = types.SimpleNamespace(cifar10=cifar10)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keras", module)


def test_offline_download_says_to_pass_a_path(monkeypatch) -> None:
    def offline():
        raise Exception("URL fetch failure on https://www.cs.toronto.edu/...\n[Errno -3] DNS")

    fake_keras(monkeypatch, offline)
    with pytest.raises(DataError) as error:
        download_cifar10()
    assert str(error.value) == (
        "could not download CIFAR-10 through Keras (URL fetch failure on "
        "https://www.cs.toronto.edu/... [Errno -3] DNS); pass --data PATH: an official archive "
        "or folder (cifar-10-python.tar.gz, cifar-10-binary.tar.gz or their extracted folder) "
        "or an image-folder tree or archive such as ../shared/data/cifar10-jpeg.tar.xz"
    )


def test_download_through_keras(monkeypatch) -> None:
    x = np.arange(4 * 3072, dtype=np.uint8).reshape(4, 32, 32, 3)
    y = np.array([[3], [1], [4], [1]], dtype=np.uint8)
    fake_keras(monkeypatch, lambda: ((x, y), (x[:2], y[:2])))

    data = download_cifar10(limit=3)

    assert data.y_train.tolist() == [3, 1, 4]
    assert data.y_train.dtype == np.int64
    np.testing.assert_array_equal(data.x_train, x[:3])
    assert data.y_test.tolist() == [3, 1]
    assert data.source.startswith("keras.datasets.cifar10")


def test_limits_below_one_are_refused(files) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        load_cifar10(files.root, limit=0)


def test_importing_the_readers_loads_no_framework() -> None:
    code = (
        "import sys, archplan.data; "
        "print(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'tensorflow', 'keras', 'jax', 'torch'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- files far larger than an image, corrupt images, empty class folders -------------------------


def test_an_archive_member_larger_than_any_image_is_refused_before_it_is_read(
    files, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sparse 3 GB "JPEG" in a small archive would be read whole: its header's size stops it."""
    from archplan.data import inventory

    tree = files.image_tree()
    big = tree / "train" / "cat" / "huge.png"
    big.write_bytes(b"\0" * 5000)
    archive = files.tar(tree, "data.tar")
    monkeypatch.setattr(inventory, "MAX_IMAGE_BYTES", 4096)
    read = []
    original = inventory._member_reader

    def spying(tar, member):  # records the members whose bytes are read
        reader = original(tar, member)
        return lambda: read.append(member.name) or reader()

    monkeypatch.setattr(inventory, "_member_reader", spying)
    message = data_error(archive, limit=10)
    assert message == (
        f"{archive}:./train/cat/huge.png is 0.0 MB, far more than any CIFAR-10 image (at most "
        "0.00390625 MB here); remove it or pass the right data"
    )
    assert "./train/cat/huge.png" not in read


def test_a_folder_file_larger_than_any_image_is_refused_before_it_is_read(
    files, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archplan.data import stored

    tree = files.image_tree()
    (tree / "train" / "cat" / "0000.png").write_bytes(b"\0" * 5000)
    monkeypatch.setattr(stored, "MAX_IMAGE_BYTES", 4096)
    monkeypatch.setattr(stored.read_stored, "__defaults__", (4096, "image"))
    assert data_error(tree, workers=1).startswith(f"{tree}/train/cat/0000.png is 0.0 MB, far more")


def test_a_corrupt_image_is_named_not_shown_as_an_object(files) -> None:
    tree = files.image_tree()
    (tree / "train" / "dog" / "0000.png").write_bytes(b"these bytes are no image format at all")
    message = data_error(tree, workers=1)
    assert message.startswith(f"{tree}/train/dog/0000.png is not a readable image (")
    assert "object at 0x" not in message
    assert "cannot identify image file the file" in message


@pytest.mark.parametrize("archived", [False, True])
def test_an_empty_class_folder_is_named_as_empty(files, archived: bool) -> None:
    tree = files.image_tree()
    for image in (tree / "train" / "cat").iterdir():
        image.unlink()
    path = files.tar(tree, "data.tar", top="top") if archived else tree
    where = f"{path}:top" if archived else str(tree)
    assert data_error(path) == (
        f"{where}/train/cat/ holds no image files; put the class's 32×32 images in it, or remove "
        "that class from both train/ and test/"
    )
