"""``archplan import model.pt2``: a saved ``torch.export`` program read into a spec.

The program's graph of ATen operations (``aten.conv2d``, ``aten.batch_norm``, ...) already holds
every output shape and every weight's shape, so no forward pass is run and no Python code of the
model's is: the program is data. It is read with ``torch.export.load``, which, as PyTorch's own
documentation warns, unpickles parts of the file: load only programs you trust. Each operation
becomes the Keras-like call the import turns into a spec layer, named after the module it was
called in (``nn_module_stack``); the rest is the same import as for a Keras model.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

import torch
import torch.fx

from archplan.interop.graph import INPUT, KerasGraph, KerasNode, Tensor
from archplan.pytorch.reading import (
    FLATTEN_NOTE,
    Steps,
    TorchModelError,
    _adaptive,
    _arithmetic,
    _keras_axis,
    _pair,
    _tensors,
    _window,
    spec_shape,
)
from archplan.rules.shapes import Shape

ACTIVATIONS = {
    "relu": ("ReLU", {}), "relu_": ("ReLU", {}),
    "sigmoid": ("Activation", {"activation": "sigmoid"}),
    "tanh": ("Activation", {"activation": "tanh"}), "silu": ("Activation", {"activation": "silu"}),
    "gelu": ("Activation", {"activation": "gelu"}),
    "hardswish": ("Activation", {"activation": "hard_swish"}),
    "hardsigmoid": ("Activation", {"activation": "hard_sigmoid"}),
    "clone": ("Identity", {}), "contiguous": ("Identity", {}),
}  # fmt: skip
"""ATen operations on one tensor that are one layer, whatever their arguments."""


def load_program(path: Path) -> torch.fx.GraphModule:
    """The program's graph; a file that is not one is refused before torch reads it."""
    if not path.is_file():
        raise TorchModelError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise TorchModelError(f"{path}: not a program torch.export.save wrote (not a zip archive)")
    logger = logging.getLogger("torch.export")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its own traceback of a file it cannot read: ours says it
    try:
        program = torch.export.load(str(path))
    except Exception as error:  # not a program, or one this torch cannot read
        first = (str(error).strip().splitlines() or ["(no message)"])[0]
        raise TorchModelError(
            f"{path}: not a program torch.export.save wrote ({type(error).__name__}: {first})"
        ) from None
    finally:
        logger.setLevel(level)
    return program.module()


def _shape(node: Any) -> tuple[int, ...] | None:
    value = node.meta.get("val") if isinstance(node, torch.fx.Node) else None
    shape = getattr(value, "shape", None)
    if shape is None:
        return None
    return tuple(int(size) for size in shape)


def read_program(
    path: Path, input_shape: Shape | None
) -> tuple[KerasGraph, dict[str, int], list[str]]:
    """The program as a graph of Keras-like calls, with each call's recorded output shape
    (channels last) and its weights as the program holds them."""
    module = load_program(path)
    nodes: list[KerasNode] = []
    names: dict[str, str] = {}
    shapes: dict[str, tuple[int | None, ...]] = {}
    params: dict[str, int] = {}
    notes: list[str] = []
    taken = {INPUT}
    output = INPUT
    program_input: Shape | None = None
    for node in module.graph.nodes:
        if node.op == "placeholder":
            shape = _shape(node)
            if program_input is not None or shape is None:
                raise TorchModelError(
                    f"{path}: the program takes several inputs; archplan plans one"
                )
            program_input = spec_shape(shape[1:])
            names[node.name] = INPUT
            continue
        if node.op == "output":
            result = node.args[0]
            result = result[0] if isinstance(result, (list, tuple)) and len(result) == 1 else result
            if not isinstance(result, torch.fx.Node) or result.name not in names:
                raise TorchModelError(f"{path}: the program does not give one tensor")
            output = names[result.name]
            continue
        if node.op != "call_function":
            continue  # weights (get_attr), the program's guards
        shape = _shape(node)
        tensors = [arg for arg in _tensors(node.args) if arg.op != "get_attr"]
        weights = [arg for arg in _tensors(node.args) if arg.op == "get_attr"]
        operation = str(getattr(node.target, "__name__", node.target)).split(".")[0]
        steps = None
        if shape is not None and tensors:
            steps = _operation(operation, node, tensors, shape[1:], notes)
        stack = node.meta.get("nn_module_stack") or {}
        path_name = str(list(stack.values())[-1][0]) if stack else ""
        base = path_name or node.name
        operands: tuple[Any, ...] = tuple(
            Tensor(names[arg.name]) for arg in tensors if arg.name in names
        )
        if steps is None:
            name = _unique(node.name, taken)
            nodes.append(KerasNode(name, f"aten.{operation}", None, {}, operands))
            names[node.name] = name
            continue
        for position, (class_name, config) in enumerate(
            steps if isinstance(steps, list) else [steps]
        ):
            last = position == (len(steps) - 1 if isinstance(steps, list) else 0)
            name = _unique(base if last else f"{base}_{class_name.lower()}", taken)
            nodes.append(KerasNode(name, class_name, None, config, operands))
            operands = (Tensor(name),)
            if last:
                shapes[name] = spec_shape(shape[1:]) if shape else ()
            if class_name not in ("ZeroPadding2D", "Cropping2D"):
                params[name] = sum(
                    int(torch.Size(_shape(w) or ()).numel())
                    for w in weights
                    if not str(w.target).endswith("num_batches_tracked")
                )
        names[node.name] = operands[0].name
    if program_input is None:
        raise TorchModelError(f"{path}: the program takes no input")
    if input_shape is not None and tuple(input_shape) != program_input:
        raise TorchModelError(
            f"{path}: the program was exported for an input of {program_input} (channels last); "
            f"--input-shape {','.join(map(str, input_shape))} differs: leave it out, or export "
            "the program again at that size"
        )
    graph = KerasGraph(name=path.stem, input_shape=program_input, nodes=nodes, output=output)
    graph.recorded_shapes = dict(shapes.items())
    return graph, params, sorted(set(notes))


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    taken.add(candidate)
    return candidate


def _argument(node: torch.fx.Node, index: int, default: Any) -> Any:
    return node.args[index] if len(node.args) > index else default


def _operation(
    operation: str,
    node: torch.fx.Node,
    tensors: list[torch.fx.Node],
    out: tuple[int, ...],
    notes: list[str],
) -> Steps | None:
    """One ATen operation as the Keras-like calls that compute the same, or None."""
    source = _shape(tensors[0])
    shape = source[1:] if source else ()
    if operation in ACTIVATIONS and len(tensors) == 1:
        return ACTIVATIONS[operation]
    if operation == "conv2d" and len(shape) == 3:
        weight = _shape(node.args[1])
        if weight is None:
            return None
        kernel = weight[2:]
        stride, padding = _argument(node, 3, [1, 1]), _argument(node, 4, [0, 0])
        dilation, groups = _argument(node, 5, [1, 1]), _argument(node, 6, 1)
        common = {
            "kernel_size": list(kernel),
            "strides": list(_pair(stride)),
            "dilation_rate": list(_pair(dilation)),
            "use_bias": _argument(node, 2, None) is not None,
        }
        if groups > 1 and groups == shape[0]:
            config = {**common, "depth_multiplier": weight[0] // shape[0]}
            layer = "DepthwiseConv2D"
        else:
            config = {**common, "filters": weight[0], "groups": groups}
            layer = "Conv2D"
        return _window(layer, config, kernel, stride, dilation, padding, shape, out)
    if operation == "batch_norm" and len(shape) in (1, 3):
        momentum, epsilon = _argument(node, 6, 0.1), _argument(node, 7, 1e-5)
        affine = _argument(node, 1, None) is not None
        if _argument(node, 3, None) is None:
            return None
        return ("BatchNormalization", {"momentum": round(1 - float(momentum), 12),
                "epsilon": float(epsilon), "center": affine, "scale": affine})  # fmt: skip
    if operation == "linear" and len(shape) != 3:
        weight = _shape(node.args[1])
        return (
            ("Dense", {"units": weight[0], "use_bias": _argument(node, 2, None) is not None})
            if weight
            else None
        )
    if operation == "hardtanh" and _argument(node, 1, -1.0) == 0.0:
        return ("ReLU", {"max_value": float(_argument(node, 2, 1.0))})
    if operation in ("max_pool2d", "avg_pool2d") and len(shape) == 3:
        kernel = _pair(node.args[1])
        stride = _pair(_argument(node, 2, None) or kernel)
        padding = _argument(node, 3, 0)
        if operation == "avg_pool2d" and _pair(padding) != (0, 0) and not _argument(node, 5, True):
            return None
        if operation == "max_pool2d" and _pair(_argument(node, 4, 1)) != (1, 1):
            return None
        layer = "MaxPooling2D" if operation == "max_pool2d" else "AveragePooling2D"
        config = {"pool_size": list(kernel), "strides": list(stride)}
        return _window(layer, config, kernel, stride, 1, padding, shape, out)
    if operation == "adaptive_avg_pool2d":
        return _adaptive("AveragePooling2D", node.args[1], shape)
    if operation == "mean" and len(shape) == 3:
        dims = node.args[1] if len(node.args) > 1 else None
        if isinstance(dims, (list, tuple)) and sorted(int(d) % 4 for d in dims) == [2, 3]:
            return ("GlobalAveragePooling2D", {"keepdims": bool(_argument(node, 2, False))})
        return None
    if operation in ("flatten", "view", "reshape") and len(out) == 1:
        if len(shape) == 3 and shape[1] * shape[2] > 1:
            notes.append(FLATTEN_NOTE)
        return ("Flatten", {})
    if operation in ("add", "add_", "mul", "mul_", "sub"):
        constants = [arg for arg in node.args if isinstance(arg, (int, float))]
        return _arithmetic(operation.rstrip("_"), tensors, constants, node.args)
    if operation == "cat":
        return ("Concatenate", {"axis": _keras_axis(int(_argument(node, 1, 0)), len(out))})
    if operation == "dropout":
        return ("Dropout", {"rate": float(_argument(node, 1, 0.5))})
    return None
