"""archplan's tables: columns described once, cells as styled lines, laid out line by line as
rich lays out a table.

rich's ``Table`` measures and wraps every cell as text, twice, whether it fits or not: about a
third of a millisecond a cell, most of the time ``archplan trace`` spends drawing, and half a
minute for ten thousand layers. :class:`LinedTable` draws the same lines (rich's ``Table`` is its
oracle in the tests), with rich's public API only: the column widths by rich's rules, from each
cell's longest line; a cell whose lines fit its column is laid out here, and only a cell that must
be wrapped, holds a tab or a control character, or must be cut short with ``…`` is handed to
rich's own text wrapping (``Console.render_lines``). Cells are data, never markup: a name holding
``[link=...]`` or an escape sequence is printed as the characters it is.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Literal, NamedTuple

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
Line = list[Segment]
"""One line of a laid-out cell, exactly as wide as its column."""

PADDING = 1
"""Spaces on each side of every cell, as rich's tables pad them."""
EDGE = " "
"""The left and right edges and the column separator of rich's ``SIMPLE_HEAD`` box."""
PART_ROWS = 1000
"""A table is printed this many rows at a time: the memory used is a part's, not the table's."""


def cell(text: str, style: str = "") -> Cell:
    """A cell of plain text in one style (a newline starts another line)."""
    return tuple(((line, style),) for line in text.split("\n"))


def as_text(value: Cell) -> Text:
    """The cell as rich ``Text``: what rich's table would be given."""
    text = Text()
    for number, line in enumerate(value):
        if number:
            text.append("\n")
        for piece, style in line:
            text.append(piece, style=style or None)
    return text


class Column(NamedTuple):
    """A column: its header, alignment, style, and how it gives up width to fit the console."""

    header: str
    justify: Literal["left", "right"] = "left"
    style: str = ""
    fold: bool = False
    """Long words are folded at any character (else they end in ``…``)."""
    no_wrap: bool = False
    """Never narrowed or wrapped to fit the console (its long lines end in ``…``)."""

    @property
    def overflow(self) -> Literal["fold", "ellipsis"]:
        return "fold" if self.fold else "ellipsis"


def table(
    title: Text, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *,
    header_style: str = "bold",
) -> LinedTable:  # fmt: skip
    """The rows under a title and a header, drawn as rich draws a ``SIMPLE_HEAD`` table."""
    return LinedTable(title, tuple(columns), rows, header_style)


class LinedTable(NamedTuple):
    """A title, a header, a rule under it, and rows: rich's table, laid out line by line."""

    title: Text
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    header_style: str = "bold"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for part in self.parts(options):
            yield from console.render(part, options)

    def parts(self, options: ConsoleOptions) -> Iterator[RenderableType]:
        """The title and header, then the rows a thousand at a time, all of the same widths.

        Where rich would draw another box (a console that cannot show ``─``) or squeeze a column
        to nothing, rich's own table is the one part."""
        widths = self.widths(options.max_width)
        if options.ascii_only or options.legacy_windows or min(widths) <= 2 * PADDING:
            yield self.rich_table()
            return
        yield _Part(self, widths, (), heading=True)
        for start in range(0, len(self.rows), PART_ROWS):
            yield _Part(self, widths, self.rows[start : start + PART_ROWS])
        yield _Part(self, widths, (), closing=True)

    def widths(self, max_width: int) -> list[int]:
        """Each column's width, padding included, by rich's rules: as wide as its longest line;
        when that is too wide, the widest columns that may wrap narrowed first, then all."""
        room = max_width - _edges(len(self.columns))
        if room < 1 + 2 * PADDING:
            return [0] * len(self.columns)
        widths = [min(self._longest(i) + 2 * PADDING, room) for i in range(len(self.columns))]
        if sum(widths) > room:
            wrapable = [not column.no_wrap for column in self.columns]
            widths = narrowed(widths, wrapable, room)
            if sum(widths) > room:
                widths = shared_cut(sum(widths) - room, [1] * len(widths), widths, widths)
        return [max(width, 0) for width in widths]

    def _longest(self, index: int) -> int:
        """The widest line of the column's header and cells."""
        header = _longest_line(self.columns[index].header)
        return max(header, max((_longest_line(row[index]) for row in self.rows), default=0))

    def rich_table(self) -> Table:
        """The same table as rich's ``Table``: what :class:`LinedTable` draws, line for line."""
        grid = Table(title=self.title, box=box.SIMPLE_HEAD, header_style=self.header_style)
        for column in self.columns:
            grid.add_column(
                column.header,
                justify=column.justify,
                style=column.style or None,
                no_wrap=column.no_wrap,
                overflow=column.overflow,
            )
        for row in self.rows:
            grid.add_row(*(as_text(value) for value in row))
        return grid

    def heading(
        self, console: Console, options: ConsoleOptions, widths: list[int]
    ) -> Iterator[Segment]:
        """The title over the box's blank top edge, the header, and the rule under it."""
        total = sum(widths) + _edges(len(widths))
        if self.title:  # rich leaves out an empty title
            title = options.update(width=total, justify="center", highlight=False, height=None)
            yield from console.render(self.title, title)
        yield Segment(" " * total)
        yield _NEW_LINE
        header = [cell(column.header, self.header_style) for column in self.columns]
        yield from self.lines(console, options, header, widths, header=True)
        yield Segment(EDGE + "─" * (total - 2) + EDGE)
        yield _NEW_LINE

    def lines(
        self,
        console: Console,
        options: ConsoleOptions,
        row: Sequence[Cell],
        widths: list[int],
        *,
        header: bool = False,
    ) -> Iterator[Segment]:
        """The row's lines: its cells side by side, the shorter ones filled with blank lines
        (below a cell; above a header, whose cells rich aligns at the bottom)."""
        blocks = [
            _cell_lines(console, options, value, column, width - 2 * PADDING, header=header)
            for value, column, width in zip(row, self.columns, widths, strict=True)
        ]
        height = max(len(block) for block in blocks)
        for block, width in zip(blocks, widths, strict=True):
            blank = [[Segment(" " * (width - 2 * PADDING))]] * (height - len(block))
            block[:] = blank + block if header else block + blank
        for number in range(height):
            yield _LEFT_EDGE
            for index, block in enumerate(blocks):
                if index:
                    yield _BETWEEN
                yield from block[number]
            yield _RIGHT_EDGE
            yield _NEW_LINE


class _Part(NamedTuple):
    """Some rows of a table (or its heading, or its blank bottom edge), at the table's widths."""

    table: LinedTable
    widths: list[int]
    rows: Sequence[Sequence[Cell]]
    heading: bool = False
    closing: bool = False

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.heading:
            yield from self.table.heading(console, options, self.widths)
        for row in self.rows:
            yield from self.table.lines(console, options, row, self.widths)
        if self.closing:
            yield Segment(" " * (sum(self.widths) + _edges(len(self.widths))))
            yield _NEW_LINE


def _cell_lines(
    console: Console,
    options: ConsoleOptions,
    value: Cell,
    column: Column,
    width: int,
    *,
    header: bool,
) -> list[Line]:
    """The cell's lines, each ``width`` wide, as rich's text wrapping lays them out."""
    base = "" if header else column.style
    lines = _wrapped(value, column, width)
    if lines is not None:
        right = column.justify == "right"
        return [_padded(line, width, right, base) for line in lines]
    wrap_options = options.update(
        width=width,
        justify=column.justify,
        no_wrap=column.no_wrap,
        overflow=column.overflow,
        height=None,
        highlight=False,
    )
    return console.render_lines(as_text(value), wrap_options, style=_style(base, ""), pad=True)


def _wrapped(value: Cell, column: Column, width: int) -> list[tuple[Fragment, ...]] | None:
    """The cell's lines when each fits its column, as rich lays them out; None where rich would
    do more (a line to wrap or cut short, a tab or control character to expand or strip), which
    rich's wrapping then lays out."""
    if not value:
        return None
    right = column.justify == "right"
    lines: list[tuple[Fragment, ...]] = []
    for line in value:
        text = _plain(line)
        if not text.isprintable():
            return None
        if _width(text) > width:
            return None
        lines.append(_cropped(line, _trailing_space(line)) if right else line)
    return lines


def _cut(line: tuple[Fragment, ...], offsets: list[int]) -> list[tuple[Fragment, ...]]:
    """The line cut at these character offsets, each fragment keeping its style."""
    bounds = [0, *offsets, len(_plain(line))]
    pieces = []
    for start, end in itertools.pairwise(bounds):
        cut: list[Fragment] = []
        position = 0
        for piece, style in line:
            first, last = max(start, position), min(end, position + len(piece))
            if first < last:
                cut.append((piece[first - position : last - position], style))
            position += len(piece)
        pieces.append(tuple(cut))
    return pieces


def _trailing_space(line: tuple[Fragment, ...]) -> int:
    text = _plain(line)
    return len(text) - len(text.rstrip())


def _cropped(line: tuple[Fragment, ...], count: int) -> tuple[Fragment, ...]:
    """The line without its last ``count`` characters."""
    kept = len(_plain(line)) - count
    return _cut(line, [kept])[0] if count > 0 else line


def _padded(line: tuple[Fragment, ...], width: int, right: bool, base: str) -> Line:
    gap = Segment(" " * (width - _width(_plain(line))))
    pieces = [Segment(piece, _style(base, own)) for piece, own in line if piece]
    return [gap, *pieces] if right else [*pieces, gap]


def _longest_line(value: Cell | str) -> int:
    """The cell's widest line in columns, as rich measures text (``str.splitlines``)."""
    text = value if isinstance(value, str) else "\n".join(_plain(line) for line in value)
    return max((_width(line) for line in text.splitlines()), default=0)


def _plain(line: tuple[Fragment, ...]) -> str:
    """The line's text, without its styles."""
    return "".join(piece for piece, _ in line)


def narrowed(widths: Sequence[int], wrapable: Sequence[bool], room: int) -> list[int]:
    """Column widths within ``room``, as rich's tables narrow them: the widest columns that may
    wrap are brought down, a step at a time, towards the next widest, until the table fits or
    no column that may wrap is left to narrow."""
    widths = list(widths)
    while sum(widths) > room:
        candidates = [width for width, may in zip(widths, wrapable, strict=True) if may]
        widest = max(candidates, default=0)
        below = max((width for width in candidates if width != widest), default=0)
        step = widest - below
        chosen = [int(may and width == widest) for width, may in zip(widths, wrapable, strict=True)]
        if not any(chosen) or not step:
            break
        excess = sum(widths) - room
        widths = shared_cut(excess, chosen, [min(excess, step)] * len(widths), widths)
    return widths


def shared_cut(
    total: int, shares: Sequence[int], limits: Sequence[int], values: Sequence[int]
) -> list[int]:
    """``values`` less ``total`` in all, each entry giving up its part of what is left in
    proportion to its share (rounded, at most its limit), in order, as rich divides a table's
    excess width between its columns."""
    left, weight = total, sum(shares)
    result = []
    for share, limit, value in zip(shares, limits, values, strict=True):
        if share and weight > 0:
            cut = min(limit, round(share * left / weight))
            left -= cut
            weight -= share
            value -= cut
        result.append(value)
    return result


def _edges(columns: int) -> int:
    """The box's left and right edges and the separators between columns."""
    return len(EDGE) * (columns + 1)


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
    """Print a renderable part by part: a group child by child, a table a thousand rows at a
    time, so that the memory used is one part's and the first lines appear at once."""
    for part in _parts(renderable, console.options):
        # a table's lines are laid out to the width already: no cropping pass over them
        console.print(part, crop=not isinstance(part, _Part))


def _parts(renderable: RenderableType, options: ConsoleOptions) -> Iterator[RenderableType]:
    if isinstance(renderable, Group):
        for child in renderable.renderables:
            yield from _parts(child, options)
    elif isinstance(renderable, ByWidth):
        yield from _parts(renderable.choose(options.max_width), options)
    elif isinstance(renderable, LinedTable):
        yield from renderable.parts(options)
    else:
        yield renderable


def _width(text: str) -> int:
    """Columns the text takes on a terminal (rich's ``cell_len``, skipped for plain ASCII)."""
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


_NO_STYLE = Style.null()
_NEW_LINE = Segment.line()
_LEFT_EDGE = Segment(EDGE + " " * PADDING)
_BETWEEN = Segment(" " * PADDING + EDGE + " " * PADDING)
_RIGHT_EDGE = Segment(" " * PADDING + EDGE)
_STYLES: dict[tuple[str, str], Style] = {}


def _style(base: str, own: str) -> Style:
    """A column's style with a fragment's on top, parsed once per pair (not once per cell)."""
    style = _STYLES.get((base, own))
    if style is None:
        name = f"{base} {own}".strip()
        style = _STYLES[(base, own)] = Style.parse(name) if name else _NO_STYLE
    return style
