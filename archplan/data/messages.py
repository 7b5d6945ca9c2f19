"""Wording shared by the readers' error messages, so every message offers the same fix."""

from __future__ import annotations

ACCEPTED = (
    "cifar-10-python.tar.gz, cifar-10-binary.tar.gz, their extracted folder, "
    "or a train/<class>/ + test/<class>/ image-folder tree "
    "(a folder or a .tar/.tar.gz/.tar.xz of one)"
)
"""What a CIFAR-10 path may point at, for the 'pass ...' half of a message."""


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, for exceptions whose text may be empty or span lines."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
