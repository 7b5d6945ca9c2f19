"""``--distribute``: data-parallel training over every visible device, with Keras' own means.

On JAX, Keras' distribution API (``keras.distribution.DataParallel``) replicates the weights and
shards each batch across the devices; on TensorFlow, a ``tf.distribute.MirroredStrategy`` does the
same. Either way the batch size is the global batch, which each device takes an equal share of.
TensorFlow is imported only when it is the backend in use (GPU hosts may have JAX alone).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from archplan.errors import RunError

DATA_PARALLEL = "DataParallel"
MIRRORED = "MirroredStrategy"


@dataclass(frozen=True)
class Placement:
    """Where a run computes: how many devices share each batch, and through which Keras means."""

    devices: int = 1
    distribution: str | None = None

    @property
    def shard_multiple(self) -> int:
        """What every batch's size, the last one's too, must be a multiple of: the device count.

        JAX shards each batch equally across the devices and refuses any other batch; Keras'
        TensorFlow trainer fails on a last batch that the replicas would share unequally too.
        """
        return self.devices


def check_global_batch(batch_size: int, devices: int) -> None:
    """Refuse a global batch that the devices cannot share equally."""
    if batch_size % devices:
        fitting = -(-batch_size // devices) * devices
        raise RunError(
            f"--distribute splits each batch of {batch_size} images across {devices} devices, "
            f"which needs a batch size divisible by {devices}; pass e.g. --batch-size {fitting}"
        )


@contextmanager
def placed(backend: str, batch_size: int, *, distribute: bool) -> Iterator[Placement]:
    """Build, compile and fit the model inside this: on one device, or over all of them."""
    if not distribute:
        yield Placement()
    elif backend == "jax":
        with _data_parallel(batch_size) as placement:
            yield placement
    elif backend == "tensorflow":
        with _mirrored(batch_size) as placement:
            yield placement
    else:
        raise RunError(
            f"--distribute needs the jax or tensorflow backend (Keras' distribution API has no "
            f"{backend} support); pass --backend jax or --backend tensorflow"
        )


@contextmanager
def _data_parallel(batch_size: int) -> Iterator[Placement]:
    """Keras' ``DataParallel`` over JAX's devices, set for the run and unset after it."""
    import keras

    devices = keras.distribution.list_devices()
    check_global_batch(batch_size, len(devices))
    previous = keras.distribution.distribution()
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    try:
        yield Placement(len(devices), DATA_PARALLEL)
    finally:
        keras.distribution.set_distribution(previous)


@contextmanager
def _mirrored(batch_size: int) -> Iterator[Placement]:
    """A ``MirroredStrategy`` over every GPU, else every (logical) CPU device."""
    tf = importlib.import_module("tensorflow")
    names = [d.name for d in tf.config.list_logical_devices("GPU")] or [
        d.name for d in tf.config.list_logical_devices("CPU")
    ]
    check_global_batch(batch_size, len(names))
    strategy = tf.distribute.MirroredStrategy(devices=names)
    with strategy.scope():
        yield Placement(strategy.num_replicas_in_sync, MIRRORED)
