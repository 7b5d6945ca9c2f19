"""``load_cifar10``: CIFAR-10 from whatever the user has, told apart by content, not by name."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from archplan.data.batches import LAYOUTS, read_batches
from archplan.data.dataset import Dataset
from archplan.data.images import read_image_folders
from archplan.data.inventory import Inventory, Prefix, scan
from archplan.data.messages import ACCEPTED
from archplan.data.parallel import ImageDecoder
from archplan.errors import DataError

_Found = TypeVar("_Found")


def load_cifar10(
    path: str | Path,
    *,
    limit: int | None = None,
    test_limit: int | None = None,
    workers: int | None = None,
) -> Dataset:
    """Load CIFAR-10 from ``path`` (:mod:`archplan.keras.download` fetches it through Keras).

    ``path`` may be the official ``cifar-10-python.tar.gz`` or ``cifar-10-binary.tar.gz``, either
    one's extracted folder, or a ``train/<class>/*`` + ``test/<class>/*`` tree of 32×32 images
    (possibly under one top folder), as a folder or a .tar/.tar.gz/.tar.xz read without
    extracting. The format is told from the files found, whatever the archive is called.

    ``limit`` keeps the first ``limit`` training images and ``test_limit`` the first ``test_limit``
    test images; only those are decoded. "First" is the official batch order for the official
    formats; for image folders it is round-robin over the classes (one file of each class in
    turn, files sorted by name), so even a small limit holds all ten classes. An archive is still
    read through once, since a compressed stream cannot skip ahead.

    ``workers`` is how many processes decode a large image tree, this one included (default: one
    per CPU; 1 decodes here only). Raises :class:`DataError`, one line naming the path, on any
    bad input.
    """
    for name, value in (("limit", limit), ("test_limit", test_limit)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    root = Path(path).expanduser()
    with ImageDecoder(workers) as decoder:
        inventory = scan(root, {"train": limit, "test": test_limit}, decoder.prefetch)
        return _read_inventory(inventory, decoder, limit, test_limit)


def _read_inventory(
    inventory: Inventory, decoder: ImageDecoder, limit: int | None, test_limit: int | None
) -> Dataset:
    """Official batches if there are any, else image folders; the first layout found wins."""
    for layout in LAYOUTS:
        found = {
            prefix: {name: item for name, item in files.items() if name in layout.file_names}
            for prefix, files in inventory.batches.items()
        }
        found = {prefix: files for prefix, files in found.items() if files}
        if found:
            prefix, files = _only_folder(found, inventory.root, f"CIFAR-10 {layout.kind} batches")
            where = _folder_name(inventory.root, prefix)
            return read_batches(layout, files, where, limit, test_limit)
    if inventory.images:
        prefix, splits = _only_folder(inventory.images, inventory.root, "image-folder trees")
        where = _folder_name(inventory.root, prefix)
        folders = inventory.class_folders.get(prefix, {})
        return read_image_folders(splits, where, decoder, limit, test_limit, folders)
    raise DataError(
        f"{inventory.root} holds no CIFAR-10 data (no batch files, no train/<class>/ images); "
        f"pass the path of {ACCEPTED}"
    )


def _only_folder(found: Mapping[Prefix, _Found], root: Path, what: str) -> tuple[Prefix, _Found]:
    if len(found) > 1:
        folders = ", ".join(sorted(_folder_name(root, prefix) for prefix in found))
        raise DataError(
            f"{root} holds {what} in more than one folder ({folders}); pass the path of one of them"
        )
    return next(iter(found.items()))


def _folder_name(root: Path, prefix: Prefix) -> str:
    """The folder in messages: the path itself, or ``archive.tar.xz:top`` inside an archive."""
    if not prefix:
        return str(root)
    inner = "/".join(prefix)
    return str(root / inner) if root.is_dir() else f"{root}:{inner}"
