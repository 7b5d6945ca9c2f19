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
from archplan.rules.receptive import Reach, Spread, Window
from archplan.rules.shapes import (
    Shape,
    format_shape,
    join_channels,
    spatial_layout,
    split_channels,
)

T = TypeVar("T")


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
    input_count: ClassVar[tuple[int, int]] = (1, 1)
    """How many ``inputs`` a layer that is not a merge takes (MultiHeadAttention: 1 to 3, each
    a tensor argument of its call: query, value, key)."""
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
        low, high = self.input_count
        if not self.merges and self.inputs is not None and not low <= len(self.inputs) <= high:
            names = ", ".join(repr(name) for name in self.inputs)
            if high > 1:
                raise ValueError(
                    f"inputs: {self.keras_class} takes {low} to {high} inputs, got "
                    f"{len(self.inputs)} ({names})"
                )
            raise ValueError(
                f"inputs: {self.keras_class} takes one input, got {len(self.inputs)} ({names}); "
                "merge them first (Add, Concatenate, ...) and name the merge"
            )
        return self

    def call_inputs(self, inputs: list[T]) -> list[T]:
        """The tensors Keras calls a one-input layer on, as positional arguments (a merge takes
        the list as one argument instead); MultiHeadAttention passes query, value, key."""
        return inputs[:1]

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


class SpatialLayer(Layer):
    """A layer over ``spatial_rank`` spatial axes and channels: a sequence ``(steps, channels)``,
    an image ``(height, width, channels)`` or a volume ``(depth, height, width, channels)``.

    One class per Keras family holds the rules for every number of axes; each Keras class
    (``Conv1D``, ``Conv2D``, ``Conv3D``) is a thin subclass that sets ``spatial_rank`` and the
    sizes of its arguments, as Keras' own ``conv1d.py`` ... ``conv3d.py`` subclass ``BaseConv``.
    Where Keras takes ``data_format``, ``'channels_first'`` puts the channels axis first.
    """

    spatial_rank: ClassVar[int] = 2
    rank_hint: ClassVar[str | None] = None
    """What to do instead when no variant of the layer takes the input's rank."""

    @property
    def channels_first(self) -> bool:
        """True under ``data_format='channels_first'`` (only classes that take it declare it)."""
        return getattr(self, "data_format", "channels_last") == "channels_first"

    def split(self, input_shape: Shape) -> tuple[Shape, int]:
        """The spatial sizes and channels of ``input_shape``; refuses a rank the layer cannot
        take, naming the layer that could (Conv1D for a sequence, Conv2D for an image)."""
        rank = self.spatial_rank
        if len(input_shape) != rank + 1:
            raise LayerShapeError(
                f"{self.keras_class} expects an input of rank {rank + 1} "
                f"{spatial_layout(rank, self.channels_first)}, got {format_shape(input_shape)}; "
                f"{_rank_fix(self.keras_class, rank, len(input_shape), self.rank_hint)}"
            )
        return split_channels(input_shape, self.channels_first)

    def join(self, spatial: Shape, channels: int) -> Shape:
        """The output shape of ``spatial`` sizes and ``channels``, in the layer's data format."""
        return join_channels(spatial, channels, self.channels_first)

    def spatial_reach(self, reach: tuple[Window | Spread, ...]) -> Reach | None:
        """The per-axis reach, or None (no rule) under channels_first: archplan's receptive
        fields follow channels-last inputs only."""
        return None if self.channels_first else reach


def _rank_fix(keras_class: str, rank: int, input_rank: int, hint: str | None) -> str:
    """What to do with an input of ``input_rank``: the same layer for that many axes, if Keras has
    one (``Conv1D`` for a sequence), or a Reshape; Flatten's output needs a Reshape first."""
    from archplan.layers import FAMILY_OF

    kinds = {2: "a sequence", 3: "an image", 4: "a volume"}
    sibling = keras_class.replace(f"{rank}D", f"{input_rank - 1}D")
    reshape = f"Reshape it to {spatial_layout(rank)} first"
    if input_rank in kinds and sibling != keras_class and sibling in FAMILY_OF:
        return f"the input is {kinds[input_rank]}: use {sibling}, or {reshape}"
    return hint or f"{reshape} (or start from such an input)"


class SlidingWindowLayer(SpatialLayer):
    """A window sliding over the spatial axes under Keras' ``padding``: convolutions, pooling.

    Under ``padding='same'`` such a layer keeps ``⌈D / s⌉`` positions whatever its window; the
    engine's hints ask :meth:`same_length` what a ``'valid'`` one would have given with it.
    """

    if TYPE_CHECKING:
        padding: str  # each subclass declares it, where Keras puts it among the arguments

    def window_strides(self) -> tuple[int, ...]:
        """The window's step along each spatial axis."""
        raise NotImplementedError

    def same_length(self, size: int, axis: int) -> int:
        """The positions ``padding='same'`` keeps along spatial ``axis`` (0: the first)."""
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


def check_positive(sizes: Shape, arithmetic: tuple[str, ...]) -> None:
    """Refuse a window that no longer fits, showing the arithmetic and the usual fixes."""
    if min(sizes) <= 0:
        raise LayerShapeError(
            f"the output would be empty ({'; '.join(arithmetic)}); use padding='same', "
            "a smaller kernel_size, pool_size or strides, or less downsampling before it"
        )
