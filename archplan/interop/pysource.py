"""Python source for the exported scripts: literals, calls, and lines wrapped as a formatter would.

A call that fits in :data:`WIDTH` columns stays on one line; one that does not puts each argument
on a line of its own with a trailing comma (the layout ``ruff format`` and black give it). Only
what the exported scripts need: literals, names, calls, keyword arguments, lists and tuples.
"""

from __future__ import annotations

import json
import keyword
import textwrap
from dataclasses import dataclass
from typing import Any, Union

WIDTH = 88
"""The longest line the exported code has (the formatters' default)."""
INDENT = 4


@dataclass(frozen=True)
class Code:
    """Python source taken as is: a name, an expression."""

    text: str


@dataclass(frozen=True)
class Keyword:
    """``name=value`` in a call."""

    name: str
    value: Expr


@dataclass(frozen=True)
class Call:
    """``function(arguments)``; ``function`` may be a call itself (``Layer(...)(x)``)."""

    function: Code | Call
    arguments: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Items:
    """A list ``[...]`` or a tuple ``(...)`` of expressions."""

    items: tuple[Expr, ...]
    brackets: str = "[]"


Expr = Union[Code, Keyword, Call, Items]


def literal(value: Any) -> Code:
    """A JSON-like value as Python source: sequences as tuples, strings double-quoted."""
    if value is None or isinstance(value, bool):
        return Code(repr(value))
    if isinstance(value, (int, float)):
        return Code(repr(value))
    if isinstance(value, str):
        return Code(json.dumps(value))
    if isinstance(value, (list, tuple)):
        return Code(flat(Items(tuple(literal(item) for item in value), "()")))
    raise TypeError(f"no Python literal for {value!r}")


def flat(expr: Expr) -> str:
    """The expression on one line."""
    if isinstance(expr, Code):
        return expr.text
    if isinstance(expr, Keyword):
        return f"{expr.name}={flat(expr.value)}"
    if isinstance(expr, Call):
        return f"{flat(expr.function)}({', '.join(flat(item) for item in expr.arguments)})"
    opening, closing = expr.brackets[0], expr.brackets[1]
    inside = ", ".join(flat(item) for item in expr.items)
    if expr.brackets == "()" and len(expr.items) == 1:
        inside += ","
    return f"{opening}{inside}{closing}"


def render(expr: Expr, indent: int, used: int) -> str:
    """The expression, wrapped where it would pass :data:`WIDTH`; ``used``: the columns the line
    already holds before it, ``indent``: the line's indentation."""
    text = flat(expr)
    if used + len(text) <= WIDTH:
        return text
    if isinstance(expr, Keyword):
        return f"{expr.name}={render(expr.value, indent, used + len(expr.name) + 1)}"
    if isinstance(expr, Items) and expr.items:
        opening, closing = expr.brackets[0], expr.brackets[1]
        return f"{opening}{_block(expr.items, indent)}{closing}"
    if isinstance(expr, Call) and expr.arguments:
        return _call(expr, indent, used)
    return text


def _call(expr: Call, indent: int, used: int) -> str:
    head = flat(expr.function)
    if isinstance(expr.function, Call) and used + len(head) + 1 > WIDTH:
        head = _call(expr.function, indent, used)  # the inner call's arguments on lines
        tail = f"({', '.join(flat(item) for item in expr.arguments)})"
        if indent + 1 + len(tail) <= WIDTH:
            return head + tail
    return f"{head}({_block(expr.arguments, indent)})"


def _block(items: tuple[Expr, ...], indent: int) -> str:
    """The items on one indented line if they fit there, else one per line with a trailing
    comma: what ``ruff format`` does with arguments that do not fit beside their call."""
    inner = indent + INDENT
    joined = ", ".join(flat(item) for item in items)
    if inner + len(joined) <= WIDTH:
        return f"\n{' ' * inner}{joined}\n{' ' * indent}"
    comma = "," if len(items) > 1 else ""
    lines = "".join(f"\n{' ' * inner}{render(item, inner, inner)}{comma}" for item in items)
    return f"{lines}\n{' ' * indent}"


def statement(text: str, expr: Expr, indent: int = INDENT) -> str:
    """``text`` (``"x = "``, ``"return "``) and the expression, as indented source lines."""
    start = " " * indent + text
    return start + render(expr, indent, len(start))


def comment(text: str, indent: int = INDENT) -> list[str]:
    """``text`` as ``#`` comment lines, wrapped at :data:`WIDTH`."""
    prefix = " " * indent + "# "
    return textwrap.wrap(text, WIDTH, initial_indent=prefix, subsequent_indent=prefix)


def identifier(name: str, taken: set[str]) -> str:
    """A lowercase Python name for a layer's output, unique among ``taken`` (which it joins)."""
    cleaned = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_") or "layer"
    if cleaned[0].isdigit():
        cleaned = f"layer_{cleaned}"
    if keyword.iskeyword(cleaned) or cleaned in {"l", "o", "i"}:
        cleaned = f"{cleaned}_out"
    candidate, number = cleaned, 1
    while candidate in taken:
        candidate, number = f"{cleaned}_{number}", number + 1
    taken.add(candidate)
    return candidate


def docstring_safe(text: str) -> str:
    """Text that cannot end a docstring or start an escape, whatever a name holds."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def wrapped(paragraph: str) -> str:
    """A docstring paragraph within :data:`WIDTH` (a long path stays whole on its line)."""
    return textwrap.fill(paragraph, WIDTH - 3, break_long_words=False, break_on_hyphens=False)
