"""One spec layer per ``nn.Sequential`` where a Sequential is one Keras layer.

archplan's PyTorch export writes a Keras layer that PyTorch splits in several modules as an
``nn.Sequential`` under the layer's name (``conv2d = nn.Sequential(nn.Conv2d(...), nn.ReLU())``).
Read back, such a Sequential gives several calls; where all the calls of one Sequential make up
exactly one Keras layer, they become that layer again, under the Sequential's name, so the export
and the import are each other's inverse:

- a convolution or Dense, then its activation: ``activation=``;
- a ZeroPadding2D that pads as Keras' ``"same"`` would, then a ``"valid"`` window: ``"same"``;
- a depthwise convolution without bias, then a 1×1 convolution: a SeparableConv2D;
- a global pooling that keeps its axes, then a Flatten: ``keepdims=False``.

A Sequential whose calls make up anything else (torchvision's ``features``) is left as it is.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from torch import nn

from archplan.interop.graph import KerasGraph, KerasNode, Tensor
from archplan.rules.shapes import Shape

ACTIVATED = frozenset({"Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Dense"})
WINDOWS = frozenset(
    {"Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D", "AveragePooling2D"}
)
Call = tuple[str, dict[str, Any]]


def _activation(call: Call) -> str | None:
    """The activation name an activation layer's call applies, if it is one."""
    kind, config = call
    if kind == "Activation":
        return str(config["activation"])
    if kind == "ReLU":
        if not config:
            return "relu"
        if config == {"max_value": 6.0}:
            return "relu6"
        if config == {"negative_slope": 0.2}:
            return "leaky_relu"
    return None


def _pairs(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def pads_as_same(config: dict[str, Any], margins: Any, shape: Shape) -> bool:
    """Whether ``margins`` before the window are what Keras' ``"same"`` pads for ``shape``."""
    kernel = _pairs(config.get("kernel_size", config.get("pool_size", 1)))
    stride = _pairs(config.get("strides") or kernel)
    dilation = _pairs(config.get("dilation_rate", 1))
    for axis in (0, 1):
        span = dilation[axis] * (kernel[axis] - 1) + 1
        total = max((-(-shape[axis] // stride[axis]) - 1) * stride[axis] + span - shape[axis], 0)
        if tuple(margins[axis]) != (total // 2, total - total // 2):
            return False
    return True


def _fused(calls: list[Call], shape: Shape) -> Call | None:
    """The one Keras call that ``calls`` (in order, each on the one before) make up, or None."""
    calls = list(calls)
    if len(calls) >= 2 and calls[0][0] == "ZeroPadding2D" and calls[1][0] in WINDOWS:
        window = calls[1]
        margins = calls[0][1]["padding"]
        valid = window[1].get("padding") == "valid" and len(shape) == 3
        if valid and pads_as_same(window[1], margins, shape):
            calls = [(window[0], {**window[1], "padding": "same"}), *calls[2:]]
    if len(calls) >= 2 and calls[0][0] == "DepthwiseConv2D" and calls[1][0] == "Conv2D":
        depthwise, pointwise = calls[0][1], calls[1][1]
        if not depthwise.get("use_bias", True) and _pairs(pointwise["kernel_size"]) == (1, 1):
            separable = {
                "filters": pointwise["filters"],
                "kernel_size": depthwise["kernel_size"],
                "strides": depthwise["strides"],
                "padding": depthwise["padding"],
                "dilation_rate": depthwise["dilation_rate"],
                "depth_multiplier": depthwise["depth_multiplier"],
                "use_bias": pointwise.get("use_bias", True),
            }
            calls = [("SeparableConv2D", separable), *calls[2:]]
    if len(calls) == 2 and calls[0][0].startswith("Global") and calls[1][0] == "Flatten":
        calls = [(calls[0][0], {**calls[0][1], "keepdims": False})]
    if len(calls) == 2 and calls[0][0] in ACTIVATED:
        activation = _activation(calls[1])
        if activation is not None and "activation" not in calls[0][1]:
            calls = [(calls[0][0], {**calls[0][1], "activation": activation})]
    return calls[0] if len(calls) == 1 else None


def _sequential(name: str, root: nn.Module) -> str | None:
    """``conv2d`` for ``conv2d.1`` (or ``conv2d.1_zeropadding2d``) when it is a Sequential."""
    head, dot, tail = name.rpartition(".")
    if not dot or not tail.split("_")[0].isdigit():
        return None
    try:
        owner = root.get_submodule(head)
    except AttributeError:
        return None
    return head if isinstance(owner, nn.Sequential) else None


def fuse(graph: KerasGraph, root: nn.Module, params: dict[str, int], input_shape: Shape) -> None:
    """Fuse, in place, each Sequential's calls that make up one Keras layer."""
    nodes = graph.nodes
    fused: list[KerasNode] = []
    renamed: dict[str, str] = {}
    index = 0
    while index < len(nodes):
        owner = _sequential(nodes[index].name, root)
        run = [nodes[index]]
        while owner and index + len(run) < len(nodes):
            following = nodes[index + len(run)]
            if _sequential(following.name, root) != owner:
                break
            if following.inputs != (run[-1].name,):
                break
            run.append(following)
        whole = owner is not None and not any(
            _sequential(node.name, root) == owner for node in nodes if node not in run
        )
        call = None
        if whole and owner not in {node.name for node in nodes}:
            source = run[0].inputs[0] if len(run[0].inputs) == 1 else None
            shape = input_shape if source == "input" else graph.recorded_shapes.get(source or "")
            calls = [(node.class_name, dict(node.config)) for node in run]
            call = _fused(calls, tuple(size or 0 for size in shape or ()))
        if call is None or owner is None:
            fused.append(_renamed(nodes[index], renamed))
            index += 1
            continue
        first = _renamed(run[0], renamed)
        fused.append(replace(first, name=owner, class_name=call[0], config=call[1]))
        shape = graph.recorded_shapes.get(run[-1].name)
        if shape is not None:
            graph.recorded_shapes[owner] = shape
        params[owner] = sum(params.pop(node.name, 0) for node in run)
        for node in run:
            renamed[node.name] = owner
        index += len(run)
    graph.nodes = fused
    graph.output = renamed.get(graph.output, graph.output)


def _renamed(node: KerasNode, renamed: dict[str, str]) -> KerasNode:
    operands = tuple(
        Tensor(renamed.get(operand.name, operand.name)) if isinstance(operand, Tensor) else operand
        for operand in node.operands
    )
    return replace(node, operands=operands)
