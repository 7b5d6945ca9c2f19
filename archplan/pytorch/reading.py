"""A PyTorch model's graph as the calls of a Keras-like graph, for the import to make a spec of.

The model is traced by ``torch.fx`` (its ``forward`` run on proxies, never on data; no training,
no weights read) and one forward pass on zeros of the given shape records each call's output shape
(``ShapeProp``). Each call of a ``torch.nn`` layer, and each tensor function archplan can express
(``+``, ``*``, ``torch.cat``, ``flatten``, ``relu``, ...), becomes a :class:`KerasNode` carrying
the Keras class and arguments that compute the same, in archplan's channels-last terms; any other
call becomes a node of its own name (``GroupNorm``, ``Tensor.transpose``), which the import lists
as unsupported. The import (:func:`archplan.interop.importing.import_graph`) then does what it
does for a Keras model: spec, trace, and every layer's shape and weights checked against what
PyTorch recorded here.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.fx
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp

from archplan.errors import ArchplanError
from archplan.interop.graph import INPUT, KerasGraph, KerasNode, Tensor
from archplan.pytorch.fusing import fuse
from archplan.pytorch.measure import weights
from archplan.rules.shapes import Shape


class TorchModelError(ArchplanError):
    """A file, callable or module the import cannot read as one network."""


@dataclass
class TorchModel:
    """A module to import, where it came from, and the input shape it is traced with."""

    module: nn.Module
    source: str
    name: str


def load_callable(reference: str) -> TorchModel:
    """``model.py:build_model`` (or ``package.module:build_model``): the file is run, as any
    PyTorch tool must to build the model, and the callable called without arguments."""
    path_text, _, attribute = reference.rpartition(":")
    path = Path(path_text)
    if not path_text or not attribute.isidentifier():
        raise TorchModelError(f"{reference}: expected FILE.py:CALLABLE, e.g. model.py:build_model")
    if not path.is_file():
        raise TorchModelError(f"{path}: no such file (expected FILE.py:CALLABLE)")
    spec = importlib.util.spec_from_file_location(f"archplan_imported_{path.stem}", path)
    if spec is None or spec.loader is None or path.suffix != ".py":
        raise TorchModelError(f"{path}: not a Python file (expected FILE.py:CALLABLE)")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))  # its own imports, as `python model.py`
    try:
        spec.loader.exec_module(module)
        function = getattr(module, attribute, None)
        if not callable(function):
            raise TorchModelError(f"{path}: defines no callable {attribute!r}")
        built = function()
    except ArchplanError:
        raise
    except Exception as error:  # the user's code: any failure is theirs, told in one line
        raise TorchModelError(
            f"{reference}: running it raised {type(error).__name__}: {_first_line(error)}"
        ) from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    if not isinstance(built, nn.Module):
        raise TorchModelError(
            f"{reference}: returned {type(built).__name__}, not a torch.nn.Module"
        )
    return TorchModel(built, reference, attribute if attribute != "build_model" else path.stem)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else "(no message)"


def torch_input(shape: Shape) -> tuple[int, ...]:
    """archplan's input shape (channels last) as PyTorch's (channels first) for an image."""
    return (shape[2], shape[0], shape[1]) if len(shape) == 3 else shape


def spec_shape(shape: tuple[int, ...]) -> Shape:
    """A PyTorch shape without the batch axis as archplan's: an image's channels last."""
    return (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape


def trace_module(model: TorchModel, input_shape: Shape) -> torch.fx.GraphModule:
    """The model's graph, with each call's output shape recorded for one sample."""
    module = model.module.eval()
    try:
        graph = torch.fx.symbolic_trace(module)
    except Exception as error:  # fx's refusal of dynamic control flow, and the user's code
        raise TorchModelError(
            f"{model.source}: torch.fx cannot trace its forward ({type(error).__name__}: "
            f"{_first_line(error)}); archplan reads models whose layers do not depend on the "
            "input's values (no data-dependent if/for), with one tensor in and out"
        ) from None
    placeholders = [node for node in graph.graph.nodes if node.op == "placeholder"]
    if len(placeholders) != 1:
        raise TorchModelError(
            f"{model.source}: its forward takes {len(placeholders)} inputs; archplan plans a "
            "network with one tensor input"
        )
    for node in graph.graph.nodes:
        keys = [arg for arg in node.args[1:] if isinstance(arg, str)]
        if node.args and node.args[0] is placeholders[0] and keys:
            raise TorchModelError(
                f"{model.source}: its forward takes a dict or another structure (it reads "
                f"{placeholders[0].name}[{keys[0]!r}]); archplan reads a forward that takes one "
                "tensor"
            )
    sample = torch.zeros(1, *torch_input(input_shape))
    try:
        with torch.no_grad():
            ShapeProp(graph).propagate(sample)
    except Exception as error:
        raise TorchModelError(
            f"{model.source}: a forward pass on a batch of shape {tuple(sample.shape)} failed "
            f"({type(error).__name__}: {_first_line(error)}); check --input-shape (H,W,C, "
            "channels last: the model is given (1, C, H, W))"
        ) from None
    return graph


@dataclass
class _Reader:
    """Turns the traced calls into nodes, one after the other."""

    graph: torch.fx.GraphModule
    source: str
    root: nn.Module
    """The model itself: the graph holds only the modules it calls."""
    nodes: list[KerasNode] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """fx node name → the spec name of the node giving that tensor."""
    shapes: dict[str, Shape] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    taken: set[str] = field(default_factory=lambda: {INPUT})
    infinite_pads: set[str] = field(default_factory=set)
    """The ConstantPad2d(-inf) layers, read as ZeroPadding2D (see INFINITE_PAD_NOTE)."""
    last: set[str] = field(default_factory=set)
    """fx nodes holding an image moved channels-last (``x.movedim(1, -1)``), as Keras lays it
    out: the Flatten, Linear or LayerNorm they feed act as Keras' do."""

    def read(self) -> str:
        output = INPUT
        for node in self.graph.graph.nodes:
            if node.op == "placeholder":
                self.names[node.name] = INPUT
            elif node.op == "output":
                result = node.args[0]
                if not isinstance(result, torch.fx.Node) or result.name not in self.names:
                    raise TorchModelError(
                        f"{self.source}: its forward returns {type(result).__name__}, not one "
                        "tensor; archplan plans a network with one output"
                    )
                output = self.names[result.name]
            elif node.op in ("call_module", "call_function", "call_method"):
                self._call(node)
            elif node.op == "get_attr":
                self._unsupported(node, "get_attr (a tensor held by a module)", [])
        return output

    def _shape(self, node: torch.fx.Node) -> tuple[int, ...] | None:
        meta = node.meta.get("tensor_meta")
        shape = getattr(meta, "shape", None)
        return tuple(int(size) for size in shape[1:]) if shape is not None else None

    def _call(self, node: torch.fx.Node) -> None:
        shape = self._shape(node)
        tensors = _tensors(node.args)
        if node.op == "call_function" and node.target is getattr:
            return  # x.shape: not a tensor
        if shape is None:
            if node.op == "call_method" and node.target == "size":
                return
            self._unsupported(node, _call_name(node), tensors)
            return
        if self._moves_channels(node, tensors):
            return
        if node.op == "call_module":
            module = self.graph.get_submodule(str(node.target))
            converted = self._module(node, module)
            count = self.calls.get(str(node.target), 0)
            self.calls[str(node.target)] = count + 1
            if count and sum(weights(module)):
                raise TorchModelError(
                    f"{self.source}: {node.target} ({type(module).__name__}) is called "
                    f"{count + 1} times, sharing its weights; a spec's layers are each called "
                    "once, so archplan cannot plan shared layers"
                )
            base = str(node.target) if not count else f"{node.target}_{count}"
            params = sum(weights(module))
        else:
            converted = self._function(node)
            base, params = self._function_name(node), 0
        if converted is None:
            self._unsupported(node, _call_name(node), tensors)
            return
        steps = converted if isinstance(converted, list) else [converted]
        previous = [self.names.get(arg.name) for arg in tensors]
        if None in previous:
            self._unsupported(node, _call_name(node), tensors)
            return
        operands: tuple[Any, ...] = tuple(Tensor(str(name)) for name in previous)
        for position, (class_name, config) in enumerate(steps):
            last = position == len(steps) - 1
            name = self._unique(base if last else f"{base}_{class_name.lower()}")
            self.nodes.append(KerasNode(name, class_name, None, config, operands))
            operands = (Tensor(name),)
            if last:  # a channels-last tensor is in archplan's layout already
                self.shapes[name] = shape if node.name in self.last else spec_shape(shape)
            if class_name not in ("ZeroPadding2D", "Cropping2D"):
                self.params[name] = params
            if node.op == "call_module" and isinstance(
                self.graph.get_submodule(str(node.target)), nn.ConstantPad2d
            ):
                self.infinite_pads.add(name)
        self.names[node.name] = operands[0].name

    def _moves_channels(self, node: torch.fx.Node, tensors: list[torch.fx.Node]) -> bool:
        """``movedim(1, -1)`` of an image, and back: no layer, the tensor's layout noted. A
        channels-last tensor given to a Linear, LayerNorm or flatten keeps that layout."""
        arguments = tuple(node.args[1:])
        if node.target == "movedim" and tensors and tensors[0].name in self.names:
            source = tensors[0]
            rank = len(self._shape(source) or ())
            if arguments == (1, -1) and rank == 3 and source.name not in self.last:
                self.names[node.name] = self.names[source.name]
                self.last.add(node.name)
                return True
            if arguments == (-1, 1) and source.name in self.last:
                self.names[node.name] = self.names[source.name]
                return True
        keeps = node.op == "call_module" and isinstance(
            self.graph.get_submodule(str(node.target)), CHANNELS_LAST_MODULES
        )
        if keeps and tensors and tensors[0].name in self.last:
            self.last.add(node.name)
        return False

    def _function_name(self, node: torch.fx.Node) -> str:
        """A function's layer name: the module it is called in (its path), as that module's own
        name when it holds no layers of its own (a script's ``Add``), else with the function's
        name after it (``layer1.0.add``); ``add_3`` at the top."""
        stack = node.meta.get("nn_module_stack") or {}
        if not stack:
            return node.name
        path = str(list(stack.values())[-1][0])
        try:
            owner = self.root.get_submodule(path)
        except AttributeError:
            return node.name
        if not any(True for _ in owner.children()):
            return path
        function = node.name.rstrip("0123456789").rstrip("_") or node.name
        return f"{path}.{function}"

    def _unique(self, name: str) -> str:
        candidate, number = name, 1
        while candidate in self.taken:
            candidate, number = f"{name}_{number}", number + 1
        self.taken.add(candidate)
        return candidate

    def _unsupported(self, node: torch.fx.Node, what: str, tensors: list[Any]) -> None:
        """A node of an unknown class: the import lists it by ``what``."""
        name = self._unique(node.name)
        operands = tuple(Tensor(self.names[arg.name]) for arg in tensors if arg.name in self.names)
        self.nodes.append(KerasNode(name, what, None, {}, operands))
        self.names[node.name] = name

    def _input_shape(self, node: torch.fx.Node) -> tuple[int, ...]:
        first = node.args[0]
        assert isinstance(first, torch.fx.Node)
        shape = self._shape(first)
        assert shape is not None
        return shape

    def _module(self, node: torch.fx.Node, module: nn.Module) -> Steps | None:
        reader = MODULES.get(type(module))
        if reader is None:
            return None
        source = node.args[0]
        if isinstance(source, torch.fx.Node) and source.name in self.last:
            if isinstance(module, (nn.Linear, nn.LayerNorm)):  # on an image's channels
                return reader(module, (module_features(module),), ())
            if isinstance(module, CHANNELS_LAST_MODULES):  # value by value: any layout
                return reader(module, (), ())
            if isinstance(module, nn.Flatten):  # channels-last: Keras' own order
                return reader(module, (), ())
            return None
        steps = reader(module, self._input_shape(node), self._shape(node) or ())
        if isinstance(module, nn.Flatten):
            self._flattens(node)
        return steps

    def _flattens(self, node: torch.fx.Node) -> None:
        """Note a flatten of a channels-first image: not Keras' order of values."""
        shape = self._input_shape(node)
        if len(shape) == 3 and shape[1] * shape[2] > 1:
            self.notes.append(FLATTEN_NOTE)

    def _function(self, node: torch.fx.Node) -> Steps | None:
        target = node.target
        tensors = _tensors(node.args)
        constants = [arg for arg in node.args if isinstance(arg, (int, float))]
        name = target if isinstance(target, str) else getattr(target, "__name__", "")
        if name in ("add", "iadd", "mul", "imul", "sub", "isub"):
            return _arithmetic(name.lstrip("i"), tensors, constants, node.args)
        if name in ("truediv", "div") and len(tensors) == 1 and len(constants) == 1:
            if node.args[0] is tensors[0] and constants[0]:
                return ("Rescaling", {"scale": 1 / float(constants[0])})
            return None
        if name == "cat":
            rank = len(self._shape(node) or ())
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            return ("Concatenate", {"axis": _keras_axis(int(dim), rank)})  # type: ignore[arg-type]
        if name in ("flatten", "view", "reshape"):
            shape = self._shape(node) or ()
            if len(shape) == 1 and len(self._input_shape(node)) >= 1:
                source = node.args[0]
                if not (isinstance(source, torch.fx.Node) and source.name in self.last):
                    self._flattens(node)
                return ("Flatten", {})
            return None
        if name in ("maximum", "minimum") and len(tensors) == 2:
            return (name.capitalize(), {})
        if name in ("mean", "amax") and len(self._input_shape(node)) == 3:
            dims = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
            if isinstance(dims, (list, tuple)) and sorted(int(d) % 4 for d in dims) == [2, 3]:
                keep = bool(node.kwargs.get("keepdim", node.args[2] if len(node.args) > 2 else 0))
                kind = "GlobalAveragePooling2D" if name == "mean" else "GlobalMaxPooling2D"
                return (kind, {"keepdims": keep})
            return None
        if name == "adaptive_avg_pool2d":
            size = node.args[1] if len(node.args) > 1 else node.kwargs.get("output_size")
            return _adaptive("AveragePooling2D", size, self._input_shape(node))
        if name in FUNCTIONS:
            return FUNCTIONS[name]
        if name == "stochastic_depth":
            self.notes.append(STOCHASTIC_DEPTH_NOTE)
            return ("Identity", {})
        if name == "dropout":
            rate = node.kwargs.get("p", node.args[1] if len(node.args) > 1 else 0.5)
            return ("Dropout", {"rate": float(rate)})  # type: ignore[arg-type]
        return None


INFINITE_PAD_NOTE = (
    "a ConstantPad2d(-inf) not followed by its max pooling in one nn.Sequential is read as a "
    "ZeroPadding2D: the same shapes, a 0 where PyTorch pads -inf"
)
FLATTEN_NOTE = (
    "PyTorch flattens an image channels-first, archplan (as Keras) channels-last: the same "
    "shapes and weight counts, the values in another order"
)
STOCHASTIC_DEPTH_NOTE = (
    "torchvision's stochastic_depth (it drops whole residual branches while training, and is "
    "the identity in eval()) is read as Identity: the same shapes and weights"
)


def _tensors(arguments: Any) -> list[torch.fx.Node]:
    """The graph nodes among a call's arguments, lists opened (``torch.cat([a, b])``)."""
    found: list[torch.fx.Node] = []
    for argument in arguments:
        if isinstance(argument, torch.fx.Node):
            found.append(argument)
        elif isinstance(argument, (list, tuple)):
            found += _tensors(argument)
    return found


Step = tuple[str, dict[str, Any]]
Steps = Step | list[Step]


def module_features(module: nn.Module) -> int:
    """The features a Linear or LayerNorm takes on its last axis."""
    if isinstance(module, nn.Linear):
        return module.in_features
    assert isinstance(module, nn.LayerNorm)
    return int(module.normalized_shape[-1])


def _call_name(node: torch.fx.Node) -> str:
    """How an unsupported call is listed: a module's class, ``torch.chunk``, ``Tensor.view``."""
    if node.op == "call_module":
        owner = node.graph.owning_module
        layer = owner.get_submodule(str(node.target)) if owner is not None else None
        kind = type(layer)
        where = "nn." if kind.__module__.startswith("torch.nn") else f"{kind.__module__}."
        return where + kind.__name__  # never a Keras class's name
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    target = node.target
    where = str(getattr(target, "__module__", None) or "torch")
    name = str(getattr(target, "__name__", target))
    return f"{'operator' if where == '_operator' else where.split('.')[0]}.{name}"


def _keras_axis(dim: int, rank: int) -> int:
    """A PyTorch dim (with the batch axis) as a Keras axis for archplan's layout."""
    positive = dim % (rank + 1)
    if rank == 3:
        return {1: -1, 2: 1, 3: 2}.get(positive, positive)
    return positive


def _arithmetic(
    kind: str, tensors: list[Any], constants: list[float], arguments: tuple[Any, ...]
) -> Steps | None:
    if len(tensors) == 2 and not constants:
        return ({"add": "Add", "mul": "Multiply", "sub": "Subtract"}[kind], {})
    if len(tensors) == 1 and len(constants) == 1:
        value = float(constants[0])
        if kind == "add":
            return ("Rescaling", {"scale": 1.0, "offset": value})
        if kind == "mul":
            return ("Rescaling", {"scale": value})
        first_is_tensor = isinstance(arguments[0], torch.fx.Node)
        if first_is_tensor:
            return ("Rescaling", {"scale": 1.0, "offset": -value})
        return ("Rescaling", {"scale": -1.0, "offset": value})
    return None


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    return (int(value[0]), int(value[1]))


def _same_or_padding(
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    padding: tuple[int, int],
    out: tuple[int, int],
) -> tuple[str, tuple[tuple[int, int], tuple[int, int]] | None]:
    """Keras' padding for PyTorch's (top/bottom, left/right) ``padding`` that gives ``out``:
    'valid', 'same' where Keras would pad exactly so, else 'valid' after a ZeroPadding2D (its
    margins returned), the bottom/right margin grown where ``ceil_mode`` gave an extra window."""
    margins = []
    same = True
    for axis in (0, 1):
        span = dilation[axis] * (kernel[axis] - 1) + 1
        before = padding[axis]
        needed = (out[axis] - 1) * stride[axis] + span - size[axis] - before  # ceil_mode: more
        after = max(before, needed)
        margins.append((before, after))
        total = max((-(-size[axis] // stride[axis]) - 1) * stride[axis] + span - size[axis], 0)
        same = same and (before, max(needed, 0)) == (total // 2, total - total // 2)
        same = same and out[axis] == -(-size[axis] // stride[axis])
    if all(margin == (0, 0) for margin in margins):
        return "valid", None
    if same:
        return "same", None
    return "valid", (margins[0], margins[1])  # fmt: skip


def _window(
    layer: str,
    config: dict[str, Any],
    kernel: Any,
    stride: Any,
    dilation: Any,
    padding: Any,
    input_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
) -> Steps | None:
    """A window layer, after a ZeroPadding2D where PyTorch's padding is not Keras' own."""
    if isinstance(padding, str):
        if padding == "same" and max(_pair(stride)) > 1:
            return None
        return (layer, {**config, "padding": padding})
    if len(input_shape) != 3:
        return None
    kind, margins = _same_or_padding(
        (input_shape[1], input_shape[2]), _pair(kernel), _pair(stride), _pair(dilation),
        _pair(padding), (output_shape[1], output_shape[2]),
    )  # fmt: skip
    if margins is None:
        return (layer, {**config, "padding": kind})
    pad = ("ZeroPadding2D", {"padding": [list(margins[0]), list(margins[1])]})
    return [pad, (layer, {**config, "padding": "valid"})]


def _conv(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    assert isinstance(module, nn.Conv2d)
    if module.padding_mode != "zeros":
        return None
    kernel, stride, dilation = module.kernel_size, module.stride, module.dilation
    common = {
        "kernel_size": list(kernel),
        "strides": list(stride),
        "dilation_rate": list(dilation),
        "use_bias": module.bias is not None,
    }
    groups, channels = module.groups, module.in_channels
    if groups > 1 and groups == channels:
        config = {**common, "depth_multiplier": module.out_channels // channels}
        layer = "DepthwiseConv2D"
    else:
        config = {**common, "filters": module.out_channels, "groups": groups}
        layer = "Conv2D"
    return _window(layer, config, kernel, stride, dilation, module.padding, shape, out)


def _transpose(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    """PyTorch's ``padding`` trims the output: Keras' 'valid', then a Cropping2D."""
    assert isinstance(module, nn.ConvTranspose2d)
    if module.groups != 1 or module.padding_mode != "zeros" or isinstance(module.padding, str):
        return None
    extra = _pair(module.output_padding)
    if any(extra[axis] >= module.stride[axis] for axis in (0, 1)):
        return None
    config = {
        "filters": module.out_channels,
        "kernel_size": list(module.kernel_size),
        "strides": list(module.stride),
        "dilation_rate": list(module.dilation),
        "use_bias": module.bias is not None,
        "padding": "valid",
        "output_padding": list(extra) if extra != (0, 0) else None,
    }
    crop = _pair(module.padding)
    if crop == (0, 0):
        return ("Conv2DTranspose", config)
    cropping = [[crop[0], crop[0]], [crop[1], crop[1]]]
    return [("Conv2DTranspose", config), ("Cropping2D", {"cropping": cropping})]


def _linear(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    assert isinstance(module, nn.Linear)
    if len(shape) == 3:
        return None  # PyTorch's last axis of an image is its width, Keras' its channels
    return ("Dense", {"units": module.out_features, "use_bias": module.bias is not None})


def _batch_norm(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    assert isinstance(module, nn.modules.batchnorm._BatchNorm)
    if module.momentum is None or not module.track_running_stats:
        return None
    if isinstance(module, nn.BatchNorm1d) and len(shape) != 1:
        return None
    return ("BatchNormalization", {
        "momentum": round(1 - module.momentum, 12),
        "epsilon": module.eps,
        "center": module.affine,
        "scale": module.affine,
    })  # fmt: skip


def _layer_norm(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    assert isinstance(module, nn.LayerNorm)
    if len(module.normalized_shape) != 1 or len(shape) == 3:
        return None
    affine = module.elementwise_affine
    return ("LayerNormalization", {
        "epsilon": module.eps, "scale": affine, "center": affine and module.bias is not None,
    })  # fmt: skip


def _pool(layer: str) -> Callable[[nn.Module, tuple[int, ...], tuple[int, ...]], Steps | None]:
    def read(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
        assert isinstance(module, (nn.MaxPool2d, nn.AvgPool2d))
        if isinstance(module, nn.MaxPool2d) and _pair(module.dilation) != (1, 1):
            return None
        if isinstance(module, nn.AvgPool2d) and module.divisor_override is not None:
            return None
        kernel = _pair(module.kernel_size)
        stride = _pair(module.stride or module.kernel_size)
        config = {"pool_size": list(kernel), "strides": list(stride)}
        steps = _window(layer, config, kernel, stride, 1, module.padding, shape, out)
        inside_only = isinstance(module, nn.AvgPool2d) and not module.count_include_pad
        if inside_only and _pair(module.padding) != (0, 0) and isinstance(steps, list):
            return None  # averages over the pixels inside: Keras' 'same' only where it pads so
        return steps

    return read


def _adaptive(layer: str, size: Any, shape: tuple[int, ...]) -> Steps | None:
    """``AdaptiveAvgPool2d(1)``: a global pooling; an output that divides the input: a pooling."""
    target = _pair(size) if size is not None else None
    if target is None or len(shape) != 3:
        return None
    if target == (1, 1):
        return ("Global" + layer, {"keepdims": True})
    height, width = shape[1], shape[2]
    if (height, width) == target:
        return ("Identity", {})
    if height % target[0] or width % target[1]:
        return None
    pool = [height // target[0], width // target[1]]
    return (layer, {"pool_size": pool, "strides": pool})


def _adaptive_module(
    layer: str,
) -> Callable[[nn.Module, tuple[int, ...], tuple[int, ...]], Steps | None]:
    def read(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
        return _adaptive(layer, getattr(module, "output_size", None), shape)

    return read


def _activation(name: str) -> Callable[[nn.Module, tuple[int, ...], tuple[int, ...]], Steps]:
    def read(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps:
        return ("Activation", {"activation": name})

    return read


def _relu(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    if isinstance(module, nn.ReLU6):
        return ("ReLU", {"max_value": 6.0})
    if isinstance(module, nn.LeakyReLU):
        return ("ReLU", {"negative_slope": float(module.negative_slope)})
    return ("ReLU", {})


def _softmax(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    assert isinstance(module, (nn.Softmax, nn.LogSoftmax))
    rank = len(shape)
    channel = 1 if rank == 3 else rank
    if module.dim is None or module.dim % (rank + 1) != channel:
        return None
    return (
        "Activation",
        {"activation": "softmax" if isinstance(module, nn.Softmax) else "log_softmax"},
    )


def _simple(
    layer: str, **config: Any
) -> Callable[[nn.Module, tuple[int, ...], tuple[int, ...]], Steps]:
    def read(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps:
        return (layer, dict(config))

    return read


def _dropout(layer: str) -> Callable[[nn.Module, tuple[int, ...], tuple[int, ...]], Steps]:
    def read(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps:
        assert isinstance(module, nn.modules.dropout._DropoutNd)
        return (layer, {"rate": float(module.p)})

    return read


def _flatten(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    assert isinstance(module, nn.Flatten)
    if module.start_dim != 1 or module.end_dim != -1:
        return None
    return ("Flatten", {})


def _zero_pad(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    assert isinstance(module, nn.ZeroPad2d)
    left, right, top, bottom = module.padding
    margins = (top, bottom, left, right)
    if all(m >= 0 for m in margins):
        return ("ZeroPadding2D", {"padding": [[top, bottom], [left, right]]})
    if all(m <= 0 for m in margins):
        return ("Cropping2D", {"cropping": [[-top, -bottom], [-left, -right]]})
    return None


def _constant_pad(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    """``-inf`` padding before a max pooling (as archplan's export writes Keras' 'same'): the
    shapes of a ZeroPadding2D; fused with the pooling it is exactly Keras' 'same'."""
    assert isinstance(module, nn.ConstantPad2d)
    if module.value != float("-inf") or min(module.padding) < 0:
        return None
    left, right, top, bottom = module.padding
    return ("ZeroPadding2D", {"padding": [[top, bottom], [left, right]]})


def _upsample(module: nn.Module, shape: tuple[int, ...], out: tuple[int, ...]) -> Steps | None:
    assert isinstance(module, nn.Upsample)
    factor = module.scale_factor
    if factor is None or len(shape) != 3:
        return None
    size = _pair(factor if isinstance(factor, (int, float)) else tuple(factor))
    if (shape[1] * size[0], shape[2] * size[1]) != out[1:]:
        return None
    if module.mode not in ("nearest", "bilinear") or module.align_corners:
        return None
    return ("UpSampling2D", {"size": list(size), "interpolation": module.mode})


ModuleReader = Callable[[nn.Module, tuple[int, ...], tuple[int, ...]], "Steps | None"]
MODULES: dict[type[nn.Module], ModuleReader] = {
    nn.Conv2d: _conv,
    nn.ConvTranspose2d: _transpose,
    nn.Linear: _linear,
    nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm,
    nn.LayerNorm: _layer_norm,
    nn.MaxPool2d: _pool("MaxPooling2D"),
    nn.AvgPool2d: _pool("AveragePooling2D"),
    nn.AdaptiveAvgPool2d: _adaptive_module("AveragePooling2D"),
    nn.AdaptiveMaxPool2d: _adaptive_module("MaxPooling2D"),
    nn.ReLU: _relu,
    nn.ReLU6: _relu,
    nn.LeakyReLU: _relu,
    nn.Sigmoid: _activation("sigmoid"),
    nn.Tanh: _activation("tanh"),
    nn.SiLU: _activation("silu"),
    nn.GELU: _activation("gelu"),
    nn.ELU: _activation("elu"),
    nn.SELU: _activation("selu"),
    nn.Mish: _activation("mish"),
    nn.Hardswish: _activation("hard_swish"),
    nn.Hardsigmoid: _activation("hard_sigmoid"),
    nn.Softplus: _activation("softplus"),
    nn.Softsign: _activation("softsign"),
    nn.LogSigmoid: _activation("log_sigmoid"),
    nn.Softmax: _softmax,
    nn.LogSoftmax: _softmax,
    nn.Identity: _simple("Identity"),
    nn.Dropout: _dropout("Dropout"),
    nn.Dropout2d: _dropout("SpatialDropout2D"),
    nn.Flatten: _flatten,
    nn.ZeroPad2d: _zero_pad,
    nn.ConstantPad2d: _constant_pad,
    nn.Upsample: _upsample,
}
"""The torch.nn layers archplan reads, and how: each gives the Keras class (or classes) and
arguments that compute the same; None where a setting has no Keras equivalent."""
CHANNELS_LAST_MODULES = (
    nn.Linear, nn.LayerNorm, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.SiLU,
    nn.GELU, nn.ELU, nn.SELU, nn.Mish, nn.Hardswish, nn.Hardsigmoid, nn.Softplus, nn.Softsign,
    nn.LogSigmoid, nn.Identity, nn.Dropout,
)  # fmt: skip
"""Modules that act on the last axis, or value by value, so they take an image moved
channels-last (``movedim(1, -1)``) as Keras' Dense, LayerNormalization and activations do."""

FUNCTIONS: dict[str, Step] = {
    "relu": ("ReLU", {}),
    "relu_": ("ReLU", {}),
    "relu6": ("ReLU", {"max_value": 6.0}),
    "sigmoid": ("Activation", {"activation": "sigmoid"}),
    "tanh": ("Activation", {"activation": "tanh"}),
    "silu": ("Activation", {"activation": "silu"}),
    "gelu": ("Activation", {"activation": "gelu"}),
    "hardswish": ("Activation", {"activation": "hard_swish"}),
    "hardsigmoid": ("Activation", {"activation": "hard_sigmoid"}),
    "contiguous": ("Identity", {}),
}
"""Tensor functions and methods of one tensor archplan reads as a layer."""


def read_graph(
    model: TorchModel, input_shape: Shape
) -> tuple[KerasGraph, dict[str, int], list[str]]:
    """The model as one graph of Keras-like calls, with the output shape PyTorch recorded for
    each (channels last) and its weights as PyTorch counts them (parameters and saved
    buffers)."""
    traced = trace_module(model, input_shape)
    reader = _Reader(traced, model.source, model.module)
    output = reader.read()
    graph = KerasGraph(name=model.name, input_shape=tuple(input_shape))
    graph.nodes = reader.nodes
    graph.output = output
    graph.recorded_shapes = dict(reader.shapes)
    fuse(graph, model.module, reader.params, input_shape)
    if reader.infinite_pads & {node.name for node in graph.nodes}:
        reader.notes.append(INFINITE_PAD_NOTE)
    if not graph.nodes or output == INPUT:
        raise TorchModelError(f"{model.source}: the model has no layers; there is nothing to plan")
    return graph, reader.params, sorted(set(reader.notes))


__all__ = [
    "TorchModel",
    "TorchModelError",
    "load_callable",
    "read_graph",
    "spec_shape",
    "torch_input",
]
