"""The families: design spaces whose points are whole networks, in archplan's own spec format.

As in RegNet's design spaces, a few numbers generate a network: ``stages``, the ``depth`` of the
first stage and how much each later stage adds (``depth_growth``), and a width rule (the first
stage's ``width``, times ``width_factor`` per stage, rounded to a multiple of 8). The feature maps
are halved between stages, by 2×2 max pooling or by a stride-2 first layer (``downsample``), and
the head is Flatten or global average pooling, then a softmax over the classes (``head``).

- ``plain``: stages of ``depth`` convolutions, as the CIFAR-10 tutorial's network (which is one of
  its points); optional batch normalisation and hidden Dense layers;
- ``resnet``: a stem, then stages of basic residual blocks (two convolutions with batch
  normalisation, added to a shortcut that is projected by a 1×1 convolution where the size or
  width changes), as ``specs/resnet-small.json`` (also one of its points);
- ``mobile``: MobileNetV2's inverted residual blocks (a 1×1 expansion by ``expansion``, a depthwise
  convolution, a linear 1×1 projection; a residual sum where the shape allows), with ReLU6.

A family's :meth:`Family.network` is a pure function of a point and the :class:`Problem`. It
builds the network without re-validating what it guarantees (unique names, references that point
backwards): each distinct layer is validated once and then shared, and the network is assembled
with ``model_construct``. What ``archplan plan`` writes is validated in full.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from archplan.layers import Layer, layer_class
from archplan.planner.space import (
    Choice,
    Param,
    Point,
    Space,
    a_bool,
    multiple_of_8,
    odd_kernel,
    one_of,
    positive_int,
    positive_number,
)
from archplan.rules.shapes import Shape
from archplan.schema.network import InputSpec, Network
from archplan.schema.training import Training

BN_MOMENTUM = 0.9
"""Batch normalisation's moving statistics follow the weights within a few dozen steps (Keras'
0.99 needs hundreds), so short runs evaluate with statistics that fit (as resnet-small)."""


@dataclass(frozen=True)
class Problem:
    """What every candidate shares: the input, the classes, fixed first layers, the training."""

    input_shape: Shape
    classes: int
    fixed_layers: tuple[Layer, ...] = ()
    """Layers every candidate starts with (augmentation, rescaling), before the generated ones."""
    training: Training | None = None


@dataclass(frozen=True)
class Layout:
    """Per stage: how many convolutions (plain) or blocks (resnet, mobile), and the width."""

    depths: tuple[int, ...]
    widths: tuple[int, ...]


@functools.lru_cache(maxsize=1 << 16)
def _validated(kind: str, arguments: tuple[tuple[str, Hashable], ...]) -> Layer:
    cls = layer_class(kind)
    if cls is None:
        raise ValueError(f"no layer type {kind!r}")
    return cls.model_validate({"type": kind, **dict(arguments)})


def layer(kind: str, **arguments: Hashable) -> Layer:
    """The layer spec of Keras class ``kind``: validated the first time, shared afterwards."""
    return _validated(kind, tuple(arguments.items()))


def round_width(width: float) -> int:
    """The nearest multiple of 8 (at least 8): widths that vectorise well on every device."""
    return max(8, round(width / 8) * 8)


def stage_layout(point: Point) -> Layout:
    """Depth ``depth + j·depth_growth`` and width ``width·width_factor^j`` for stage j."""
    return _layout(
        int(point["stages"]), int(point["depth"]), int(point["depth_growth"]),
        int(point["width"]), float(point["width_factor"]),
    )  # fmt: skip


@functools.lru_cache(maxsize=1 << 12)
def _layout(stages: int, depth: int, growth: int, width: int, factor: float) -> Layout:
    return Layout(
        depths=tuple(depth + stage * growth for stage in range(stages)),
        widths=tuple(round_width(width * factor**stage) for stage in range(stages)),
    )


STAGES = Param("stages", (1, 2, 3, 4), "stages; the feature maps are halved between stages",
               positive_int)  # fmt: skip
DEPTH = Param("depth", (1, 2, 3), "convolutions (plain) or blocks in the first stage", positive_int)
DEPTH_GROWTH = Param(
    "depth_growth", (0, 1), "how many more each stage has than the one before",
    lambda value: positive_int(value) if value != 0 else None,
)  # fmt: skip
WIDTH_FACTOR = Param(
    "width_factor", (1.0, 1.5, 2.0), "each stage's width is the previous one's times this",
    positive_number,
)  # fmt: skip
KERNEL = Param("kernel", (3, 5), "kernel size of the spatial convolutions", odd_kernel)
DOWNSAMPLE = Param(
    "downsample", ("stride", "pool"),
    "halve the maps between stages by a stride-2 first layer or 2×2 max pooling",
    one_of("stride", "pool"),
)  # fmt: skip
HEAD = Param(
    "head", ("gap", "flatten"), "global average pooling or Flatten, then the softmax",
    one_of("gap", "flatten"),
)  # fmt: skip


def _hidden_check(value: Choice) -> str | None:
    parts = str(value).split("-")
    if value == "none" or (
        isinstance(value, str) and all(p.isdigit() and int(p) > 0 for p in parts)
    ):
        return None
    return "is not 'none' or Dense widths joined by '-', e.g. '512-64'"


def hidden_units(value: Choice) -> tuple[int, ...]:
    """``'512-64'`` → (512, 64); ``'none'`` → ()."""
    return () if value == "none" else tuple(int(part) for part in str(value).split("-"))


class Family(ABC):
    """A generator of networks: its parameters, and a point's layout, name and network."""

    name: ClassVar[str]
    summary: ClassVar[str]
    """One line on what the family's networks are."""
    params: ClassVar[tuple[Param, ...]]

    def space(self) -> Space:
        return Space(self.params)

    def layout(self, point: Point) -> Layout:
        return stage_layout(point)

    def slug(self, point: Point) -> str:
        """A name that tells the networks of the family apart (equal names, equal networks):
        ``plain-2x64-2x32-2x16-k3-pool-flatten-h512-64``."""
        layout = self.layout(point)
        stages = "-".join(f"{d}x{w}" for d, w in zip(layout.depths, layout.widths, strict=True))
        return "-".join([self.name, stages, *self.traits(point)])

    def traits(self, point: Point) -> list[str]:
        """What the layout leaves out, briefly: kernel, downsampling, head, extras."""
        traits = [f"k{point['kernel']}"]
        if int(point["stages"]) > 1:
            traits.append(str(point["downsample"]))
        return [*traits, str(point["head"]), *self.extra_traits(point)]

    def extra_traits(self, point: Point) -> list[str]:
        return []

    @abstractmethod
    def body(self, point: Point, problem: Problem) -> list[Layer]:
        """The generated layers, head included, after the problem's fixed layers."""

    @abstractmethod
    def describe(self, point: Point, problem: Problem) -> str:
        """What the network is, in a sentence or two."""

    def network(
        self,
        point: Point,
        problem: Problem,
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> Network:
        """The point's network: the fixed layers, then the body (see the module's note).

        The name defaults to :meth:`slug`; a search leaves the description out until it writes
        the spec (:meth:`describe` says what the network is).
        """
        return Network.model_construct(
            name=name or self.slug(point),
            description=description,
            input=InputSpec.model_construct(shape=tuple(problem.input_shape)),
            layers=[*problem.fixed_layers, *self.body(point, problem)],
            training=problem.training,
        )


STEM_OUTPUT = "stem_relu"


def _stem(width: int, kernel: int, activation: str) -> list[Layer]:
    """The residual families' stem: a convolution to the first stage's width, normalised."""
    return [
        layer("Conv2D", name="stem_conv", filters=width, kernel_size=kernel, padding="same",
              use_bias=False),
        layer("BatchNormalization", name="stem_bn", momentum=BN_MOMENTUM),
        layer("Activation", name=STEM_OUTPUT, activation=activation),
    ]  # fmt: skip


def _stages(
    point: Point, layout: Layout
) -> Iterator[tuple[Layer | None, list[tuple[str, int, int]]]]:
    """Each stage of a residual network: the pooling that opens it (if the point pools), and its
    blocks as (name, width, stride)."""
    for stage, (depth, width) in enumerate(zip(layout.depths, layout.widths, strict=True)):
        pool = (
            layer("MaxPooling2D", name=f"s{stage + 1}_pool", pool_size=2)
            if _pooled(point, stage)
            else None
        )
        blocks = [
            (f"s{stage + 1}b{index + 1}", width, _stride(point, stage, index))
            for index in range(depth)
        ]
        yield pool, blocks


def _pooled(point: Point, stage: int) -> bool:
    return stage > 0 and point["downsample"] == "pool"


def _stride(point: Point, stage: int, index: int) -> int:
    return 2 if stage > 0 and index == 0 and point["downsample"] == "stride" else 1


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _stages_text(layout: Layout, unit: str, details: str) -> str:
    """``'3 stages of 2, 2 and 2 convolutions (3×3, 64, 32 and 16 filters, ReLU)'``."""
    depths = _join([str(d) for d in layout.depths])
    count = len(layout.depths)
    return f"{count} stage{'s' * (count > 1)} of {depths} {unit} ({details})"


def _widths_text(layout: Layout) -> str:
    return _join([str(w) for w in layout.widths])


def _downsample_text(point: Point, layout: Layout, strided: str) -> str:
    if len(layout.depths) == 1:
        return ""
    if point["downsample"] == "pool":
        return "; 2×2 max pooling between stages"
    return f"; {strided} halves the maps at each new stage"


def _head_text(point: Point, problem: Problem, hidden: tuple[int, ...] = ()) -> str:
    pooling = "global average pooling" if point["head"] == "gap" else "Flatten"
    dense = f", Dense {_join([str(u) for u in hidden])} (ReLU)" if hidden else ""
    return f"; then {pooling}{dense} and a {problem.classes}-way softmax"


def _head(
    point: Point, problem: Problem, hidden: tuple[int, ...] = (), named: bool = False
) -> list[Layer]:
    """Flatten or global average pooling, optional hidden Dense layers, the softmax."""
    gap = point["head"] == "gap"
    names: dict[str, Any] = {}
    if named:
        names = {"name": "pool" if gap else "flatten"}
    layers = [layer("GlobalAveragePooling2D" if gap else "Flatten", **names)]
    layers += [layer("Dense", units=units, activation="relu") for units in hidden]
    classes = {"name": "classes"} if named else {}
    return [*layers, layer("Dense", **classes, units=problem.classes, activation="softmax")]


class Plain(Family):
    name = "plain"
    summary = "stages of convolutions then a pooling, a dense head (the tutorial's family)"
    params = (
        STAGES, DEPTH, DEPTH_GROWTH,
        Param("width", (16, 32, 48, 64, 96, 128), "filters of the first stage", multiple_of_8),
        WIDTH_FACTOR.with_choices((0.5, 1.0, 1.5, 2.0)),
        KERNEL, DOWNSAMPLE.with_choices(("pool", "stride")), HEAD.with_choices(("flatten", "gap")),
        Param("hidden", ("none", "128", "512-64"), "hidden Dense layers of the head",
              _hidden_check),
        Param("batch_norm", (False, True),
              "batch normalisation after each convolution (then the ReLU)", a_bool),
    )  # fmt: skip

    def body(self, point: Point, problem: Problem) -> list[Layer]:
        layout = self.layout(point)
        kernel, normalised = int(point["kernel"]), bool(point["batch_norm"])
        layers: list[Layer] = []
        for stage, (depth, width) in enumerate(zip(layout.depths, layout.widths, strict=True)):
            if _pooled(point, stage):
                layers.append(layer("MaxPooling2D", pool_size=2))
            for index in range(depth):
                layers += self._convolution(width, kernel, _stride(point, stage, index), normalised)
        return layers + _head(point, problem, hidden_units(point["hidden"]))

    @staticmethod
    @functools.lru_cache(maxsize=1 << 12)
    def _convolution(width: int, kernel: int, stride: int, normalised: bool) -> tuple[Layer, ...]:
        strides: dict[str, Any] = {"strides": stride} if stride > 1 else {}
        if not normalised:
            return (layer("Conv2D", filters=width, kernel_size=kernel, **strides,
                          padding="same", activation="relu"),)  # fmt: skip
        return (
            layer("Conv2D", filters=width, kernel_size=kernel, **strides, padding="same",
                  use_bias=False),
            layer("BatchNormalization", momentum=BN_MOMENTUM),
            layer("Activation", activation="relu"),
        )  # fmt: skip

    def extra_traits(self, point: Point) -> list[str]:
        extras = [] if point["hidden"] == "none" else [f"h{point['hidden']}"]
        return extras + (["bn"] if point["batch_norm"] else [])

    def describe(self, point: Point, problem: Problem) -> str:
        layout = self.layout(point)
        kernel = point["kernel"]
        norm = "batch normalisation, " if point["batch_norm"] else ""
        details = f"{kernel}×{kernel}, {_widths_text(layout)} filters, {norm}ReLU"
        return (
            f"A plain network: {_stages_text(layout, 'convolutions', details)}"
            f"{_downsample_text(point, layout, 'a stride-2 first convolution')}"
            f"{_head_text(point, problem, hidden_units(point['hidden']))}."
        )


class ResNet(Family):
    name = "resnet"
    summary = "basic residual blocks with projection shortcuts (as specs/resnet-small.json)"
    params = (
        STAGES, DEPTH, DEPTH_GROWTH,
        Param("width", (8, 16, 24, 32, 48, 64), "filters of the stem and first stage",
              multiple_of_8),
        WIDTH_FACTOR, KERNEL, DOWNSAMPLE, HEAD,
    )  # fmt: skip

    def body(self, point: Point, problem: Problem) -> list[Layer]:
        layout = self.layout(point)
        kernel = int(point["kernel"])
        layers = _stem(layout.widths[0], kernel, "relu")
        previous, channels = STEM_OUTPUT, layout.widths[0]
        for pool, blocks in _stages(point, layout):
            if pool is not None:
                layers.append(pool)
                previous = pool.name or previous
            for block, width, stride in blocks:
                layers += self._block(block, previous, width, kernel, stride, channels)
                previous, channels = f"{block}_out", width
        return layers + _head(point, problem, named=True)

    @staticmethod
    @functools.lru_cache(maxsize=1 << 14)
    def _block(
        block: str, previous: str, width: int, kernel: int, stride: int, channels: int
    ) -> tuple[Layer, ...]:
        """A basic block's layers (shared by every network that has this block)."""
        strides: dict[str, Any] = {"strides": stride} if stride > 1 else {}
        conv = {"filters": width, "kernel_size": kernel, "padding": "same", "use_bias": False}
        layers = [
            layer("Conv2D", name=f"{block}_conv1", **conv, **strides, inputs=(previous,)),
            layer("BatchNormalization", name=f"{block}_bn1", momentum=BN_MOMENTUM),
            layer("Activation", name=f"{block}_relu1", activation="relu"),
            layer("Conv2D", name=f"{block}_conv2", **conv),
            layer("BatchNormalization", name=f"{block}_bn2", momentum=BN_MOMENTUM),
        ]
        shortcut = previous
        if stride > 1 or channels != width:
            shortcut = f"{block}_proj_bn"
            layers += [
                layer("Conv2D", name=f"{block}_proj", filters=width, kernel_size=1, **strides,
                      use_bias=False, inputs=(previous,)),
                layer("BatchNormalization", name=shortcut, momentum=BN_MOMENTUM),
            ]  # fmt: skip
        return (
            *layers,
            layer("Add", name=f"{block}_add", inputs=(shortcut, f"{block}_bn2")),
            layer("Activation", name=f"{block}_out", activation="relu"),
        )

    def describe(self, point: Point, problem: Problem) -> str:
        layout = self.layout(point)
        return (
            f"A ResNet: a {point['kernel']}×{point['kernel']} stem, then "
            f"{_stages_text(layout, 'basic blocks', f'{_widths_text(layout)} filters')}; "
            f"each block two {point['kernel']}×{point['kernel']} "
            "convolutions with batch normalisation added to its shortcut, projected by a 1×1 "
            "convolution where the size or width changes"
            f"{_downsample_text(point, layout, 'a stride-2 first block')}"
            f"{_head_text(point, problem)}."
        )


class Mobile(Family):
    name = "mobile"
    summary = "MobileNetV2's inverted residual blocks with depthwise convolutions"
    params = (
        STAGES, DEPTH, DEPTH_GROWTH,
        Param("width", (8, 16, 24, 32, 48, 64), "output channels of the stem and first stage",
              multiple_of_8),
        WIDTH_FACTOR,
        Param("expansion", (2, 4, 6), "the 1×1 expansion's factor inside a block", positive_int),
        KERNEL, DOWNSAMPLE, HEAD,
    )  # fmt: skip

    def body(self, point: Point, problem: Problem) -> list[Layer]:
        layout = self.layout(point)
        kernel, expansion = int(point["kernel"]), int(point["expansion"])
        layers = _stem(layout.widths[0], 3, "relu6")
        previous, channels = STEM_OUTPUT, layout.widths[0]
        for pool, blocks in _stages(point, layout):
            if pool is not None:
                layers.append(pool)
                previous = pool.name or previous
            for block, width, stride in blocks:
                block_layers, previous = self._block(
                    block, previous, channels, width, kernel, stride, expansion
                )
                layers += block_layers
                channels = width
        return layers + _head(point, problem, named=True)

    @staticmethod
    @functools.lru_cache(maxsize=1 << 14)
    def _block(
        block: str, previous: str, channels: int, width: int, kernel: int, stride: int,
        expansion: int,
    ) -> tuple[tuple[Layer, ...], str]:  # fmt: skip
        """The block's layers (shared by every network that has this block) and its output."""
        layers: list[Layer] = []
        if expansion > 1:
            layers += [
                layer("Conv2D", name=f"{block}_expand", filters=channels * expansion,
                      kernel_size=1, use_bias=False),
                layer("BatchNormalization", name=f"{block}_expand_bn", momentum=BN_MOMENTUM),
                layer("Activation", name=f"{block}_expand_relu", activation="relu6"),
            ]  # fmt: skip
        strides: dict[str, Any] = {"strides": stride} if stride > 1 else {}
        layers += [
            layer("DepthwiseConv2D", name=f"{block}_dw", kernel_size=kernel, **strides,
                  padding="same", use_bias=False),
            layer("BatchNormalization", name=f"{block}_dw_bn", momentum=BN_MOMENTUM),
            layer("Activation", name=f"{block}_dw_relu", activation="relu6"),
            layer("Conv2D", name=f"{block}_project", filters=width, kernel_size=1,
                  use_bias=False),
            layer("BatchNormalization", name=f"{block}_project_bn", momentum=BN_MOMENTUM),
        ]  # fmt: skip
        if stride == 1 and channels == width:
            layers.append(
                layer("Add", name=f"{block}_add", inputs=(previous, f"{block}_project_bn"))
            )
            return tuple(layers), f"{block}_add"
        return tuple(layers), f"{block}_project_bn"

    def extra_traits(self, point: Point) -> list[str]:
        return [f"t{point['expansion']}"]

    def describe(self, point: Point, problem: Problem) -> str:
        layout = self.layout(point)
        kernel = point["kernel"]
        channels = f"{_widths_text(layout)} channels"
        stages = _stages_text(layout, "inverted residual blocks", channels)
        return (
            f"A MobileNetV2-style network: a 3×3 stem, then {stages}; each block "
            f"a 1×1 expansion by {point['expansion']}, a {kernel}×{kernel} depthwise convolution "
            "and a linear 1×1 projection, with batch normalisation and ReLU6, summed with its "
            "input where the shape allows"
            f"{_downsample_text(point, layout, 'a stride-2 depthwise convolution')}"
            f"{_head_text(point, problem)}."
        )


FAMILIES: dict[str, Family] = {family.name: family for family in (Plain(), ResNet(), Mobile())}
"""Every family, by name, in the order they are searched and listed."""
