"""Image augmentation layer specs: RandomFlip, RandomTranslation, RandomRotation, RandomZoom and
RandomCrop. They change images only while training (``model.fit``); at inference Keras passes the
input through unchanged.

Rules shared by all five, as archplan counts them:

- no weights; MACs 0 and other ops 0: the costs are inference costs, and at inference these layers
  do nothing (while training, a translation, rotation or zoom interpolates every value: bilinear
  blends 4 pixels, 7 operations per value, like Dropout's mask this is left out of the counts);
- receptive field: pointwise (the identity at inference); RandomCrop moves the field's start by the
  crop's offset, the centre of its random range, as Cropping2D does;
- the input must be an image of rank 3 (height, width, channels). Keras builds them on any rank and
  fails on the first call (rank 1 or 4), or takes a batch of rank-2 samples for one image.

On JAX (and TensorFlow with XLA), note that Keras marks RandomTranslation, RandomRotation,
RandomZoom and RandomCrop as not compilable (``supports_jit = False``): a model holding one is not
compiled (``jit_compile="auto"`` resolves to False), so on JAX every training step runs op by op.
RandomFlip compiles.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator

from archplan.layers.args import PositiveInt, one_of
from archplan.layers.base import Inference, Layer, LayerShapeError, register
from archplan.rules.arith import axis_lines
from archplan.rules.receptive import POINTWISE, Reach, Window
from archplan.rules.shapes import Shape, format_shape

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")
FlipMode = Annotated[
    Literal["horizontal", "vertical", "horizontal_and_vertical"], one_of(FLIP_MODES, "flip mode")
]
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
FillMode = Annotated[
    Literal["reflect", "wrap", "constant", "nearest"], one_of(FILL_MODES, "fill mode")
]
INTERPOLATIONS = ("nearest", "bilinear")
ResamplingInterpolation = Annotated[
    Literal["nearest", "bilinear"], one_of(INTERPOLATIONS, "interpolation")
]
Factor = float | tuple[float, float]
"""A factor: ``0.1`` (from -0.1 to 0.1) or ``[low, high]``, as fractions of a size or a turn."""


def _factor_check(low: float, high: float, *, open_low: bool = False, of: str = "") -> Any:
    """A validator refusing a factor (or a bound of a pair) outside ``[low, high]``
    (``(low, high]`` with ``open_low``): the range Keras documents for the layer."""
    bracket = "(" if open_low else "["
    interval = f"{bracket}{low:g}, {high:g}]"

    def check(value: Factor | None) -> Factor | None:
        if value is None:  # RandomZoom's width_factor: as the height's
            return value
        bounds = value if isinstance(value, tuple) else (value,)
        for bound in bounds:
            if bound > high or bound < low or (open_low and bound == low):
                raise ValueError(
                    f"expected a fraction{of} in {interval}, or a list [low, high] of them, "
                    f"got {list(value) if isinstance(value, tuple) else value!r}"
                )
        return value

    return AfterValidator(check)


def _range(value: Factor) -> str:
    """``0.1`` → ``'±0.1'``; ``[-0.1, 0.2]`` → ``'-0.1 to 0.2'``."""
    if isinstance(value, tuple):
        low, high = sorted(value)
        return f"{low:g} to {high:g}"
    return f"±{abs(value):g}"


class _Augmentation(Layer):
    """A layer that changes images while training and passes them through at inference."""

    seed: int | None = None

    def training_effect(self) -> str:
        """What it does to an image while training, for the arithmetic column."""
        raise NotImplementedError

    def infer(self, input_shape: Shape) -> Inference:
        _require_image(self.keras_class, input_shape)
        return Inference(
            output_shape=input_shape,
            arithmetic=(f"training: {self.training_effect()}; inference: identity",),
            macs=0,
            reach=POINTWISE,
        )


def _require_image(layer: str, input_shape: Shape) -> None:
    if len(input_shape) != 3:
        raise LayerShapeError(
            f"{layer} augments images of rank 3 (height, width, channels), got "
            f"{format_shape(input_shape)}; Keras builds it on other ranks, then fails on the first "
            "call (rank 1 or 4) or takes a batch of samples for one image (rank 2). Put it first, "
            "on the image input"
        )


class _Resampling(_Augmentation):
    """An augmentation that moves pixels and fills what comes from outside the image."""

    fill_mode: FillMode = "reflect"
    interpolation: ResamplingInterpolation = "bilinear"
    fill_value: float = 0.0

    def _fill(self) -> list[str]:
        """The fill and interpolation, where not Keras' defaults."""
        parts = []
        if self.fill_mode != "reflect":
            fill = f" {self.fill_value:g}" if self.fill_mode == "constant" else ""
            parts.append(f"fill {self.fill_mode}{fill}")
        if self.interpolation != "bilinear":
            parts.append(self.interpolation)
        return parts


@register
class RandomFlip(_Augmentation):
    """Flips half the images left-right (``horizontal``), top-bottom (``vertical``), or both."""

    keras_class = "RandomFlip"
    type: Literal["RandomFlip"]
    mode: FlipMode = "horizontal_and_vertical"

    def training_effect(self) -> str:
        return f"flips half the images ({self.mode.replace('_', ' ')})"

    def describe(self) -> str:
        return self.mode.replace("_", " ")


@register
class RandomTranslation(_Resampling):
    """Shifts each image by a random fraction of its height and width (``0.1``: up to 10% either
    way), filling the uncovered border per ``fill_mode``."""

    keras_class = "RandomTranslation"
    type: Literal["RandomTranslation"]
    height_factor: Annotated[Factor, _factor_check(-1.0, 1.0, of=" of the height")]
    width_factor: Annotated[Factor, _factor_check(-1.0, 1.0, of=" of the width")]

    def training_effect(self) -> str:
        return "shifts each image at random"

    def describe(self) -> str:
        parts = [f"height {_range(self.height_factor)}", f"width {_range(self.width_factor)}"]
        return ", ".join(parts + self._fill())


@register
class RandomRotation(_Resampling):
    """Rotates each image by a random fraction of a full turn (``0.05``: up to ±18°).

    archplan wants both bounds of a ``[low, high]`` factor in [-1, 1]; Keras only refuses a pair
    lying wholly outside it (it takes ``[0.5, 3]``, up to three turns).
    """

    keras_class = "RandomRotation"
    type: Literal["RandomRotation"]
    factor: Annotated[Factor, _factor_check(-1.0, 1.0, of=" of a full turn")]

    def training_effect(self) -> str:
        return "rotates each image at random"

    def describe(self) -> str:
        if isinstance(self.factor, tuple):
            low, high = sorted(self.factor)
            degrees = f"{low * 360:g}° to {high * 360:g}°"
        else:
            degrees = f"±{abs(self.factor) * 360:g}°"
        return ", ".join([f"{_range(self.factor)} turn ({degrees})", *self._fill()])


@register
class RandomZoom(_Resampling):
    """Zooms each image by a random fraction: positive factors zoom out (the image shrinks, the
    border is filled), negative ones zoom in. ``width_factor`` unset: the same zoom as the height,
    keeping the aspect ratio."""

    keras_class = "RandomZoom"
    type: Literal["RandomZoom"]
    height_factor: Annotated[Factor, _factor_check(-1.0, 1.0, open_low=True)]
    width_factor: Annotated[Factor | None, _factor_check(-1.0, 1.0, open_low=True)] = None

    def training_effect(self) -> str:
        return "zooms each image at random"

    def describe(self) -> str:
        if self.width_factor is None:
            parts = [f"{_range(self.height_factor)}, aspect kept"]
        else:
            parts = [f"height {_range(self.height_factor)}", f"width {_range(self.width_factor)}"]
        return ", ".join(parts + self._fill())


@register
class RandomCrop(Layer):
    """Crops a random ``height``×``width`` window of each image while training.

    The output shape is (height, width, channels), as Keras reports it. Keras 3.15's rules:

    - the window is random only when both sides shrink; otherwise it is the centre one;
    - a side larger than the input's is resized up to it (bilinear), not padded;
    - at inference Keras passes the input through uncropped (keras-team/keras#21868), so a crop that
      changes the size gives the layers after it another shape at evaluation than at training:
      Flatten and Dense then fail, convolutions and global pooling run on the larger image.
      The arithmetic column says so; RandomTranslation shifts without changing the size.

    Receptive field: the crop's offset moves the field's start (the centre crop's, the mean of the
    random ones, rounded down); after a resize up the field is not tracked.
    """

    keras_class = "RandomCrop"
    type: Literal["RandomCrop"]
    height: PositiveInt
    width: PositiveInt
    seed: int | None = None

    def infer(self, input_shape: Shape) -> Inference:
        _require_image("RandomCrop", input_shape)
        height, width, channels = input_shape
        sizes = ((height, self.height), (width, self.width))
        random = self.height < height and self.width < width
        lines = axis_lines(*(self._axis_text(size, target, random) for size, target in sizes))
        if (self.height, self.width) != (height, width):
            lines += (
                f"inference: Keras 3.15 passes the {height}×{width} input through uncropped "
                "(keras-team/keras#21868)",
            )
        return Inference(
            output_shape=(self.height, self.width, channels),
            arithmetic=lines,
            macs=0,
            reach=self._reach(sizes),
        )

    @staticmethod
    def _axis_text(size: int, target: int, random: bool) -> str:
        if target > size:
            return f"{size} resized up to {target}"
        if target == size:
            return f"all {size}"
        return f"{'a random' if random else 'the centre'} {target} of {size}"

    @staticmethod
    def _reach(sizes: tuple[tuple[int, int], ...]) -> Reach | None:
        """Cropping2D's reach with the centre offset; unknown after a resize (a fractional step)."""
        if any(target > size for size, target in sizes):
            return None
        return tuple(Window(1, pad_before=-((size - target) // 2)) for size, target in sizes)

    def describe(self) -> str:
        return f"{self.height}×{self.width}"
