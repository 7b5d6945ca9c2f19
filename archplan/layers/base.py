"""What every layer spec is and returns: the contract between layer modules and the engine.

A layer spec is a frozen pydantic model whose ``type`` is its Keras class name (or an alias), with
Keras' argument names and defaults. Given the shape it receives, it says what comes out, how many
weights it has, and the arithmetic behind both (:class:`Inference`). Layers know nothing of their
position in a network: the engine adds that when it reports a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from archplan.engine.arith import group
from archplan.engine.receptive import Reach
from archplan.layers.args import LayerName, Shape


class LayerShapeError(ValueError):
    """A layer cannot take the shape it receives; the message says why and what would fix it."""


@dataclass(frozen=True)
class Inference:
    """A layer's output shape and weights for one input shape, with the arithmetic shown."""

    output_shape: Shape
    trainable: int = 0
    non_trainable: int = 0
    param_formula: str = "0"
    arithmetic: tuple[str, ...] = ()
    macs: int | None = None
    """Multiply-accumulates for one sample (0 for layers without weights); None: no rule yet."""
    other_ops: int = 0
    """Other work for one sample, not in MACs: bias adds, activations, pooling, normalisation."""
    reach: Reach | None = None
    """What one output value sees of the input (windows, pointwise, global); None: no rule."""

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable


class Layer(BaseModel):
    """Base of every layer spec."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    keras_class: ClassVar[str]
    """The Keras class that realizes this spec (``type`` may be an alias of it)."""

    name: LayerName | None = None

    def infer(self, input_shape: Shape) -> Inference:
        """Apply the layer's rules to ``input_shape`` (no batch axis); raise LayerShapeError."""
        raise NotImplementedError

    def describe(self) -> str:
        """The arguments that shape the output, briefly, for tables and diagrams."""
        return ""

    def keras_arguments(self) -> dict[str, Any]:
        """The keyword arguments of the Keras class: a spec's fields are Keras' own names."""
        return self.model_dump(exclude={"type", "name"})

    @classmethod
    def default_name_prefix(cls) -> str:
        """Keras' automatic name stem: ``MaxPooling2D`` → ``max_pooling2d``."""
        spaced = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls.keras_class)
        return re.sub(r"([a-z])([A-Z])", r"\1_\2", spaced).lower()


LayerT = TypeVar("LayerT", bound=type[Layer])
LAYER_CLASSES: list[type[Layer]] = []
"""Every registered layer spec class, in registration order (the union is built from it)."""


def register(cls: LayerT) -> LayerT:
    """Class decorator: make a layer spec part of the spec format."""
    LAYER_CLASSES.append(cls)
    return cls


def require_rank(input_shape: Shape, rank: int, layer: str, hint: str) -> None:
    """Refuse an input of the wrong rank, saying what the layer expects and how to get it."""
    if len(input_shape) != rank:
        raise LayerShapeError(
            f"{layer} expects an input of rank {rank} (height, width, channels), "
            f"got {format_shape(input_shape)}; {hint}"
        )


def format_shape(shape: Shape) -> str:
    """``(32, 32, 3)`` → ``'(32, 32, 3)'``, and ``(10,)`` → ``'(10,)'``, as Keras prints shapes."""
    return str(tuple(shape))


def weight_formula(*terms: str, total: int) -> str:
    """``'(3·3·3 + 1)·64'`` and 1792 → ``'(3·3·3 + 1)·64 = 1,792'``."""
    return f"{' + '.join(terms)} = {group(total)}"




def check_positive(height: int, width: int, arithmetic: tuple[str, ...]) -> None:
    """Refuse a window that no longer fits, showing the arithmetic and the usual fixes."""
    if height <= 0 or width <= 0:
        raise LayerShapeError(
            f"the output would be empty ({'; '.join(arithmetic)}); use padding='same', "
            "a smaller kernel_size, pool_size or strides, or less downsampling before it"
        )
