"""A Keras model configuration as one flat list of calls: what each layer is and what it takes.

Keras nests models: a Functional model's layer may be a Sequential or Functional model of its
own, called on a tensor like any layer. archplan's spec is one flat graph, so nested models are
opened up in place (their ``InputLayer`` becomes the tensor the model was called on, their output
the tensor it gave), and Keras' own ``InputLayer`` becomes the spec's ``"input"``.

Both ways Keras writes a layer's inputs are read: Keras 3's ``{"args": [...], "kwargs": {...}}``
with ``__keras_tensor__`` objects, and tf.keras' ``[["layer", node, tensor, {}], ...]``. A spec
cannot say that a layer is called twice (shared weights), that a model has several inputs or
outputs, or that a layer gives several tensors; those are refused here, with the layer named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from archplan.errors import ArchplanError
from archplan.interop.files import MODEL_CLASSES, ModelConfig

INPUT = "input"
"""The spec's name for the network's input (as in :mod:`archplan.schema.network`)."""
KerasShape = tuple[int | None, ...]


class ModelStructureError(ArchplanError):
    """A model whose wiring a spec cannot express, or a configuration that is malformed."""


@dataclass(frozen=True)
class Tensor:
    """An operand that is another node's output (``"input"``: the network's input)."""

    name: str


@dataclass(frozen=True)
class KerasNode:
    """One layer (or operation) call of the flattened model."""

    name: str
    """Unique in the flattened model: the layer's own name, unless a nested model's clashed."""
    class_name: str
    module: str | None
    config: Mapping[str, Any]
    operands: tuple[Any, ...]
    """What it was called on, in order: :class:`Tensor` objects and constants (``x + 3.0``)."""
    within: str = ""
    """The nested models it came from, ``"block/"``; empty at the top."""
    frozen: bool = False
    """``trainable`` false on the layer or on a model around it."""

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(operand.name for operand in self.operands if isinstance(operand, Tensor))

    @property
    def path(self) -> str:
        """Where it is in the original model, for messages: ``block/conv2d``."""
        return f"{self.within}{self.config.get('name', self.name)}"


@dataclass
class KerasGraph:
    """A model as one flat graph: nodes in an order where every input comes first."""

    name: str
    input_shape: KerasShape | None
    nodes: list[KerasNode] = field(default_factory=list)
    output: str = INPUT
    recorded_shapes: dict[str, KerasShape] = field(default_factory=dict)
    """The output shape Keras wrote down for a node where a later layer takes it (no batch axis)."""
    renamed: list[tuple[str, str]] = field(default_factory=list)
    """(path in the model, name in the spec) for nested layers whose name was already taken."""


def flatten(model: ModelConfig) -> KerasGraph:
    """The model's layers as one graph, nested models opened up."""
    config = model.model["config"]
    graph = KerasGraph(name=str(config.get("name") or "model"), input_shape=None)
    flattener = _Flattener(graph, model.source)
    graph.output = flattener.model(model.model, inputs=None, within="", frozen=False)
    graph.nodes = reaching(graph.nodes, graph.output)
    if not graph.nodes:
        raise ModelStructureError(
            f"{model.source}: the model has no layers between its input "
            "and its output; there is nothing to plan"
        )
    return graph


def reaching(nodes: list[KerasNode], output: str) -> list[KerasNode]:
    """The nodes ``output`` depends on (itself included), in their order."""
    by_name = {node.name: node for node in nodes}
    needed, waiting = {output}, [output]
    while waiting:
        node = by_name.get(waiting.pop())
        for name in node.inputs if node else ():
            if name not in needed:
                needed.add(name)
                waiting.append(name)
    return [node for node in nodes if node.name in needed]


class _Flattener:
    """Opens up one model after another, appending their calls to one graph."""

    def __init__(self, graph: KerasGraph, source: str) -> None:
        self.graph = graph
        self.source = source
        self.taken = {INPUT}

    def model(
        self, entry: Mapping[str, Any], inputs: list[str] | None, within: str, frozen: bool
    ) -> str:
        """Append a (nested) model's calls; returns the name of the node that is its output.

        ``inputs``: the tensors a nested model is called on; None for the top model, whose
        input is the network's.
        """
        config = _mapping(entry.get("config"), f"{self.source}: {within or 'the model'}")
        frozen = frozen or config.get("trainable") is False
        if entry.get("class_name") == "Sequential" or "input_layers" not in config:
            return self._sequential(config, inputs, within, frozen)
        return self._functional(config, inputs, within, frozen)

    def _sequential(
        self, config: Mapping[str, Any], inputs: list[str] | None, within: str, frozen: bool
    ) -> str:
        layers = self._layer_list(config, within)
        if inputs is None:
            self.graph.input_shape = _sequential_input_shape(config, layers)
        elif len(inputs) != 1:
            raise self._structure(within, f"is called on {len(inputs)} tensors; it takes one")
        previous = INPUT if inputs is None else inputs[0]
        for entry in layers:
            if entry.get("class_name") == "InputLayer":
                continue
            if _is_model(entry):
                name = _entry_name(entry)
                previous = self.model(entry, [previous], f"{within}{name}/", frozen)
                continue
            previous = self._append(entry, (Tensor(previous),), within, frozen)
        return previous

    def _functional(
        self, config: Mapping[str, Any], inputs: list[str] | None, within: str, frozen: bool
    ) -> str:
        layers = self._layer_list(config, within)
        input_names = [leaf[0] for leaf in _leaves(config.get("input_layers"))]
        output_names = _leaves(config.get("output_layers"))
        where = within.rstrip("/") or "the model"
        if inputs is None and len(input_names) != 1:
            raise self._structure(
                within,
                f"has {len(input_names)} inputs ({', '.join(input_names)}); a spec "
                "plans a network with one input",
            )
        if len(output_names) != 1:
            shown = ", ".join(str(leaf[0]) for leaf in output_names)
            raise self._structure(
                within,
                f"has {len(output_names)} outputs ({shown}); a spec plans a network with "
                "one output (its last layer)",
            )
        if inputs is not None and len(inputs) != len(input_names):
            raise self._structure(
                within, f"takes {len(input_names)} inputs and is called on {len(inputs)}"
            )
        produced: dict[str, str] = {}
        for position, name in enumerate(input_names):
            produced[name] = INPUT if inputs is None else inputs[position]
        for entry in layers:
            name = _entry_name(entry)
            if entry.get("class_name") == "InputLayer":
                if name not in produced:
                    raise self._structure(
                        within, f"has an InputLayer {name!r} it does not list among its inputs"
                    )
                if inputs is None:
                    self.graph.input_shape = _batch_shape(entry.get("config", {}))
                continue
            calls = entry.get("inbound_nodes") or []
            if len(calls) > 1:
                raise ModelStructureError(
                    f"{self.source}: {within}{name} ({entry.get('class_name')}) is called "
                    f"{len(calls)} times, sharing its weights; a spec's layers are each called "
                    "once, so archplan cannot plan shared layers"
                )
            if not calls:
                continue  # defined in the model but never called: not part of its graph
            operands = self._operands(calls[0], produced, f"{within}{name}")
            if _is_model(entry):
                tensors = [operand.name for operand in operands if isinstance(operand, Tensor)]
                produced[name] = self.model(entry, tensors, f"{within}{name}/", frozen)
            else:
                produced[name] = self._append(entry, operands, within, frozen)
        output = str(output_names[0][0])
        if output not in produced:
            raise self._structure(
                within, f"names {output!r} as its output, which {where} does not define"
            )
        return produced[output]

    def _append(
        self, entry: Mapping[str, Any], operands: tuple[Any, ...], within: str, frozen: bool
    ) -> str:
        config = _mapping(entry.get("config", {}), f"{self.source}: {within}{_entry_name(entry)}")
        original = _entry_name(entry)
        name = self._unique(original, within)
        module = entry.get("module")
        self.graph.nodes.append(
            KerasNode(
                name=name,
                class_name=str(entry.get("class_name")),
                module=module if isinstance(module, str) else None,
                config=config,
                operands=operands,
                within=within,
                frozen=frozen or config.get("trainable") is False,
            )
        )
        return name

    def _unique(self, name: str, within: str) -> str:
        """The layer's own name, unless taken (or not a valid spec name): then prefixed with
        the nested model's name, and numbered if need be."""
        candidate = name if name.strip() == name and name and "/" not in name else "layer"
        if candidate in self.taken:
            prefix = within.rstrip("/").replace("/", "_")
            candidate = f"{prefix}_{candidate}" if prefix else candidate
            base, number = candidate, 1
            while candidate in self.taken:
                candidate, number = f"{base}_{number}", number + 1
        if candidate != name:
            self.graph.renamed.append((f"{within}{name}", candidate))
        self.taken.add(candidate)
        return candidate

    def _layer_list(self, config: Mapping[str, Any], within: str) -> list[Mapping[str, Any]]:
        layers = config.get("layers")
        if not isinstance(layers, list) or not all(isinstance(e, Mapping) for e in layers):
            raise self._structure(within, "has no list of layers in its configuration")
        for entry in layers:
            if not isinstance(entry.get("class_name"), str) or not _entry_name(entry):
                raise self._structure(within, "lists a layer without 'class_name' or 'name'")
        return layers

    def _operands(self, call: Any, produced: Mapping[str, str], where: str) -> tuple[Any, ...]:
        """The call's positional arguments, tensors resolved to node names; a merge's list of
        tensors is its operands."""
        if isinstance(call, Mapping):  # Keras 3: {"args": [...], "kwargs": {...}}
            args = call.get("args") or []
            kwargs = call.get("kwargs") or {}
            if _contains_tensor(kwargs):
                raise ModelStructureError(
                    f"{self.source}: {where} takes a tensor as a keyword argument "
                    f"({', '.join(sorted(kwargs))}); a spec's layers take their inputs only"
                )
            if len(args) == 1 and isinstance(args[0], list):
                args = args[0]  # a merge: called on a list of tensors
            return tuple(self._operand(arg, produced, where) for arg in args)
        if isinstance(call, list):  # tf.keras: [["layer", node, tensor, {kwargs}], ...]
            if call and isinstance(call[0], str):
                call = [call]  # TFOpLambda's single input, written unwrapped
            return tuple(self._legacy_operand(item, produced, where) for item in call)
        raise ModelStructureError(
            f"{self.source}: {where}: an inbound node Keras cannot have "
            f"written ({type(call).__name__})"
        )

    def _operand(self, value: Any, produced: Mapping[str, str], where: str) -> Any:
        if isinstance(value, Mapping) and value.get("class_name") == "__keras_tensor__":
            config = value.get("config") or {}
            history = config.get("keras_history")
            if not isinstance(history, list) or len(history) != 3:
                raise ModelStructureError(
                    f"{self.source}: {where}: a tensor without its keras_history"
                )
            tensor = self._tensor(history[0], history[2], produced, where)
            shape = config.get("shape")
            if isinstance(shape, list) and shape and tensor.name != INPUT:
                self.graph.recorded_shapes[tensor.name] = tuple(shape[1:])
            return tensor
        if isinstance(value, list) and _contains_tensor(value):
            raise ModelStructureError(
                f"{self.source}: {where} is called on a nested structure "
                "of tensors; a spec's layers take a tensor or a list"
            )
        return value

    def _legacy_operand(self, item: Any, produced: Mapping[str, str], where: str) -> Tensor:
        if not isinstance(item, list) or len(item) < 3:
            raise ModelStructureError(
                f"{self.source}: {where}: an inbound node that is not [layer, node, tensor, kwargs]"
            )
        return self._tensor(item[0], item[2], produced, where)

    def _tensor(self, layer: Any, index: Any, produced: Mapping[str, str], where: str) -> Tensor:
        if layer not in produced:
            raise ModelStructureError(
                f"{self.source}: {where} takes the output of {layer!r}, which is not defined "
                "before it"
            )
        if index != 0:
            raise ModelStructureError(
                f"{self.source}: {where} takes output {index} of {layer!r}; a spec's layers "
                "each give one output"
            )
        return Tensor(produced[str(layer)])

    def _structure(self, within: str, problem: str) -> ModelStructureError:
        what = f"the nested model {within.rstrip('/')!r}" if within else "the model"
        return ModelStructureError(f"{self.source}: {what} {problem}")


def _is_model(entry: Mapping[str, Any]) -> bool:
    config = entry.get("config")
    return entry.get("class_name") in MODEL_CLASSES or (
        isinstance(config, Mapping) and isinstance(config.get("layers"), list)
    )


def _entry_name(entry: Mapping[str, Any]) -> str:
    config = entry.get("config")
    name = entry.get("name") or (config.get("name") if isinstance(config, Mapping) else None)
    return str(name) if name else ""


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ModelStructureError(f"{where}: a configuration that is not an object")
    return value


def _leaves(value: Any) -> list[list[Any]]:
    """``["dense", 0, 0]`` or ``[["dense", 0, 0], ...]`` (or a dict of them) as a list of leaves."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value]
    if isinstance(value, Mapping):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return []


def _contains_tensor(value: Any) -> bool:
    if isinstance(value, Mapping):
        return value.get("class_name") == "__keras_tensor__" or any(
            _contains_tensor(item) for item in value.values()
        )
    if isinstance(value, list):
        return any(_contains_tensor(item) for item in value)
    return False


def _batch_shape(config: Mapping[str, Any]) -> KerasShape | None:
    """An ``InputLayer``'s (or a first layer's) shape without its batch axis, if written."""
    for key in ("batch_shape", "batch_input_shape"):
        shape = config.get(key)
        if isinstance(shape, list) and shape:
            return tuple(size if isinstance(size, int) else None for size in shape[1:])
    return None


def _sequential_input_shape(
    config: Mapping[str, Any], layers: Sequence[Mapping[str, Any]]
) -> KerasShape | None:
    """A Sequential's input: its InputLayer, the shape it was built for, or (tf.keras) the first
    layer's ``batch_input_shape``; None for a model never built."""
    for entry in layers[:1]:
        shape = _batch_shape(entry.get("config") or {})
        if shape is not None:
            return shape
    built = config.get("build_input_shape")
    if isinstance(built, list) and built:
        return tuple(size if isinstance(size, int) else None for size in built[1:])
    return None
