"""archplan's tables: columns described once, cells as styled lines, laid out by rich or, for
thousands of rows, line by line.

rich's ``Table`` measures and wraps every cell twice, about a third of a millisecond each: fine
for a network of fifty layers, half a minute for ten thousand. Above :data:`LONG_TABLE_ROWS` rows
:func:`table` returns a :class:`LongTable` instead: the same title, columns, header and cells,
each column as wide as its widest line; only the columns marked ``fold`` give up width when the
console is narrower, their lines folded to fit. Either way cells are data, never markup: a name
holding ``[link=...]`` or an escape sequence is printed as the characters it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

Fragment = tuple[str, str]
"""A piece of one line of a cell and its style (``""``: the column's)."""
Cell = tuple[tuple[Fragment, ...], ...]
"""A cell: its lines, each a sequence of styled fragments."""

PADDING = 1
"""Spaces on each side of every cell, as rich's tables pad them."""
MIN_FOLDED_WIDTH = 12
LONG_TABLE_ROWS = 1000
"""Above this many rows a table is laid out line by line (:class:`LongTable`)."""


def cell(text: str, style: str = "") -> Cell:
    """A cell of plain text in one style (a newline starts another line)."""
    return tuple(((line, style),) for line in text.split("\n"))


def as_text(value: Cell) -> Text:
    """The cell as rich ``Text``, for an ordinary table."""
    text = Text()
    for number, line in enumerate(value):
        if number:
            text.append("\n")
        for piece, style in line:
            text.append(piece, style=style or None)
    return text


@dataclass(frozen=True)
class Column:
    """A column: its header, alignment, style, and how it gives up width to fit the console."""

    header: str
    justify: Literal["left", "right"] = "left"
    style: str = ""
    fold: bool = False
    """May be narrowed to fit the console; its long lines are then folded (a rich table folds
    them at any character, not at spaces)."""
    no_wrap: bool = False
    """Never wrapped by a rich table (a long table never wraps a column that does not fold)."""


def table(
    title: Text,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    title_style: str = "bold",
    header_style: str = "bold",
) -> RenderableType:
    """The rows under a title and a header: a rich table, or a long one past a thousand rows."""
    if len(rows) > LONG_TABLE_ROWS:
        return LongTable(Text(title.plain, style=title_style), columns, rows, header_style)
    grid = Table(
        title=title, title_style=title_style, box=box.SIMPLE_HEAD, header_style=header_style
    )
    for column in columns:
        grid.add_column(
            column.header,
            justify=column.justify,
            style=column.style or None,
            no_wrap=column.no_wrap,
            overflow="fold" if column.fold else "ellipsis",
        )
    for row in rows:
        grid.add_row(*(as_text(value) for value in row))
    return grid


@dataclass(frozen=True)
class LongTable:
    """A title, a header, a rule under it, and rows, rendered as rich segments directly."""

    title: Text
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    header_style: str = "bold"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for part in self.parts(options.max_width):
            yield from part.__rich_console__(console, options)

    def parts(self, max_width: int) -> Iterator[_Part]:
        """The title and header, then the rows a thousand at a time, all of the same widths:
        printed part by part, the memory used is a part's, not the table's."""
        widths = self._widths(max_width)
        yield _Part(self, widths, (), heading=True)
        for start in range(0, len(self.rows), LONG_TABLE_ROWS):
            yield _Part(self, widths, self.rows[start : start + LONG_TABLE_ROWS])

    def heading(self, widths: list[int]) -> Iterator[Segment]:
        total = sum(widths) + 2 * PADDING * len(widths)
        yield from _centred(self.title, total)
        header = [cell(column.header, self.header_style) for column in self.columns]
        yield from self._lines(header, widths, header=True)
        yield Segment(" " + "─" * max(total - 2, 0) + " ")
        yield Segment.line()

    def _widths(self, max_width: int) -> list[int]:
        """Each column's widest line; folding columns share what the others leave."""
        natural = [
            max([_width(column.header), *(_cell_width(row[index]) for row in self.rows)])
            for index, column in enumerate(self.columns)
        ]
        spare = max_width - sum(natural) - 2 * PADDING * len(natural)
        folding = [index for index, column in enumerate(self.columns) if column.fold]
        if spare >= 0 or not folding:
            return natural
        room = sum(natural[index] for index in folding) + spare
        share = max(room // len(folding), MIN_FOLDED_WIDTH)
        return [
            min(width, share) if index in folding else width
            for index, width in enumerate(natural)
        ]

    def _lines(
        self, row: Sequence[Cell], widths: list[int], *, header: bool = False
    ) -> Iterator[Segment]:
        """The row's lines, each as few segments as its styles allow."""
        columns = [
            _folded(value, width) if column.fold else value
            for value, column, width in zip(row, self.columns, widths, strict=True)
        ]
        height = max(len(value) for value in columns)
        for number in range(height):
            runs: list[list[Any]] = []
            for value, column, width in zip(columns, self.columns, widths, strict=True):
                line = value[number] if number < len(value) else ()
                gap = width - sum(_width(piece) for piece, _ in line)
                left = gap if column.justify == "right" else 0
                _extend(runs, " " * (PADDING + left), _NO_STYLE)
                base = "" if header else column.style
                for piece, style in line:
                    _extend(runs, piece, _style(base, style))
                _extend(runs, " " * (PADDING + gap - left), _NO_STYLE)
            for text, style in runs:
                yield Segment(text, style)
            yield Segment.line()


@dataclass(frozen=True)
class _Part:
    """Some rows of a long table (or its heading), laid out at the table's widths."""

    table: LongTable
    widths: list[int]
    rows: Sequence[Sequence[Cell]]
    heading: bool = False

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.heading:
            yield from self.table.heading(self.widths)
        for row in self.rows:
            yield from self.table._lines(row, self.widths)


class ByWidth:
    """One of two layouts, chosen (and only then built) by the width the console gives."""

    def __init__(
        self,
        wide: Callable[[], RenderableType],
        narrow: Callable[[], RenderableType],
        min_wide_width: int,
    ) -> None:
        self._wide, self._narrow, self.min_wide_width = wide, narrow, min_wide_width

    def choose(self, max_width: int) -> RenderableType:
        chosen = self._wide if max_width >= self.min_wide_width else self._narrow
        return chosen()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.choose(options.max_width)


def print_in_parts(console: Console, renderable: RenderableType) -> None:
    """Print a renderable part by part: a group child by child, a long table a thousand rows at
    a time, so that the memory used is one part's and the first lines appear at once."""
    for part in _parts(renderable, console.width):
        console.print(part)


def _parts(renderable: RenderableType, width: int) -> Iterator[RenderableType]:
    if isinstance(renderable, Group):
        for child in renderable.renderables:
            yield from _parts(child, width)
    elif isinstance(renderable, ByWidth):
        yield from _parts(renderable.choose(width), width)
    elif isinstance(renderable, LongTable):
        yield from renderable.parts(width)
    else:
        yield renderable


def _extend(runs: list[list[Any]], text: str, style: Style) -> None:
    """Add text to the last run if it has the same style, else start a run."""
    if runs and runs[-1][1] is style:
        runs[-1][0] += text
    else:
        runs.append([text, style])


def _centred(title: Text, width: int) -> Iterator[Segment]:
    plain = title.plain
    gap = max(width - _width(plain), 0)
    yield Segment(" " * (gap // 2))
    yield Segment(plain, _style(str(title.style), ""))
    yield Segment(" " * (gap - gap // 2))
    yield Segment.line()


def _folded(value: Cell, width: int) -> Cell:
    """Lines longer than ``width`` cut into lines of ``width`` (styles kept per piece)."""
    lines: list[tuple[Fragment, ...]] = []
    for line in value:
        current: list[Fragment] = []
        room = width
        for piece, style in line:
            while _width(piece) > room:
                head, piece = _split_at(piece, room)
                current.append((head, style))
                lines.append(tuple(current))
                current, room = [], width
            if piece:
                current.append((piece, style))
                room -= _width(piece)
        lines.append(tuple(current))
    return tuple(lines)


def _split_at(text: str, cells: int) -> tuple[str, str]:
    """The first ``cells`` columns of ``text``, and the rest."""
    taken = 0
    for index, character in enumerate(text):
        taken += _width(character)
        if taken > cells:
            return text[:index], text[index:]
    return text, ""


def _cell_width(value: Cell) -> int:
    return max((sum(_width(piece) for piece, _ in line) for line in value), default=0)


def _width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


_NO_STYLE = Style.null()
_STYLES: dict[tuple[str, str], Style] = {}


def _style(base: str, own: str) -> Style:
    """A column's style with a fragment's on top, parsed once per pair (not once per cell)."""
    style = _STYLES.get((base, own))
    if style is None:
        name = f"{base} {own}".strip()
        style = _STYLES[(base, own)] = Style.parse(name) if name else _NO_STYLE
    return style
