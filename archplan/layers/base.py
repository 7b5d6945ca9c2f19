"""What every layer spec is and returns: the contract between layer modules and the engine.

A layer spec is a frozen pydantic model whose ``type`` is its Keras class name (or an alias), with
Keras' argument names and defaults. Given the shape it receives, it says what comes out, how many
weights it has, and the arithmetic behind both (:class:`Inference`). Layers know nothing of their
position in a network: the engine adds that when it reports a problem.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archplan.layers.args import LayerName, LayerRefs, type_tags
from archplan.rules.receptive import Reach
from archplan.rules.shapes import Pair, Shape, format_shape


class LayerShapeError(ValueError):
    """A layer cannot take the shape it receives; the message says why and what would fix it."""


class MergeMismatchError(LayerShapeError):
    """Inputs ``first`` and ``second`` of a merge disagree on ``axis``, counted from the end
    (-1: the last axis, channels for images); None: they differ in rank."""

    def __init__(self, first: int, second: int, axis: int | None, rule: str) -> None:
        super().__init__(rule)
        self.first = first
        self.second = second
        self.axis = axis
        self.rule = rule


class Inference(NamedTuple):
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

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, defer_build=True, allow_inf_nan=False
    )

    keras_class: ClassVar[str]
    """The Keras class that realizes this spec (``type`` may be an alias of it)."""
    merges: ClassVar[bool] = False
    """True for merge layers (Add, Concatenate, ...): Keras calls them on a list of tensors."""
    takes_trainable: ClassVar[bool] = True
    """False for a Keras class whose constructor has no ``trainable`` (SpatialDropout2D, which has
    no weights to freeze): the argument is then set on the built layer, never passed."""
    width_argument: ClassVar[str | None] = None
    """The argument that chooses the output's channels (``filters``, ``units``), if any."""

    name: LayerName | None = None
    inputs: LayerRefs | None = Field(
        default=None,
        description="Names of earlier layers (or 'input') this layer takes; "
        "default: the layer just before it.",
    )
    trainable: bool = Field(
        default=True,
        description="false: the layer is frozen (Keras' trainable=False): all its weights are "
        "non-trainable, with no gradients or optimizer slots.",
    )

    @model_validator(mode="after")
    def _input_count(self) -> Layer:
        """A layer that is not a merge takes exactly one input; a merge needs a list of them."""
        if self.inputs is not None and not self.inputs:
            raise ValueError("inputs: an empty list; name at least one earlier layer or 'input'")
        if self.merges and self.inputs is None:
            raise ValueError(
                f"{self.keras_class} needs `inputs`: a list of the layers to merge, "
                'e.g. "inputs": ["stem", "conv2d_1"]'
            )
        if not self.merges and self.inputs is not None and len(self.inputs) != 1:
            names = ", ".join(repr(name) for name in self.inputs)
            raise ValueError(
                f"inputs: {self.keras_class} takes one input, got {len(self.inputs)} ({names}); "
                "merge them first (Add, Concatenate, ...) and name the merge"
            )
        return self

    def infer(self, input_shape: Shape) -> Inference:
        """Apply the layer's rules to ``input_shape`` (no batch axis); raise LayerShapeError."""
        raise NotImplementedError

    def infer_inputs(self, input_shapes: tuple[Shape, ...]) -> Inference:
        """The rules for the shapes of all the layer's inputs; one-input layers take the first."""
        return self.infer(input_shapes[0])

    def inference(self, input_shapes: tuple[Shape, ...]) -> Inference:
        """:meth:`infer_inputs`, with a frozen layer's weights all non-trainable: Keras'
        ``trainable=False`` moves every weight of the layer (a BatchNormalization's gamma and
        beta too) to ``non_trainable_weights``."""
        inferred = self.infer_inputs(input_shapes)
        if self.trainable or not inferred.trainable:
            return inferred
        formula = _NON_TRAINABLE_NOTE.sub("", inferred.param_formula)
        return inferred._replace(
            trainable=0, non_trainable=inferred.params, param_formula=f"{formula} (frozen)"
        )

    def describe(self) -> str:
        """The arguments that shape the output, briefly, for tables and diagrams."""
        return ""

    def keras_arguments(self) -> dict[str, Any]:
        """The keyword arguments of the Keras class: a spec's fields are Keras' own names.

        ``name`` is left to the caller (which uses the engine's names) and ``inputs`` is the
        graph's wiring, not an argument: the caller calls the layer on those tensors.
        """
        wiring = {"type", "name", "inputs"}
        return self.model_dump(exclude=wiring if self.takes_trainable else {*wiring, "trainable"})

    @classmethod
    def default_name_prefix(cls) -> str:
        """Keras' automatic name stem: ``MaxPooling2D`` → ``max_pooling2d``."""
        return _snake_case(cls.keras_class)


class SlidingWindowLayer(Layer):
    """A window sliding over height and width under Keras' ``padding``: convolutions, pooling.

    Under ``padding='same'`` such a layer keeps ``⌈D / s⌉`` positions whatever its window; the
    engine's hints ask :meth:`same_length` what a ``'valid'`` one would have given with it.
    """

    if TYPE_CHECKING:
        padding: str  # each subclass declares it, where Keras puts it among the arguments

    def window_strides(self) -> Pair:
        """The window's step along height and width."""
        raise NotImplementedError

    def same_length(self, size: int, axis: int) -> int:
        """The positions ``padding='same'`` keeps along ``axis`` (0: height, 1: width)."""
        return -(-size // self.window_strides()[axis])


_NON_TRAINABLE_NOTE = re.compile(r" \([^()]*non-trainable[^()]*\)$")
"""The note a formula ends with on how many of its weights are non-trainable: all are, frozen."""


@functools.cache
def _snake_case(name: str) -> str:
    spaced = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", spaced).lower()


LayerT = TypeVar("LayerT", bound=type[Layer])
REGISTERED: list[type[Layer]] = []
"""The layer spec classes created so far, in registration order (their modules are loaded)."""
BY_TYPE: dict[str, type[Layer]] = {}
"""Each ``type`` value (aliases included) of the classes created so far, and its class."""


def register(cls: LayerT) -> LayerT:
    """Class decorator: make a layer spec part of the spec format."""
    REGISTERED.append(cls)
    BY_TYPE.update(dict.fromkeys(type_tags(cls), cls))
    return cls


def require_rank(input_shape: Shape, rank: int, layer: str, hint: str) -> None:
    """Refuse an input of the wrong rank, saying what the layer expects and how to get it."""
    if len(input_shape) != rank:
        raise LayerShapeError(
            f"{layer} expects an input of rank {rank} (height, width, channels), "
            f"got {format_shape(input_shape)}; {hint}"
        )


def check_positive(height: int, width: int, arithmetic: tuple[str, ...]) -> None:
    """Refuse a window that no longer fits, showing the arithmetic and the usual fixes."""
    if height <= 0 or width <= 0:
        raise LayerShapeError(
            f"the output would be empty ({'; '.join(arithmetic)}); use padding='same', "
            "a smaller kernel_size, pool_size or strides, or less downsampling before it"
        )
