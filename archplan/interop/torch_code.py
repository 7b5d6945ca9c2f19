"""``archplan export --format torch``: a spec as a standalone PyTorch script, written as text.

The script holds ``build_model()``, which returns an ``nn.Module`` (an ``nn.Sequential`` for a
chain, a module with a ``forward`` for a graph) that is the spec's network in PyTorch's layout:
every layer is one attribute named after the spec's layer, and its output has the shape of
``archplan trace``'s row with channels first (``(C, H, W)`` for ``(H, W, C)``), and its weights the
row's parameters (trainable ones as parameters, Keras' non-trainable ones as buffers).

Where PyTorch's rules differ from Keras', the script does the exact equivalent and says so in one
comment: ``padding="same"`` with a stride above 1 becomes an explicit, possibly asymmetric
``nn.ZeroPad2d``; BatchNormalization's momentum m becomes ``1 − m``; Flatten and Dense lay values
out channels-last as Keras does; Keras' initialisers (Glorot uniform, zero biases) are applied.
A layer with no PyTorch equivalent is refused by name (:class:`NoTorchEquivalentError`).
Nothing here imports torch.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from dataclasses import dataclass

from archplan.engine.trace import LayerTrace, Trace
from archplan.errors import ArchplanError
from archplan.interop.layout import is_chain
from archplan.interop.pysource import (
    INDENT,
    Call,
    Code,
    Expr,
    Keyword,
    comment,
    docstring_safe,
    identifier,
    literal,
    statement,
    wrapped,
)
from archplan.layers import Layer
from archplan.rules.shapes import Pair, Shape
from archplan.schema import Network
from archplan.schema.network import INPUT, Node


class NoTorchEquivalentError(ArchplanError):
    """A layer (or a setting of one) that PyTorch has no exact equivalent for."""


ACTIVATION_MODULES: dict[str, str] = {
    "linear": "nn.Identity()",
    "relu": "nn.ReLU()",
    "relu6": "nn.ReLU6()",
    "leaky_relu": "nn.LeakyReLU(0.2)",  # keras.activations.leaky_relu's negative_slope
    "elu": "nn.ELU()",
    "selu": "nn.SELU()",
    "celu": "nn.CELU()",
    "gelu": "nn.GELU()",  # Keras' approximate=False
    "silu": "nn.SiLU()",
    "swish": "nn.SiLU()",
    "mish": "nn.Mish()",
    "sigmoid": "nn.Sigmoid()",
    "hard_sigmoid": "nn.Hardsigmoid()",  # Keras 3: relu6(x + 3) / 6, as PyTorch's
    "hard_silu": "nn.Hardswish()",
    "hard_swish": "nn.Hardswish()",
    "log_sigmoid": "nn.LogSigmoid()",
    "tanh": "nn.Tanh()",
    "hard_tanh": "nn.Hardtanh()",
    "softplus": "nn.Softplus()",
    "softsign": "nn.Softsign()",
}
"""Keras' activations as PyTorch modules; softmax and log_softmax take the channel axis."""
AXIS_ACTIVATIONS = {"softmax": "nn.Softmax", "log_softmax": "nn.LogSoftmax"}
MERGES = {
    "Add": "Add",
    "Subtract": "Subtract",
    "Multiply": "Multiply",
    "Average": "Average",
    "Maximum": "Maximum",
    "Minimum": "Minimum",
    "Concatenate": "Concatenate",
}
UPSAMPLING_MODES = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}


def torch_layout(shape: Shape) -> Shape:
    """A spec shape as PyTorch lays it out: an image ``(H, W, C)`` as ``(C, H, W)``; any other
    rank as it is (features, sequences)."""
    if len(shape) == 3:
        return (shape[2], shape[0], shape[1])
    return shape


def torch_axis(axis: int, rank: int) -> int:
    """A Keras axis (counted with the batch axis, or from the end) as PyTorch's for that layout."""
    positive = axis if axis >= 0 else axis + rank + 1
    if rank != 3:
        return positive
    return {1: 2, 2: 3, 3: 1}.get(positive, positive)


@dataclass(frozen=True)
class TorchLayer:
    """One spec layer in PyTorch: its modules (several make an ``nn.Sequential``), the comments
    that say where PyTorch differs, and the helper classes it needs."""

    modules: tuple[Expr, ...]
    notes: tuple[str, ...] = ()
    helpers: frozenset[str] = frozenset()

    def module(self) -> Expr:
        if len(self.modules) == 1:
            return self.modules[0]
        return Call(Code("nn.Sequential"), self.modules)


def torch_script(network: Network, trace: Trace, *, source: str) -> str:
    """The PyTorch script for ``network`` (traced as ``trace``), exported from ``source``."""
    rows = {row.name: row for row in trace.layers}
    nodes = [node for node in network.nodes() if rows[node.name].reaches_output]
    try:
        converted = [(node, torch_layer(node, rows[node.name])) for node in nodes]
    except NoTorchEquivalentError as error:
        raise NoTorchEquivalentError(f"{source}: {error}") from None
    helpers = {name for _, layer in converted for name in layer.helpers}
    helpers.add("keras_init")
    chain = is_chain(nodes)
    body = _sequential(network, converted) if chain else _graph(network, converted)
    ordered = "from collections import OrderedDict\n" if chain else ""
    parts = [
        _header(network, trace, source)
        + f"\n\nimport math\n{ordered}\nimport torch\nfrom torch import nn\n",
        *[HELPERS[name] for name in HELPER_ORDER if name in helpers],
        body,
        _main(trace),
        'if __name__ == "__main__":\n    main()\n',
    ]
    return "\n\n".join(part.rstrip("\n") + "\n" for part in parts).replace("\n\n\n\n", "\n\n\n")


def _header(network: Network, trace: Trace, source: str) -> str:
    name = network.name or "network"
    macs = f", {trace.total_macs:,} MACs per image" if trace.total_macs is not None else ""
    shape = torch_layout(trace.input_shape)
    paragraphs = [
        f"{name}: a PyTorch model exported by archplan from {source}.",
        f"{len(trace.counted)} layers, {trace.total_params:,} parameters{macs} (archplan trace; "
        "Keras' non-trainable weights are buffers here). build_model() returns the network; "
        f"it takes a batch of shape (N, {', '.join(map(str, shape))}), channels first. "
        "Run this file with Python and PyTorch to print it and check one forward pass.",
    ]
    text = "\n\n".join(wrapped(paragraph) for paragraph in paragraphs)
    return f'"""{docstring_safe(text)}\n"""'


def _names(nodes: list[Node]) -> dict[str, str]:
    """The attribute of each layer: its name where Python allows, else a cleaned one."""
    taken = {"forward", "training", "x", "inputs", "outputs", "self", "nn", "torch", "F"}
    names: dict[str, str] = {}
    for node in nodes:
        name = node.name
        usable = name.isidentifier() and not keyword.iskeyword(name) and name[0] != "_"
        if usable and name not in taken:
            taken.add(name)
            names[name] = name
        else:
            names[name] = identifier(name, taken)
    return names


def _sequential(network: Network, converted: list[tuple[Node, TorchLayer]]) -> str:
    names = _names([node for node, _ in converted])
    pad = " " * INDENT
    lines = [
        "def build_model():",
        f'{pad}"""The network as a chain: each layer takes the output of the one before."""',
        f"{pad}layers = OrderedDict()",
    ]
    said: set[str] = set()
    for node, layer in converted:
        lines += _notes(node, layer, INDENT, said)
        lines.append(statement(f"layers[{literal(names[node.name]).text}] = ", layer.module()))
    lines += [f"{pad}model = nn.Sequential(layers)", f"{pad}model.apply(keras_init)"]
    return "\n".join([*lines, f"{pad}return model"]) + "\n"


def _notes(node: Node, layer: TorchLayer, indent: int, said: set[str]) -> list[str]:
    """The comment before a layer where PyTorch differs from Keras, the first time it does so
    (later layers with the same difference are not told again)."""
    text = " ".join(layer.notes)
    if not text or text in said:
        return []
    said.add(text)
    return comment(f"{node.name} ({node.layer.keras_class}): {text}", indent)


def _graph(network: Network, converted: list[tuple[Node, TorchLayer]]) -> str:
    names = _names([node for node, _ in converted])
    pad = " " * INDENT
    class_name = "Network"
    lines = [
        f"class {class_name}(nn.Module):",
        f'{pad}"""The network as a graph: each layer is called on the outputs it takes."""',
        "",
        f"{pad}def __init__(self):",
        f"{pad * 2}super().__init__()",
    ]
    said: set[str] = set()
    for node, layer in converted:
        lines += _notes(node, layer, 2 * INDENT, said)
        lines.append(statement(f"self.{names[node.name]} = ", layer.module(), 2 * INDENT))
    variables = _variables([node for node, _ in converted], names)
    lines += ["", f"{pad}def forward(self, {variables[INPUT]}):"]
    for node, _ in converted:
        operands = ", ".join(variables[name] for name in node.inputs)
        lines.append(f"{pad * 2}{variables[node.name]} = self.{names[node.name]}({operands})")
    lines.append(f"{pad * 2}return {variables[converted[-1][0].name]}")
    builder = [
        "def build_model():",
        f'{pad}"""The network, with Keras\' initial weights."""',
        f"{pad}model = {class_name}()",
        f"{pad}model.apply(keras_init)",
        f"{pad}return model",
    ]
    return "\n".join(lines) + "\n\n\n" + "\n".join(builder) + "\n"


def _variables(nodes: list[Node], names: dict[str, str]) -> dict[str, str]:
    """``x`` for an output only the next layer takes, the layer's attribute name otherwise."""
    uses: dict[str, list[int]] = {}
    for position, node in enumerate(nodes):
        for name in node.inputs:
            uses.setdefault(name, []).append(position)
    variables = {INPUT: "x" if uses.get(INPUT) == [0] else "inputs"}
    for position, node in enumerate(nodes):
        if uses.get(node.name) == [position + 1] or position == len(nodes) - 1:
            variables[node.name] = "x"
        else:
            variables[node.name] = names[node.name]
    return variables


def _main(trace: Trace) -> str:
    pad = " " * INDENT
    shape = ", ".join(map(str, torch_layout(trace.input_shape)))
    output = ", ".join(map(str, torch_layout(trace.output_shape)))
    return "\n".join([
        "def main():",
        f'{pad}"""Print the network and check one forward pass against archplan\'s shapes."""',
        f"{pad}model = build_model()",
        f"{pad}print(model)",
        f"{pad}model.eval()",
        f"{pad}with torch.no_grad():",
        f"{pad * 2}output = model(torch.zeros(1, {shape}))",
        f"{pad}assert tuple(output.shape[1:]) == ({output}{',' if ',' not in output else ''}), "
        "output.shape",
        f'{pad}parameters = sum(p.numel() for p in model.parameters())',
        f'{pad}print(f"output {{tuple(output.shape)}}, {{parameters:,}} trainable parameters")',
    ]) + "\n"  # fmt: skip


# One layer


def torch_layer(node: Node, row: LayerTrace) -> TorchLayer:
    """The PyTorch modules of one spec layer, given its trace row (input and output shapes)."""
    layer = node.layer
    converter = CONVERTERS.get(layer.keras_class)
    if converter is None:
        raise NoTorchEquivalentError(
            f"layers[{row.index}] ({node.name!r}, {layer.keras_class}): PyTorch has no equivalent "
            "that archplan can export; replace the layer or export --format python"
        )
    try:
        if getattr(layer, "data_format", "channels_last") == "channels_first":
            raise _RefusedError("data_format='channels_first'")  # the script lays out channels last
        converted = converter(layer, row)
    except _RefusedError as refused:
        raise NoTorchEquivalentError(
            f"layers[{row.index}] ({node.name!r}, {layer.keras_class}): {refused}; PyTorch has no "
            "exact equivalent, so archplan does not export it (change the setting or export "
            "--format python)"
        ) from None
    return converted if layer.trainable else _frozen(converted)


def _frozen(layer: TorchLayer) -> TorchLayer:
    """A frozen layer (``"trainable": false``): its parameters stop training, as Keras'
    ``trainable=False`` stops them (running statistics are buffers either way)."""
    module = Call(Code("frozen"), (layer.module(),))
    note = "frozen: requires_grad_(False) on its parameters, as Keras' trainable=False."
    return TorchLayer((module,), (*layer.notes, note), layer.helpers | {"frozen"})


class _RefusedError(Exception):
    """A setting with no exact PyTorch equivalent (the caller names the layer)."""


def _call(name: str, *arguments: Expr) -> Call:
    return Call(Code(name), arguments)


def _kw(name: str, value: object) -> Keyword:
    return Keyword(name, literal(value))


def _pair(value: Pair) -> Code:
    return literal(value[0] if value[0] == value[1] else value)


def _activation(name: str | None, rank: int) -> list[Expr]:
    if name is None or name == "linear":
        return []
    if name in AXIS_ACTIVATIONS:
        return [_call(AXIS_ACTIVATIONS[name], _kw("dim", 1 if rank == 3 else -1))]
    if name not in ACTIVATION_MODULES:
        raise _RefusedError(f"activation={name!r}")
    return [Code(ACTIVATION_MODULES[name])]


def _same_padding(size: int, span: int, stride: int) -> tuple[int, int]:
    """Keras' 'same': the rows before and after (the extra one after, as TensorFlow pads)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def _window_padding(
    layer: Layer, row: LayerTrace, kernel: Pair, strides: Pair, dilation: Pair
) -> tuple[list[Expr], Expr | None, list[str]]:
    """(modules before the window, the window's own ``padding=``, notes) for Keras' padding."""
    if getattr(layer, "padding", "valid") == "valid":
        return [], None, []
    height, width = row.input_shape[0], row.input_shape[1]
    spans = [dilation[axis] * (kernel[axis] - 1) + 1 for axis in (0, 1)]
    top, bottom = _same_padding(height, spans[0], strides[0])
    left, right = _same_padding(width, spans[1], strides[1])
    if top == bottom and left == right:
        if (top, left) == (0, 0):
            return [], None, []
        return [], literal((top, left) if top != left else top), []
    note = (
        f"Keras' padding='same' with stride {strides[0]}×{strides[1]} pads the extra row and "
        "column at the bottom and right; PyTorch pads symmetrically, so the padding is explicit."
    )
    if max(strides) == 1:
        note = "Keras' padding='same' pads the extra row and column at the bottom and right."
    return [_call("nn.ZeroPad2d", literal((left, right, top, bottom)))], None, [note]


def _conv2d(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.conv import Conv2D

    assert isinstance(layer, Conv2D)
    before, padding, notes = _window_padding(
        layer, row, layer.kernel_size, layer.strides, layer.dilation_rate
    )
    arguments: list[Expr] = [
        literal(row.input_shape[2]),
        literal(layer.filters),
        _pair(layer.kernel_size),
    ]
    arguments += _window_keywords(layer.strides, padding, layer.dilation_rate)
    if layer.groups != 1:
        arguments.append(_kw("groups", layer.groups))
    if not layer.use_bias:
        arguments.append(_kw("bias", False))
    if layer.kernel_regularizer is not None:
        notes.append("Its kernel_regularizer is a loss term: add it to your training loss.")
    conv = _call("nn.Conv2d", *arguments)
    return TorchLayer((*before, conv, *_activation(layer.activation, 3)), tuple(notes))


def _window_keywords(strides: Pair, padding: Expr | None, dilation: Pair) -> list[Expr]:
    arguments: list[Expr] = []
    if strides != (1, 1):
        arguments.append(Keyword("stride", _pair(strides)))
    if padding is not None:
        arguments.append(Keyword("padding", padding))
    if dilation != (1, 1):
        arguments.append(Keyword("dilation", _pair(dilation)))
    return arguments


def _depthwise(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.conv import DepthwiseConv2D

    assert isinstance(layer, DepthwiseConv2D)
    before, padding, notes = _window_padding(
        layer, row, layer.kernel_size, layer.strides, layer.dilation_rate
    )
    channels = row.input_shape[2]
    arguments: list[Expr] = [
        literal(channels),
        literal(channels * layer.depth_multiplier),
        _pair(layer.kernel_size),
        *_window_keywords(layer.strides, padding, layer.dilation_rate),
        _kw("groups", channels),
    ]
    if not layer.use_bias:
        arguments.append(_kw("bias", False))
    conv = _call("nn.Conv2d", *arguments)
    return TorchLayer((*before, conv, *_activation(layer.activation, 3)), tuple(notes))


def _separable(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.conv import SeparableConv2D

    assert isinstance(layer, SeparableConv2D)
    before, padding, notes = _window_padding(
        layer, row, layer.kernel_size, layer.strides, layer.dilation_rate
    )
    channels = row.input_shape[2]
    middle = channels * layer.depth_multiplier
    depthwise = _call(
        "nn.Conv2d",
        literal(channels),
        literal(middle),
        _pair(layer.kernel_size),
        *_window_keywords(layer.strides, padding, layer.dilation_rate),
        _kw("groups", channels),
        _kw("bias", False),
    )
    pointwise_arguments: list[Expr] = [literal(middle), literal(layer.filters), literal(1)]
    if not layer.use_bias:
        pointwise_arguments.append(_kw("bias", False))
    pointwise = _call("nn.Conv2d", *pointwise_arguments)
    notes.append("A depthwise convolution (no bias), then a 1×1 pointwise one, as Keras'.")
    modules = (*before, depthwise, pointwise, *_activation(layer.activation, 3))
    return TorchLayer(modules, tuple(notes))


def _transpose(layer: Layer, row: LayerTrace) -> TorchLayer:
    """PyTorch's length is ``(D − 1)·s − 2p + span + output_padding``: ``p`` and
    ``output_padding`` are chosen to give Keras' length, and a crop where none can."""
    from archplan.layers.conv import Conv2DTranspose

    assert isinstance(layer, Conv2DTranspose)
    paddings, extras, crops = [], [], []
    for axis in (0, 1):
        span = layer.spans[axis]
        stride, dilation = layer.strides[axis], layer.dilation_rate[axis]
        full = (row.input_shape[axis] - 1) * stride + span
        excess = full - row.output_shape[axis]
        limit = max(stride, dilation)  # PyTorch: output_padding < max(stride, dilation)
        if excess >= 0 and excess % 2 == 0:
            paddings.append(excess // 2)
            extras.append(0)
            crops.append(0)
        elif excess > 0 and limit > 1:
            paddings.append((excess + 1) // 2)
            extras.append(1)
            crops.append(0)
        elif excess > 0:
            paddings.append(excess // 2)
            extras.append(0)
            crops.append(1)
        elif -excess < limit:
            paddings.append(0)
            extras.append(-excess)
            crops.append(0)
        else:
            raise _RefusedError(f"an output of {row.output_shape[axis]} along axis {axis}")
    arguments: list[Expr] = [
        literal(row.input_shape[2]),
        literal(layer.filters),
        _pair(layer.kernel_size),
    ]
    if layer.strides != (1, 1):
        arguments.append(Keyword("stride", _pair(layer.strides)))
    if paddings != [0, 0]:
        arguments.append(Keyword("padding", _pair((paddings[0], paddings[1]))))
    if extras != [0, 0]:
        arguments.append(Keyword("output_padding", _pair((extras[0], extras[1]))))
    if layer.dilation_rate != (1, 1):
        arguments.append(Keyword("dilation", _pair(layer.dilation_rate)))
    if not layer.use_bias:
        arguments.append(_kw("bias", False))
    modules: list[Expr] = [_call("nn.ConvTranspose2d", *arguments)]
    notes = []
    if crops != [0, 0]:
        modules.append(_call("nn.ZeroPad2d", literal((0, -crops[1], 0, -crops[0]))))
        notes.append("PyTorch trims symmetrically; the negative padding trims Keras' extra row.")
    notes_text = (
        "padding and output_padding give Keras' output size."
        if paddings != [0, 0] or extras != [0, 0]
        else ""
    )
    all_notes = tuple(note for note in (notes_text, *notes) if note)
    return TorchLayer((*modules, *_activation(layer.activation, 3)), all_notes)


def _channels_last(modules: list[Expr], rank: int) -> tuple[list[Expr], frozenset[str]]:
    """Modules that act on the last axis, wrapped to see an image channels-last as Keras does."""
    if rank != 3:
        return modules, frozenset()
    wrapped_modules = [Code("ToChannelsLast()"), *modules, Code("ToChannelsFirst()")]
    return wrapped_modules, frozenset({"ToChannelsLast", "ToChannelsFirst"})


def _dense(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.core import Dense

    assert isinstance(layer, Dense)
    arguments: list[Expr] = [literal(row.input_shape[-1]), literal(layer.units)]
    if not layer.use_bias:
        arguments.append(_kw("bias", False))
    rank = len(row.input_shape)
    modules = [_call("nn.Linear", *arguments), *_activation(layer.activation, 1)]
    modules, helpers = _channels_last(modules, rank)
    notes = ["Keras' Dense acts on the channels of each position."] if rank == 3 else []
    if layer.kernel_regularizer is not None:
        notes.append("Its kernel_regularizer is a loss term: add it to your training loss.")
    return TorchLayer(tuple(modules), tuple(notes), helpers)


def _flatten(layer: Layer, row: LayerTrace) -> TorchLayer:
    if len(row.input_shape) == 3:
        return TorchLayer(
            (Code("ToChannelsLast()"), Code("nn.Flatten()")),
            ("Flattened channels-last, in Keras' order, so a Dense after it sees the same "
             "values in the same places.",),
            frozenset({"ToChannelsLast"}),
        )  # fmt: skip
    return TorchLayer((Code("nn.Flatten()"),))


def _identity(layer: Layer, row: LayerTrace) -> TorchLayer:
    return TorchLayer((Code("nn.Identity()"),))


def _activation_layer(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.activations import Activation

    assert isinstance(layer, Activation)
    modules = _activation(layer.activation, len(row.input_shape)) or [Code("nn.Identity()")]
    return TorchLayer(tuple(modules))


def _relu(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.activations import ReLU

    assert isinstance(layer, ReLU)
    slope, top, threshold = layer.negative_slope, layer.max_value, layer.threshold
    if threshold == 0 and slope == 0 and top is None:
        return TorchLayer((Code("nn.ReLU()"),))
    if threshold == 0 and slope == 0 and top == 6:
        return TorchLayer((Code("nn.ReLU6()"),))
    if threshold == 0 and slope == 0 and top:
        return TorchLayer((_call("nn.Hardtanh", literal(0.0), literal(float(top))),))
    if threshold == 0 and top is None:
        return TorchLayer((_call("nn.LeakyReLU", literal(float(slope))),))
    if slope == 0 and top is None:
        return TorchLayer((_call("nn.Threshold", literal(float(threshold)), literal(0.0)),))
    raise _RefusedError(f"max_value={top}, negative_slope={slope}, threshold={threshold} together")


def _dropout(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.dropout import Dropout

    assert isinstance(layer, Dropout)
    if layer.noise_shape is not None:
        raise _RefusedError("noise_shape")
    return TorchLayer((_call("nn.Dropout", literal(layer.rate)),))


def _spatial_dropout(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.dropout import SpatialDropout2D

    assert isinstance(layer, SpatialDropout2D)
    return TorchLayer((_call("nn.Dropout2d", literal(layer.rate)),))


def _batch_norm(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.normalization import BatchNormalization

    assert isinstance(layer, BatchNormalization)
    rank = len(row.input_shape)
    if torch_axis(layer.axis, rank) != 1 or rank not in (1, 3):
        raise _RefusedError(f"axis={layer.axis} on an input of rank {rank}")
    if layer.center != layer.scale:
        raise _RefusedError(
            f"center={layer.center} with scale={layer.scale} (PyTorch's affine is both)"
        )
    kind = "nn.BatchNorm2d" if rank == 3 else "nn.BatchNorm1d"
    arguments: list[Expr] = [
        literal(row.input_shape[-1]),
        _kw("eps", layer.epsilon),
        _kw("momentum", round(1 - layer.momentum, 12)),
    ]
    if not layer.center:
        arguments.append(_kw("affine", False))
    note = f"Keras' momentum {layer.momentum} is PyTorch's {round(1 - layer.momentum, 12)}."
    return TorchLayer((_call(kind, *arguments),), (note,))


def _layer_norm(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.normalization import LayerNormalization

    assert isinstance(layer, LayerNormalization)
    rank = len(row.input_shape)
    axes = layer.axis if isinstance(layer.axis, tuple) else (layer.axis,)
    if [axis if axis < 0 else axis - rank - 1 for axis in axes] != [-1]:
        raise _RefusedError(f"axis={layer.axis} (PyTorch normalises the last axes)")
    if layer.center and not layer.scale:
        raise _RefusedError("center=True with scale=False")
    arguments: list[Expr] = [literal(row.input_shape[-1]), _kw("eps", layer.epsilon)]
    if not layer.scale:
        arguments.append(_kw("elementwise_affine", False))
    elif not layer.center:
        arguments.append(_kw("bias", False))
    modules, helpers = _channels_last([_call("nn.LayerNorm", *arguments)], rank)
    return TorchLayer(tuple(modules), (), helpers)


def _pooling(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.pooling import MaxPooling2D, _Pooling

    assert isinstance(layer, _Pooling)
    pool: Pair = (layer.pool_size[0], layer.pool_size[-1])  # converters are for the 2-D classes
    given = layer.strides or layer.pool_size
    strides: Pair = (given[0], given[-1])
    is_max = isinstance(layer, MaxPooling2D)
    kind = "nn.MaxPool2d" if is_max else "nn.AvgPool2d"
    before, padding, notes = _window_padding(layer, row, pool, strides, (1, 1))
    arguments: list[Expr] = [_pair(pool)]
    if strides != pool:
        arguments.append(Keyword("stride", _pair(strides)))
    if padding is not None:
        arguments.append(Keyword("padding", padding))
        if not is_max:
            arguments.append(_kw("count_include_pad", False))
    if before and is_max:
        assert isinstance(before[0], Call)
        before = [_call("nn.ConstantPad2d", before[0].arguments[0], Code('float("-inf")'))]
        notes = [*notes[:1], "Padded with -inf, which a maximum never takes, as Keras does."]
    elif before:
        border = "Keras averages border windows over the pixels inside only; these count the "
        notes = [*notes[:1], border + "padded zeros (shapes and counts are the same)."]
    return TorchLayer((*before, _call(kind, *arguments)), tuple(notes))


def _global_pooling(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.global_pooling import GlobalMaxPooling2D, _GlobalPooling

    assert isinstance(layer, _GlobalPooling)
    maximum = isinstance(layer, GlobalMaxPooling2D)
    kind = "nn.AdaptiveMaxPool2d" if maximum else "nn.AdaptiveAvgPool2d"
    modules: list[Expr] = [_call(kind, literal(1))]
    if not layer.keepdims:
        modules.append(Code("nn.Flatten()"))
    return TorchLayer(tuple(modules))


def _zero_padding(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.reshaping import ZeroPadding2D

    assert isinstance(layer, ZeroPadding2D)
    (top, bottom), (left, right) = layer.padding
    return TorchLayer((_call("nn.ZeroPad2d", literal((left, right, top, bottom))),))


def _cropping(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.reshaping import Cropping2D

    assert isinstance(layer, Cropping2D)
    (top, bottom), (left, right) = layer.cropping
    return TorchLayer(
        (_call("nn.ZeroPad2d", literal((-left, -right, -top, -bottom))),),
        ("Negative padding crops.",),
    )


def _upsampling(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.reshaping import UpSampling2D

    assert isinstance(layer, UpSampling2D)
    mode = UPSAMPLING_MODES.get(layer.interpolation)
    if mode is None:
        raise _RefusedError(f"interpolation={layer.interpolation!r}")
    arguments: list[Expr] = [Keyword("scale_factor", _pair(layer.size))]
    if mode != "nearest":
        arguments += [_kw("mode", mode), _kw("align_corners", False)]
    return TorchLayer((_call("nn.Upsample", *arguments),))


def _reshape(layer: Layer, row: LayerTrace) -> TorchLayer:
    modules: list[Expr] = []
    helpers = set()
    if len(row.input_shape) == 3:
        modules.append(Code("ToChannelsLast()"))
        helpers.add("ToChannelsLast")
    modules += [Code("nn.Flatten()"), _call("nn.Unflatten", literal(1), literal(row.output_shape))]
    if len(row.output_shape) == 3:
        modules.append(Code("ToChannelsFirst()"))
        helpers.add("ToChannelsFirst")
    note = "Reshaped in Keras' channels-last order."
    return TorchLayer(tuple(modules), (note,), frozenset(helpers))


def _merge(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.merging import Concatenate

    name = MERGES[layer.keras_class]
    if isinstance(layer, Concatenate):
        dim = torch_axis(layer.axis, len(row.input_shape))
        return TorchLayer((_call(name, _kw("dim", dim)),), (), frozenset({name}))
    ranks = [len(shape) for shape in row.input_shapes]
    images = tuple(i for i, rank in enumerate(ranks) if rank == 3) if len(set(ranks)) > 1 else ()
    arguments = (literal(images),) if images else ()
    notes = ("Keras broadcasts channels-last: the images are joined so.",) if images else ()
    return TorchLayer((_call(name, *arguments),), notes, frozenset({"Merge", name}))


def _values(values: float | tuple[float, ...]) -> Expr:
    if isinstance(values, tuple):
        return literal(list(values))
    return literal(values)


def _rescaling(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.preprocessing import Rescaling

    assert isinstance(layer, Rescaling)
    arguments: list[Expr] = [_values(layer.scale)]
    if layer.offset != 0.0:
        arguments.append(Keyword("offset", _values(layer.offset)))
    return TorchLayer((_call("Rescaling", *arguments),), (), frozenset({"Rescaling"}))


def _normalization(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.preprocessing import Normalization

    assert isinstance(layer, Normalization)
    if layer.axis not in (-1, (-1,), len(row.input_shape), (len(row.input_shape),)):
        raise _RefusedError(f"axis={layer.axis}")
    channels = row.input_shape[-1]
    arguments: list[Expr] = [literal(channels)]
    notes = []
    if layer.mean is not None and layer.variance is not None:
        arguments += [Keyword("mean", _values(layer.mean)),
                      Keyword("variance", _values(layer.variance))]  # fmt: skip
    else:
        notes.append("Adapt it as Keras would: set its mean and variance buffers from data.")
    if layer.invert:
        arguments.append(_kw("invert", True))
    return TorchLayer((_call("Normalization", *arguments),), tuple(notes),
                      frozenset({"Normalization"}))  # fmt: skip


def _random_flip(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.augmentation import RandomFlip

    assert isinstance(layer, RandomFlip)
    return TorchLayer(
        (_call("RandomFlip", literal(layer.mode)),),
        ("Training only: in eval() it passes images through, as Keras' does.",),
        frozenset({"RandomFlip"}),
    )


def _random_crop(layer: Layer, row: LayerTrace) -> TorchLayer:
    from archplan.layers.augmentation import RandomCrop

    assert isinstance(layer, RandomCrop)
    return TorchLayer(
        (_call("RandomCrop", literal(layer.height), literal(layer.width)),),
        ("Training only, as Keras' RandomCrop; in eval() it resizes the central window.",),
        frozenset({"RandomCrop"}),
    )


CONVERTERS: dict[str, Callable[[Layer, LayerTrace], TorchLayer]] = {
    "Conv2D": _conv2d,
    "DepthwiseConv2D": _depthwise,
    "SeparableConv2D": _separable,
    "Conv2DTranspose": _transpose,
    "Dense": _dense,
    "Flatten": _flatten,
    "Identity": _identity,
    "Activation": _activation_layer,
    "ReLU": _relu,
    "Dropout": _dropout,
    "SpatialDropout2D": _spatial_dropout,
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "MaxPooling2D": _pooling,
    "AveragePooling2D": _pooling,
    "GlobalAveragePooling2D": _global_pooling,
    "GlobalMaxPooling2D": _global_pooling,
    "ZeroPadding2D": _zero_padding,
    "Cropping2D": _cropping,
    "UpSampling2D": _upsampling,
    "Reshape": _reshape,
    "Add": _merge,
    "Subtract": _merge,
    "Multiply": _merge,
    "Average": _merge,
    "Maximum": _merge,
    "Minimum": _merge,
    "Concatenate": _merge,
    "Rescaling": _rescaling,
    "Normalization": _normalization,
    "RandomFlip": _random_flip,
    "RandomCrop": _random_crop,
}
"""Each Keras class archplan exports to PyTorch, and how; any other is refused by name."""


# The helper classes a script defines when its layers need them (PyTorch has no module for them).

HELPERS: dict[str, str] = {
    "frozen": '''\
def frozen(module):
    """A layer whose weights do not train (Keras' trainable=False)."""
    return module.requires_grad_(False)
''',
    "keras_init": '''\
def keras_init(module):
    """Keras' default initialisers: Glorot-uniform kernels and zero biases (PyTorch's own
    defaults differ). Keras counts a depthwise kernel's fans as k·k·C in and k·k·multiplier out."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        weight = module.weight
        receptive = weight[0][0].numel()
        fan_out, fan_in = weight.shape[0] * receptive, weight.shape[1] * receptive
        if isinstance(module, nn.ConvTranspose2d):
            fan_in, fan_out = fan_out, fan_in
        if isinstance(module, nn.Conv2d) and module.groups > 1 and weight.shape[1] == 1:
            fan_in = receptive * module.in_channels
            fan_out = receptive * (module.out_channels // module.in_channels)
        bound = math.sqrt(6 / (fan_in + fan_out))
        nn.init.uniform_(weight, -bound, bound)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
''',
    "ToChannelsLast": '''\
class ToChannelsLast(nn.Module):
    """(N, C, ...) to (N, ..., C): the layout Keras' Dense, Flatten and Reshape see."""

    def forward(self, x):
        return x.movedim(1, -1)
''',
    "ToChannelsFirst": '''\
class ToChannelsFirst(nn.Module):
    """(N, ..., C) back to PyTorch's (N, C, ...)."""

    def forward(self, x):
        return x.movedim(-1, 1)
''',
    "Merge": '''\
class Merge(nn.Module):
    """Keras' merge layers (Add, Multiply, ...): the inputs joined value by value, pair by pair.
    Keras broadcasts channels-last: where a lower-rank input meets an image, the images listed
    in ``images`` are joined channels-last, then moved back."""

    def __init__(self, images=()):
        super().__init__()
        self.images = images

    def join(self, first, second):
        raise NotImplementedError

    def forward(self, *inputs):
        moved = enumerate(inputs)
        inputs = [x.movedim(1, -1) if i in self.images else x for i, x in moved]
        result = inputs[0]
        for x in inputs[1:]:
            result = self.join(result, x)
        return result.movedim(-1, 1) if self.images else result
''',
    "Add": '''\
class Add(Merge):
    """The sum of its inputs (Keras' Add layer)."""

    def join(self, first, second):
        return first + second
''',
    "Subtract": '''\
class Subtract(Merge):
    """The first input minus the second (Keras' Subtract layer)."""

    def join(self, first, second):
        return first - second
''',
    "Multiply": '''\
class Multiply(Merge):
    """The product of its inputs (Keras' Multiply layer)."""

    def join(self, first, second):
        return first * second
''',
    "Average": '''\
class Average(Merge):
    """The mean of its inputs (Keras' Average layer)."""

    def forward(self, *inputs):
        return super().forward(*inputs) / len(inputs)

    def join(self, first, second):
        return first + second
''',
    "Maximum": '''\
class Maximum(Merge):
    """The element-wise maximum of its inputs (Keras' Maximum layer)."""

    def join(self, first, second):
        return torch.maximum(first, second)
''',
    "Minimum": '''\
class Minimum(Merge):
    """The element-wise minimum of its inputs (Keras' Minimum layer)."""

    def join(self, first, second):
        return torch.minimum(first, second)
''',
    "Concatenate": '''\
class Concatenate(nn.Module):
    """Its inputs joined along ``dim`` (Keras' Concatenate layer; channels are dim 1 here)."""

    def __init__(self, dim=1):
        super().__init__()
        self.dim = dim

    def forward(self, *inputs):
        return torch.cat(inputs, self.dim)
''',
    "Rescaling": '''\
class Rescaling(nn.Module):
    """x·scale + offset, per channel when given lists (Keras' Rescaling layer): constants, not
    weights."""

    def __init__(self, scale, offset=0.0):
        super().__init__()
        self.register_buffer("scale", _per_channel(scale), persistent=False)
        self.register_buffer("offset", _per_channel(offset), persistent=False)

    def forward(self, x):
        return x * _as_channels(self.scale, x) + _as_channels(self.offset, x)


def _per_channel(values):
    return torch.as_tensor(values, dtype=torch.float32)


def _as_channels(values, x):
    """One value, or one per channel: dim 1 of an image, the last axis of anything else."""
    if values.dim() == 0 or x.dim() != 4:
        return values
    return values.reshape(1, -1, 1, 1)
''',
    "Normalization": '''\
class Normalization(nn.Module):
    """(x − mean) / √variance per channel (Keras' Normalization layer). Given mean and variance
    are constants, as Keras keeps them; without them the layer is to be adapted on data and holds
    them as buffers (Keras' non-trainable mean, variance and count)."""

    def __init__(self, channels, mean=None, variance=None, invert=False):
        super().__init__()
        self.invert = invert
        adapted = mean is None
        if adapted:
            mean, variance = torch.zeros(channels), torch.ones(channels)
            self.register_buffer("count", torch.zeros(()))
        mean = torch.as_tensor(mean, dtype=torch.float32)
        variance = torch.as_tensor(variance, dtype=torch.float32)
        self.register_buffer("mean", mean, persistent=adapted)
        self.register_buffer("variance", variance, persistent=adapted)

    def forward(self, x):
        shape = (1, -1, 1, 1) if self.mean.dim() and x.dim() == 4 else self.mean.shape
        mean, std = self.mean.reshape(shape), self.variance.reshape(shape).sqrt()
        if self.invert:
            return x * std + mean
        return (x - mean) / std.clamp_min(1e-7)
''',
    "RandomFlip": '''\
class RandomFlip(nn.Module):
    """While training, flips each image left-right and/or top-bottom with probability 1/2
    (Keras' RandomFlip); in eval() it passes images through."""

    def __init__(self, mode="horizontal_and_vertical"):
        super().__init__()
        self.mode = mode

    def forward(self, x):
        if not self.training:
            return x
        if "horizontal" in self.mode:
            flip = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < 0.5
            x = torch.where(flip, x.flip(3), x)
        if "vertical" in self.mode:
            flip = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < 0.5
            x = torch.where(flip, x.flip(2), x)
        return x
''',
    "RandomCrop": '''\
class RandomCrop(nn.Module):
    """A height × width crop at a random place while training (Keras' RandomCrop); in eval(),
    or when the image is smaller, the largest central window of that aspect ratio, resized."""

    def __init__(self, height, width):
        super().__init__()
        self.height, self.width = height, width

    def forward(self, x):
        rows, columns = x.shape[2] - self.height, x.shape[3] - self.width
        if self.training and rows >= 0 and columns >= 0:
            top = int(torch.randint(rows + 1, ()))
            left = int(torch.randint(columns + 1, ()))
            return x[:, :, top : top + self.height, left : left + self.width]
        scale = min(x.shape[2] / self.height, x.shape[3] / self.width)
        kept_rows = max(1, round(self.height * scale))
        kept_columns = max(1, round(self.width * scale))
        top, left = (x.shape[2] - kept_rows) // 2, (x.shape[3] - kept_columns) // 2
        window = x[:, :, top : top + kept_rows, left : left + kept_columns]
        size = (self.height, self.width)
        resize = nn.functional.interpolate
        return resize(window, size=size, mode="bilinear", align_corners=False)
''',
}
HELPER_ORDER = list(HELPERS)


def supported_types() -> list[str]:
    """The Keras classes the export writes as PyTorch (the docs list them)."""
    return sorted(CONVERTERS)


__all__ = ["NoTorchEquivalentError", "supported_types", "torch_layout", "torch_script"]
