"""Memory estimates: activations per sample and per batch, parameters, and a training total.

Every value is counted at the same number of bytes (the planning dtype, float32 by default). The
training estimate is the sum of what must live together during one training step:

- the parameters (all of them, trainable and not);
- one gradient per trainable parameter;
- the optimizer's slots, per trainable parameter: SGD 1 with momentum (else 0), Adam 2 (3 with
  amsgrad), RMSprop 1 (+1 with momentum, +1 centred), as Keras' optimizers allocate them;
- the activations kept for the backward pass: the input batch and every layer's output for it,
  each once however many layers take it (on a graph, a layer the output does not depend on is
  left out, as Keras leaves it out of the model).

It leaves out what depends on the framework and the device: workspace buffers of convolution
kernels, temporary tensors inside a layer (a pre-activation beside its activation), the gradients of
the activations (transient during backpropagation), the data pipeline, and the runtime itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

from archplan.schema.defaults import BATCH_SIZE, OPTIMIZER, OPTIMIZER_SLOTS

if TYPE_CHECKING:
    from archplan.schema.optimizers import Optimizer
    from archplan.schema.training import Training


class Counts(Protocol):
    """What a memory estimate reads of a network: a full trace or the numbers-only measures."""

    @property
    def training(self) -> Training | None: ...
    @property
    def input_values(self) -> int: ...
    @property
    def activations(self) -> int: ...
    @property
    def total_params(self) -> int: ...
    @property
    def trainable_params(self) -> int: ...


def optimizer_slots(optimizer: Optimizer) -> int:
    """Values the optimizer keeps per trainable parameter (Keras 3 allocates these variables)."""
    from archplan.schema.optimizers import SGD, Adam, RMSprop

    if isinstance(optimizer, SGD):
        return int(optimizer.momentum > 0)
    if isinstance(optimizer, Adam):
        return 2 + int(optimizer.amsgrad)
    if isinstance(optimizer, RMSprop):
        return 1 + int(optimizer.momentum > 0) + int(optimizer.centered)
    raise TypeError(f"no memory rule for the optimizer {type(optimizer).__name__}")


class Memory(NamedTuple):
    """The sizes, in bytes, of what one sample, one batch and one training step hold."""

    bytes_per_value: int
    batch_size: int
    optimizer: str
    optimizer_slots: int
    input_bytes_per_sample: int
    activation_bytes_per_sample: int
    params_bytes: int
    gradients_bytes: int
    optimizer_bytes: int

    @property
    def input_bytes_per_batch(self) -> int:
        return self.input_bytes_per_sample * self.batch_size

    @property
    def activation_bytes_per_batch(self) -> int:
        return self.activation_bytes_per_sample * self.batch_size

    @property
    def training_bytes(self) -> int:
        """Parameters + gradients + optimizer slots + input and activations of one batch."""
        return (
            self.params_bytes
            + self.gradients_bytes
            + self.optimizer_bytes
            + self.input_bytes_per_batch
            + self.activation_bytes_per_batch
        )


def estimate_memory(
    trace: Counts, *, bytes_per_value: int = 4, batch_size: int | None = None
) -> Memory:
    """Memory for ``trace``; the batch size and optimizer default to the spec's training block
    (whose own defaults are Keras' ``fit`` and ``compile`` ones: 32, RMSprop)."""
    training = trace.training
    if batch_size is None:
        batch_size = training.batch_size if training else BATCH_SIZE
    optimizer = training.optimizer.type if training else OPTIMIZER
    slots = optimizer_slots(training.optimizer) if training else OPTIMIZER_SLOTS
    return Memory(
        bytes_per_value=bytes_per_value,
        batch_size=batch_size,
        optimizer=optimizer,
        optimizer_slots=slots,
        input_bytes_per_sample=trace.input_values * bytes_per_value,
        activation_bytes_per_sample=trace.activations * bytes_per_value,
        params_bytes=trace.total_params * bytes_per_value,
        gradients_bytes=trace.trainable_params * bytes_per_value,
        optimizer_bytes=trace.trainable_params * slots * bytes_per_value,
    )
