"""What PyTorch itself reports for each layer of a module: output shape and weight counts.

A layer is a direct child of the module (an exported script gives each spec layer one); its
output shape comes from a forward hook on one sample, its trainable weights are its parameters'
``numel()``, its non-trainable ones the buffers it saves (Keras' moving mean and variance), not
counting BatchNorm's ``num_batches_tracked`` step counter, which Keras does not have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

COUNTERS = frozenset({"num_batches_tracked"})
"""Buffers that count steps rather than hold weights: Keras has no such weight."""


@dataclass(frozen=True)
class Measured:
    """One child module as PyTorch reports it."""

    name: str
    output_shape: tuple[int, ...]
    """Without the batch axis, in PyTorch's layout (channels first)."""
    trainable: int
    non_trainable: int


def weights(module: nn.Module) -> tuple[int, int]:
    """(trainable, non-trainable) weights: parameters that train, then the saved buffers and the
    frozen parameters."""
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in module.parameters() if not p.requires_grad)
    parameters = {name for name, _ in module.named_parameters()}
    saved = sum(
        value.numel()
        for key, value in module.state_dict().items()
        if key not in parameters and key.rsplit(".", 1)[-1] not in COUNTERS
    )
    return trainable, frozen + saved


def measure_children(model: nn.Module, input_shape: tuple[int, ...]) -> list[Measured]:
    """Each direct child of ``model``, in order, after one forward pass in eval mode on zeros of
    ``input_shape`` (no batch axis)."""
    shapes: dict[str, tuple[int, ...]] = {}
    handles = []
    for name, child in model.named_children():

        def hook(_: nn.Module, __: Any, output: Any, name: str = name) -> None:
            shapes[name] = tuple(output.shape[1:])

        handles.append(child.register_forward_hook(hook))
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for handle in handles:
            handle.remove()
    return [Measured(name, shapes[name], *weights(child)) for name, child in model.named_children()]
