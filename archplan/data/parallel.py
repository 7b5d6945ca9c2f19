"""Decoding many images at once, with worker processes doing what threads cannot.

Pillow spends about 0.2 ms on a 32×32 JPEG, nearly all of it Python (parsing markers, building the
Image) that holds the GIL, so threads alone do not help. :class:`ImageDecoder` hands chunks of
files to worker processes (:mod:`.worker`), each driven by a thread here that waits on its
pipe, and decodes a share itself meanwhile. Chunks can be handed over while an archive is still
being read, so decoding overlaps decompression. With one CPU, or if workers cannot be started, it
decodes everything in this process.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import numpy as np

from archplan.data.dataset import IMAGE_SHAPE
from archplan.data.decode import decode_serially
from archplan.data.framing import REPLY_ERROR, pack_items, read_frame, write_frame
from archplan.data.stored import Stored
from archplan.errors import DataError

_WORKER_FAILURES = (OSError, EOFError, ValueError)
"""A worker that cannot start, dies, or answers garbage: its chunk is decoded here instead."""


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_command() -> list[str]:
    return [sys.executable, "-m", "archplan.data.worker"]


def _worker_environment() -> dict[str, str]:
    """This environment with the folder holding ``archplan`` first on PYTHONPATH, so that the
    worker imports this very copy of the package even when it is not installed."""
    package_parent = str(Path(__file__).resolve().parents[2])
    path = [package_parent, *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


class _WorkerProcess:
    """One ``python -m archplan.data.worker`` child, answering one chunk at a time."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            worker_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_worker_environment(),
        )

    def decode(self, items: list[Stored]) -> np.ndarray:
        process = self._process
        if process.stdin is None or process.stdout is None:
            raise OSError("worker has no pipes")
        write_frame(process.stdin, pack_items(items))
        reply = read_frame(process.stdout)
        if reply is None:
            raise EOFError(f"worker exited with {process.poll()}")
        if reply[:1] == REPLY_ERROR:
            raise DataError(reply[1:].decode("utf-8", "surrogateescape"))
        return np.frombuffer(reply, dtype=np.uint8, offset=1).reshape(len(items), *IMAGE_SHAPE)

    def close(self) -> None:
        """Close its input, which ends it; kill it if it does not end."""
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):  # a dead worker's pipe may refuse the flush
                self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


@dataclass(eq=False)
class _Chunk:
    """Images decoded together, by a worker (``future``) or, if none has started it, here."""

    items: list[Stored]
    future: Future[np.ndarray]
    images: np.ndarray | None = field(default=None, repr=False)

    def take_over(self) -> None:
        """Decode here if no worker has started on it yet."""
        if self.future.cancel():
            self.images = decode_serially(self.items)

    def result(self) -> np.ndarray:
        if self.images is None:
            self.images = self.future.result()
        return self.images


class ImageDecoder:
    """Decodes stored image files in ``workers`` processes, this one included.

    ``prefetch`` hands over images as a reader finds them, so decoding overlaps reading;
    ``decode`` returns the images asked for, in order, whether prefetched or not. Worker
    processes start only once ``min_parallel`` images are in hand (fewer are decoded faster than
    workers start) and end with the decoder: use it as a context manager.
    """

    def __init__(
        self, workers: int | None = None, *, min_parallel: int = 6000, chunk_size: int = 2000
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._workers = available_cpus() if workers is None else workers
        self._min_parallel = min_parallel
        self._chunk_size = chunk_size
        self._threads: ThreadPoolExecutor | None = None
        self._thread_state = threading.local()
        self._processes: list[_WorkerProcess] = []
        self._processes_lock = threading.Lock()
        self._processes_failed = self._workers < 2
        self._pending: list[Stored] = []
        self._handed_out: list[_Chunk] = []
        self._located: dict[Stored, tuple[_Chunk | np.ndarray, int]] = {}

    def __enter__(self) -> ImageDecoder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drop queued work and end the worker processes."""
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)
            self._threads = None
        with self._processes_lock:
            processes, self._processes = self._processes, []
        for process in processes:
            process.close()

    def prefetch(self, item: Stored) -> None:
        """Queue ``item`` for the workers, which start once ``min_parallel`` images are queued."""
        if self._processes_failed:
            return
        self._pending.append(item)
        if self._threads is None and len(self._pending) < self._min_parallel:
            return
        while len(self._pending) >= self._chunk_size:
            self._hand_out(self._pending[: self._chunk_size])
            del self._pending[: self._chunk_size]

    def decode(self, items: Sequence[Stored]) -> np.ndarray:
        """The images of ``items``, in order, as one (N, 32, 32, 3) uint8 array."""
        if self._threads is not None:
            self._hand_out(self._pending)
        self._pending = []
        missing = [item for item in items if item not in self._located]
        if self._processes_failed or (self._threads is None and len(missing) < self._min_parallel):
            self._decode_here(missing)
        else:
            for start in range(0, len(missing), self._chunk_size):
                self._hand_out(missing[start : start + self._chunk_size])
        self._take_over_waiting_chunks()
        return self._gather(items)

    def _hand_out(self, items: list[Stored]) -> None:
        if not items:
            return
        if self._threads is None:
            helpers = self._workers - 1  # this process decodes too
            self._threads = ThreadPoolExecutor(helpers, thread_name_prefix="image-decoder")
        batch = list(items)
        chunk = _Chunk(batch, self._threads.submit(self._decode_in_worker, batch))
        self._handed_out.append(chunk)
        for row, item in enumerate(batch):
            self._located[item] = (chunk, row)

    def _take_over_waiting_chunks(self) -> None:
        """Decode here the chunks no worker has started: the last first, as workers take the
        first, so that this process works instead of waiting for the workers' backlog."""
        for chunk in reversed(self._handed_out):
            chunk.take_over()
        self._handed_out = []

    def _decode_here(self, items: list[Stored]) -> None:
        if items:
            images = decode_serially(items)
            for row, item in enumerate(items):
                self._located[item] = (images, row)

    def _decode_in_worker(self, items: list[Stored]) -> np.ndarray:
        """Runs on a pool thread; each thread drives a worker process of its own."""
        process = self._thread_process()
        if process is not None:
            try:
                return process.decode(items)
            except _WORKER_FAILURES:
                self._thread_state.process = None
                self._processes_failed = True
        return decode_serially(items)

    def _thread_process(self) -> _WorkerProcess | None:
        process: _WorkerProcess | None = getattr(self._thread_state, "process", None)
        if process is None and not self._processes_failed:
            try:
                process = _WorkerProcess()
            except OSError:
                self._processes_failed = True
                return None
            with self._processes_lock:
                self._processes.append(process)
            self._thread_state.process = process
        return process

    def _gather(self, items: Sequence[Stored]) -> np.ndarray:
        images = np.empty((len(items), *IMAGE_SHAPE), dtype=np.uint8)
        for index, item in enumerate(items):
            chunk, row = self._located[item]
            images[index] = (chunk.result() if isinstance(chunk, _Chunk) else chunk)[row]
        return images
