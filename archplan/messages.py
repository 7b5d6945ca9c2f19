"""The words archplan's messages share: where a layer is, and what a misspelt name may have meant.

A leaf module: plain strings in, plain strings out, so that the spec loader, the engine and the
Keras side all label a layer and suggest a name alike without importing one another.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence


def layer_label(index: int, name: str | None = None, keras_class: str | None = None) -> str:
    """``layers[3] ('conv2', Conv2D)``, with whatever is known of the layer's name and type."""
    details = [repr(name) if name is not None else None, keras_class]
    shown = ", ".join(detail for detail in details if detail)
    return f"layers[{index}] ({shown})" if shown else f"layers[{index}]"


def suggest(word: str, choices: Sequence[str]) -> str:
    """A `` (did you mean 'x'?)`` suffix for a misspelt name, or nothing when no name is close."""
    lowered = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.5)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters, and the marks that reorder text (bidirectional overrides)."""


def visible(text: str) -> str:
    """Text from a file as data for a terminal: each control character shown as its escape.

    ``'net\\x1b[2J'`` is printed as the eleven characters ``net\\x1b[2J``, so a name can
    neither clear the screen, set the window's title, nor hide or reorder what follows.
    """
    return _INVISIBLE.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


def has_invisible(text: str) -> bool:
    """True for text that holds a control character or a reordering mark."""
    return _INVISIBLE.search(text) is not None


def visible_lines(text: str) -> str:
    """:func:`visible` line by line: the line breaks of a multi-line text are kept."""
    return "\n".join(visible(line) for line in text.split("\n"))
