"""The image-decoding worker process: ``python -m archplan.data.worker``.

Started with ``python -m`` rather than through ``multiprocessing``: multiprocessing's spawn
re-imports the caller's main script in every worker, which re-runs scripts that lack a
``__main__`` guard. Nothing imports this module; it only runs as a program.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import IO

from archplan.data.decode import decode_serially
from archplan.data.framing import REPLY_ERROR, REPLY_IMAGES, read_frame, unpack_items, write_frame
from archplan.errors import DataError


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """Answer each request with its images decoded, until the requests end."""
    while (request := read_frame(requests)) is not None:
        try:
            reply = REPLY_IMAGES + decode_serially(unpack_items(request)).tobytes()
        except DataError as exc:
            reply = REPLY_ERROR + str(exc).encode("utf-8", "surrogateescape")
        write_frame(replies, reply)


def _main() -> None:
    # Ctrl-C is the parent's to handle: it closes our stdin, which ends the loop cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Replies get their own copy of stdout; fd 1 then points at stderr, so that a stray print
    # from any library cannot corrupt the frames.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    _main()
