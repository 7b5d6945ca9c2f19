"""One pass over a folder or a tar archive, keeping only the files a CIFAR-10 reader can use.

Files are recognised by where they sit, not by what the archive is called: batch files by their
official names at the top or one folder down, images as ``train|test/<class>/<file>``, possibly
under one top-level folder. Archives are read as one stream (tarfile mode ``"r|*"``, compression
detected from the bytes): xz and gzip cannot seek, and a single in-order pass is the cheapest way
through 60,000 members. Nothing is extracted to disk.
"""

from __future__ import annotations

import lzma
import os
import tarfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from archplan.data.batches import LAYOUTS
from archplan.data.messages import ACCEPTED, describe
from archplan.data.stored import MAX_BATCH_BYTES, MAX_IMAGE_BYTES, Stored, check_size
from archplan.errors import DataError

Prefix = tuple[str, ...]
"""The folders above a batch file, or above an image tree's ``train/`` and ``test/``."""

NamedFiles = list[tuple[str, Stored]]
"""The files of one class folder, as (file name, file)."""

SPLITS = ("train", "test")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".tif", ".tiff"})
BATCH_FILE_NAMES = frozenset().union(*(layout.file_names for layout in LAYOUTS))
_MAX_DEPTH = 4  # top/train/<class>/<file>: nothing deeper can be CIFAR-10 data
_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error)


class Inventory:
    """The batch files and images found under one path, grouped by the folder they sit in.

    With a cap for a split, each class folder keeps only the ``cap`` files first by name: enough
    for any prefix of ``cap`` images, however the classes are interleaved, without holding all of
    an archive's images. Uncapped images are also handed to ``on_uncapped_image`` as they are
    found, so that decoding can start while the archive is still being read.
    """

    def __init__(
        self,
        root: Path,
        caps: Mapping[str, int | None],
        on_uncapped_image: Callable[[Stored], None] | None = None,
    ) -> None:
        self.root = root
        self._caps = caps
        self._on_uncapped_image = on_uncapped_image
        self.batches: dict[Prefix, dict[str, Stored]] = {}
        self.images: dict[Prefix, dict[str, dict[str, NamedFiles]]] = {}
        self.class_folders: dict[Prefix, dict[str, set[str]]] = {}
        """Every ``train|test/<class>/`` folder seen, with images or without."""

    def offer(
        self, parts: Prefix, where: str, fetch: Callable[[], bytes | Path], size: int | None = None
    ) -> None:
        """Keep the file at relative path ``parts`` if a reader can use it; ``fetch`` reads it.

        ``size`` (an archive member's, known before reading) is checked first: a member far
        larger than any CIFAR-10 file is refused before a byte of it is read.
        """
        if len(parts) <= 2 and parts[-1] in BATCH_FILE_NAMES:
            if size is not None:
                check_size(where, size, MAX_BATCH_BYTES, "batch file")
            self.batches.setdefault(parts[:-1], {})[parts[-1]] = Stored(where, fetch())
        elif _is_image_path(parts):
            if size is not None:
                check_size(where, size, MAX_IMAGE_BYTES, "image")
            self._keep_image(parts, Stored(where, fetch()))

    def offer_folder(self, parts: Prefix) -> None:
        """Note a folder: ``train|test/<class>`` ones are class folders, even when empty."""
        if len(parts) in (2, 3) and parts[-2] in SPLITS:
            *prefix, split, label = parts
            self.class_folders.setdefault(tuple(prefix), {}).setdefault(split, set()).add(label)

    def _keep_image(self, parts: Prefix, item: Stored) -> None:
        *prefix, split, label, name = parts
        tree = self.images.setdefault(tuple(prefix), {})
        files = tree.setdefault(split, {}).setdefault(label, [])
        files.append((name, item))
        cap = self._caps.get(split)
        if cap is None:
            if self._on_uncapped_image is not None:
                self._on_uncapped_image(item)
        elif len(files) > 2 * cap + 16:
            files.sort(key=lambda named: named[0])
            del files[cap:]


def _is_image_path(parts: Prefix) -> bool:
    if len(parts) not in (3, 4) or parts[-3] not in SPLITS:
        return False
    name = parts[-1]
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def scan(
    path: Path,
    caps: Mapping[str, int | None],
    on_uncapped_image: Callable[[Stored], None] | None = None,
) -> Inventory:
    """Find the CIFAR-10 files in a folder or a tar archive (of any compression)."""
    inventory = Inventory(path, caps, on_uncapped_image)
    if path.is_dir():
        for parts, file, is_folder in _walk_folder(path):
            if is_folder:
                inventory.offer_folder(parts)
            else:
                inventory.offer(parts, str(file), _path_fetcher(file))
    elif path.is_file():
        _scan_archive(path, inventory)
    elif path.exists():
        raise DataError(f"{path} is neither a file nor a folder; pass the path of {ACCEPTED}")
    else:
        raise DataError(f"{path} does not exist; pass the path of {ACCEPTED}")
    return inventory


def _walk_folder(root: Path) -> Iterator[tuple[Prefix, Path, bool]]:
    """Folders and files under ``root`` no deeper than data can be, skipping hidden folders;
    each with whether it is a folder."""
    for folder, subfolders, files in os.walk(root, followlinks=True):
        here = Path(folder)
        depth = len(here.relative_to(root).parts)
        if depth >= _MAX_DEPTH - 1:
            subfolders.clear()
        else:
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in subfolders:
            yield (here / name).relative_to(root).parts, here / name, True
        for name in files:
            file = here / name
            yield file.relative_to(root).parts, file, False


def _path_fetcher(file: Path) -> Callable[[], Path]:
    """A folder's files are kept as paths and read only if used."""
    return lambda: file


def _scan_archive(path: Path, inventory: Inventory) -> None:
    _refuse_zip(path)
    last_member: str | None = None
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                last_member = member.name
                parts = _member_parts(member.name)
                if member.isdir() and parts:
                    inventory.offer_folder(parts)
                elif member.isfile() and parts:
                    where = f"{path}:{member.name}"
                    inventory.offer(parts, where, _member_reader(archive, member), member.size)
                    inventory.offer_folder(parts[:-1])
    except _ARCHIVE_ERRORS as exc:
        raise DataError(_archive_problem(path, last_member, exc)) from None


def _refuse_zip(path: Path) -> None:
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as exc:
        raise DataError(
            f"{path} could not be opened ({describe(exc)}); check its permissions"
        ) from None
    if magic == b"PK\x03\x04":
        raise DataError(
            f"{path} is a zip archive, which is not supported; extract it and pass the folder, "
            "or pass a .tar/.tar.gz/.tar.xz"
        )


def _member_parts(name: str) -> Prefix:
    """An archive member's path as folder names, ``./`` and leading ``/`` dropped; () if unsafe.

    Plain string splitting: PurePosixPath would cost a second per pass over 60,000 members.
    """
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    return () if ".." in parts else parts


def _member_reader(archive: tarfile.TarFile, member: tarfile.TarInfo) -> Callable[[], bytes]:
    """Reads the member's bytes; valid only while the stream is at this member."""

    def read() -> bytes:
        handle = archive.extractfile(member)
        return handle.read() if handle is not None else b""

    return read


def _archive_problem(path: Path, last_member: str | None, exc: BaseException) -> str:
    if last_member is None:
        return (
            f"{path} is neither a folder nor a readable tar archive (plain, .gz, .bz2 or .xz): "
            f"{describe(exc)}; pass the path of {ACCEPTED}"
        )
    return (
        f"{path} is damaged: reading failed after member {last_member} ({describe(exc)}); "
        "download or re-create the archive"
    )
