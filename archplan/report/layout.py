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
from typing import Literal

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
EDGE = " "
"""The left and right edges and the column separator of rich's ``SIMPLE_HEAD`` box."""
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
        yield _Part(self, widths, (), closing=True)

    def heading(self, widths: list[int]) -> Iterator[Segment]:
        """The title over a blank line, the header, and the rule under it, as rich draws them."""
        total = _table_width(widths)
        yield from _centred(self.title, total)
        yield Segment(" " * total)
        yield _NEW_LINE
        header = [cell(column.header, self.header_style) for column in self.columns]
        yield from self._lines(header, widths, header=True)
        yield Segment(EDGE + "─" * (total - 2) + EDGE)
        yield _NEW_LINE

    def _widths(self, max_width: int) -> list[int]:
        """Each column's widest line; folding columns share what the others leave."""
        natural = [
            max([_width(column.header), *(_cell_width(row[index]) for row in self.rows)])
            for index, column in enumerate(self.columns)
        ]
        spare = max_width - _table_width(natural)
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
        """The row's lines, each as few segments as its styles allow (the hot loop of a long
        table: plain loops, styles looked up once per column)."""
        values = [
            _folded(value, width) if column.fold else value
            for value, column, width in zip(row, self.columns, widths, strict=True)
        ]
        layout = [
            (value, width, column.justify == "right", "" if header else column.style)
            for value, column, width in zip(values, self.columns, widths, strict=True)
        ]
        for number in range(max(len(value) for value in values)):
            texts: list[str] = [EDGE]
            styles: list[Style] = [_NO_STYLE]
            for column_number, (value, width, right, base) in enumerate(layout):
                line = value[number] if number < len(value) else ()
                used = 0
                for piece, _ in line:
                    used += len(piece) if piece.isascii() else cell_len(piece)
                gap = width - used
                left = gap if right else 0
                _extend(texts, styles, " " * (PADDING + left), _NO_STYLE)
                for piece, own in line:
                    _extend(texts, styles, piece, _style(base, own))
                _extend(texts, styles, " " * (PADDING + gap - left), _NO_STYLE)
                if column_number < len(layout) - 1:
                    _extend(texts, styles, EDGE, _NO_STYLE)
            _extend(texts, styles, EDGE, _NO_STYLE)
            for text, run_style in zip(texts, styles, strict=True):
                yield Segment(text, run_style)
            yield _NEW_LINE


@dataclass(frozen=True)
class _Part:
    """Some rows of a long table (or its heading), laid out at the table's widths."""

    table: LongTable
    widths: list[int]
    rows: Sequence[Sequence[Cell]]
    heading: bool = False
    closing: bool = False
    """The blank bottom edge of the box, as rich ends a table."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.heading:
            yield from self.table.heading(self.widths)
        for row in self.rows:
            yield from self.table._lines(row, self.widths)
        if self.closing:
            yield Segment(" " * _table_width(self.widths))
            yield _NEW_LINE


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
        # a long table's lines are laid out to the width already: no cropping pass over them
        console.print(part, crop=not isinstance(part, _Part))


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


def _extend(texts: list[str], styles: list[Style], text: str, style: Style) -> None:
    """Add text to the last run if it has the same style, else start a run."""
    if styles and styles[-1] is style:
        texts[-1] += text
    else:
        texts.append(text)
        styles.append(style)


def _table_width(widths: Sequence[int]) -> int:
    """Cells, their padding, the separators between them and both edges."""
    return sum(widths) + 2 * PADDING * len(widths) + len(EDGE) * (len(widths) + 1)


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
    """The first ``cells`` columns of ``text`` (ending at a space when one falls in them, so
    words stay whole), and the rest (without that space)."""
    head, rest = _split_at_cells(text, cells)
    space = head.rfind(" ")
    if rest and space > 0 and not rest.startswith(" "):
        return head[:space], head[space + 1 :] + rest
    return head, rest.removeprefix(" ") if rest.startswith(" ") else rest


def _split_at_cells(text: str, cells: int) -> tuple[str, str]:
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
_NEW_LINE = Segment.line()
_STYLES: dict[tuple[str, str], Style] = {}


def _style(base: str, own: str) -> Style:
    """A column's style with a fragment's on top, parsed once per pair (not once per cell)."""
    style = _STYLES.get((base, own))
    if style is None:
        name = f"{base} {own}".strip()
        style = _STYLES[(base, own)] = Style.parse(name) if name else _NO_STYLE
    return style
