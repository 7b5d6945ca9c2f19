"""The served folder: which spec files the page may read and write, and how a save is made safe.

A path from the page is relative to the folder and must stay inside it (after symbolic links are
followed); only ``.json`` files are read or written. A save replaces a file only when the page
says so and the file is still the one the page loaded (its modification time): an edit made on
disk meanwhile is never overwritten unseen. Every write is atomic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from archplan.errors import ArchplanError
from archplan.files.reading import MAX_FILE_BYTES, parse_json, read_text
from archplan.files.writing import write_text
from archplan.messages import visible

MAX_LISTED = 500
"""Spec files the page lists (the folder's first ones, in name order)."""
MAX_DEPTH = 3
"""Subfolder levels the list looks into (``archplan serve ~`` must not walk the whole disk)."""
SKIPPED = frozenset({".git", ".venv", "node_modules", "__pycache__", "runs"})
"""Folders the list does not walk into."""


class ConflictError(ArchplanError):
    """A save that would replace a file unasked, or one changed on disk since it was loaded."""


@dataclass(frozen=True)
class SpecFile:
    """A file's text and its modification time in nanoseconds (what a save compares)."""

    path: str
    text: str
    mtime: int


@dataclass(frozen=True)
class Folder:
    """The folder ``archplan serve`` serves, resolved once."""

    root: Path

    def resolve(self, relative: object) -> Path:
        """The file a page's path names; refuses anything outside the folder or not ``.json``."""
        if not isinstance(relative, str) or not relative.strip():
            raise ArchplanError("path: name a .json file in the served folder, e.g. spec.json")
        if "\x00" in relative:
            raise ArchplanError(f"{visible(relative)}: a path cannot hold a NUL character")
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root):
            raise ArchplanError(
                f"{visible(relative)}: is outside the served folder {self.root}; archplan serve "
                "reads and writes only files inside it"
            )
        if candidate.suffix.lower() != ".json":
            raise ArchplanError(
                f"{visible(relative)}: archplan serve reads and writes only .json "
                "spec files; name the file .json"
            )
        return candidate

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def listing(self) -> list[str]:
        """The folder's .json files, and those of its subfolders down to :data:`MAX_DEPTH`
        (hidden and tool folders skipped), by name: the first :data:`MAX_LISTED` of them."""
        found: list[str] = []
        for folder, subfolders, names in os.walk(self.root):
            here = Path(folder)
            depth = len(here.relative_to(self.root).parts)
            subfolders[:] = sorted(
                name for name in subfolders
                if depth < MAX_DEPTH and name not in SKIPPED and not name.startswith(".")
            )  # fmt: skip
            found += [self.relative(here / name) for name in names if self._listed(here / name)]
        return sorted(found)[:MAX_LISTED]

    def _listed(self, path: Path) -> bool:
        """A visible .json file that is (or links to) a file inside the folder."""
        name = path.name
        return (
            name.lower().endswith(".json")
            and not name.startswith(".")
            and path.is_file()
            and path.resolve().is_relative_to(self.root)
        )

    def read(self, relative: object) -> SpecFile:
        """A spec file's text, read through archplan's one bounded reader."""
        path = self.resolve(relative)
        shown = Path(self.relative(path))
        if not path.exists():
            raise ArchplanError(f"{shown}: no such file in the served folder")
        text = read_text(path, error=ArchplanError)
        return SpecFile(path=self.relative(path), text=text, mtime=path.stat().st_mtime_ns)

    def mtime(self, relative: object) -> int | None:
        """When the file last changed (None: it does not exist), for the page's reload check."""
        path = self.resolve(relative)
        try:
            return path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def save(self, relative: object, text: str, *, replace: bool, loaded: int | None) -> SpecFile:
        """Write ``text`` atomically; an existing file only with ``replace`` and unchanged since
        the page loaded it (modification time ``loaded``)."""
        path = self.resolve(relative)
        shown = self.relative(path)
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            raise ArchplanError(f"{shown}: the text is larger than any spec; not saved")
        parse_json(
            text, shown, error=ArchplanError, allow_nan=True
        )  # a file on disk always holds JSON
        if path.is_dir():
            raise ArchplanError(f"{shown}: is a folder; name a .json file")
        if not path.parent.is_dir():
            raise ArchplanError(f"{shown}: the folder {Path(shown).parent} does not exist")
        if path.exists():
            if not replace:
                raise ConflictError(
                    f"{shown}: already exists, and archplan never overwrites a "
                    "file unasked; choose another name, or confirm to replace it"
                )
            if loaded is None or path.stat().st_mtime_ns != loaded:
                raise ConflictError(
                    f"{shown}: changed on disk since it was loaded; reload it (or "
                    "save under another name) so that neither edit is lost"
                )
        write_text(path, text)  # the one writer: a regular file or a new path, atomically
        return SpecFile(path=shown, text=text, mtime=path.stat().st_mtime_ns)
