"""``archplan export``: a spec as a standalone Keras script a learner can read, run and change.

The script has the tutorial's parts: imports; ``build_model()`` (``keras.Sequential`` for a chain,
the functional API when the network branches); ``compile_model()`` with the spec's optimizer,
schedule, loss, label smoothing and metrics; ``load_cifar10()`` feeding pixels as the spec's
``rescale`` says; and ``main()``, which prints ``model.summary()``, fits with the spec's epochs,
batch size and validation split, and evaluates on the test images.

Arguments equal to Keras' defaults are left out, and so are layer names Keras would give anyway
(in a fresh session Keras names the first Conv2D ``conv2d``, the next ``conv2d_1``, ...): the model
``build_model()`` returns has the names, types, shapes and parameters of ``archplan realize``'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from archplan.engine.graph import reaching_output
from archplan.engine.trace import Trace
from archplan.interop.arguments import given_arguments, required_arguments
from archplan.interop.layout import is_chain
from archplan.interop.pysource import (
    INDENT,
    Call,
    Code,
    Expr,
    Items,
    Keyword,
    comment,
    docstring_safe,
    identifier,
    literal,
    statement,
    wrapped,
)
from archplan.layers import Layer
from archplan.layers.args import Regularizer
from archplan.layers.preprocessing import Normalization
from archplan.schema import Network, Training
from archplan.schema.network import INPUT, Node
from archplan.schema.schedules import (
    CosineDecay,
    ExponentialDecay,
    OneCycle,
    PiecewiseConstantDecay,
    Schedule,
)
from archplan.schema.training import EarlyStopping

CIFAR10_SHAPE = (32, 32, 3)
CIFAR10_CLASSES = 10
STEPS = "steps_per_epoch"
"""The name the script gives the optimizer steps of one epoch."""
KERAS_EARLY_STOPPING = EarlyStopping(patience=0, restore_best_weights=False)
"""Keras' own EarlyStopping defaults (archplan's patience and restore_best_weights differ)."""
BEST_FILE = "best.keras"


def python_script(network: Network, trace: Trace, *, source: str) -> str:
    """The script for ``network`` (traced as ``trace``), exported from the spec file ``source``."""
    training = network.training_settings
    schedule = _schedule_lines(training)
    head = [_header(network, trace, source), _imports(needs_math=schedule.needs_steps)]
    definitions = [
        *([ONE_CYCLE_CLASS] if isinstance(training.optimizer.learning_rate, OneCycle) else []),
        _build_model(network),
        _compile_model(training, schedule),
        _load_cifar10(training),
        _main(network, training, steps=schedule.needs_steps),
        'if __name__ == "__main__":\n    main()\n',
    ]
    return "\n".join([*head, _constants(training)]) + "\n\n" + "\n\n".join(definitions)


def fits_cifar10(trace: Trace) -> bool:
    """Whether ``main()`` can train the network on CIFAR-10 as it is (32×32×3 in, 10 out)."""
    return trace.input_shape == CIFAR10_SHAPE and trace.output_shape == (CIFAR10_CLASSES,)


def _header(network: Network, trace: Trace, source: str) -> str:
    name = network.name or "network"
    macs = f", {trace.total_macs:,} MACs per image" if trace.total_macs is not None else ""
    paragraphs = [
        f"{name}: a Keras model exported by archplan from {source}.",
        f"{len(trace.counted)} layers, {trace.total_params:,} parameters{macs} (archplan trace). "
        "build_model() builds the network; main() trains it on CIFAR-10 with the spec's training "
        "settings and evaluates it on the test images. Run this file with Python and Keras 3.",
    ]
    if not fits_cifar10(trace):
        paragraphs.append(
            f"The network takes {trace.input_shape} and gives {trace.output_shape}, not "
            f"CIFAR-10's {CIFAR10_SHAPE} images and {CIFAR10_CLASSES} classes: main() needs your "
            "own data."
        )
    text = "\n\n".join(wrapped(paragraph) for paragraph in paragraphs)
    return f'"""{docstring_safe(text)}\n"""\n'


def _imports(*, needs_math: bool) -> str:
    return ("import math\n\n" if needs_math else "") + "import keras\nfrom keras import layers\n"


def _constants(training: Training) -> str:
    lines = [
        f"EPOCHS = {training.epochs}",
        f"BATCH_SIZE = {training.batch_size}",
        f"VALIDATION_SPLIT = {training.validation_split!r}",
    ]
    if training.seed is not None:
        lines.append(f"SEED = {training.seed}")
    return "\n".join(lines) + "\n"


# build_model()


def _build_model(network: Network) -> str:
    nodes = network.nodes()
    if is_chain(nodes):
        return _sequential(network, nodes)
    return _functional(network, nodes)


def _input_call(network: Network) -> Call:
    return Call(Code("keras.Input"), (Keyword("shape", literal(network.input_shape)),))


def _sequential(network: Network, nodes: list[Node]) -> str:
    namer = _KerasNames()
    layers = tuple(_layer_call(node, namer) for node in nodes)
    model = Call(
        Code("keras.Sequential"),
        (Items((_input_call(network), *layers)), Keyword("name", literal(_model_name(network)))),
    )
    docstring = '"""The network as a chain: each layer takes the output of the one before."""'
    return f"def build_model():\n{' ' * INDENT}{docstring}\n{statement('return ', model)}\n"


def _functional(network: Network, nodes: list[Node]) -> str:
    reached = reaching_output(nodes)
    variables = _variables([node for node in nodes if node.name in reached])
    namer = _KerasNames()
    docstring = '"""The network as a graph: each layer is called on the outputs it takes."""'
    lines = [
        "def build_model():",
        " " * INDENT + docstring,
        statement("inputs = ", _input_call(network)),
    ]
    for node in nodes:
        if node.name not in reached:
            lines += comment(
                f"{node.name!r} ({node.layer.keras_class}) is left out: nothing uses its output, "
                "so Keras would leave it out of the model too."
            )
            continue
        operands = tuple(Code(variables[name]) for name in node.inputs)
        taken: tuple[Expr, ...] = (
            (Items(operands),)
            if node.layer.merges
            else tuple(node.layer.call_inputs(list(operands)))
        )
        lines.append(statement(f"{variables[node.name]} = ", Call(_layer_call(node, namer), taken)))
    outputs = Keyword("name", literal(_model_name(network)))
    model = Call(Code("keras.Model"), (Code("inputs"), Code("outputs"), outputs))
    lines.append(statement("return ", model))
    return "\n".join(lines) + "\n"


def _variables(nodes: list[Node]) -> dict[str, str]:
    """The variable holding each output: ``x`` when only the next layer takes it, the layer's
    name when more do (or a later one), ``outputs`` for the last; ``inputs`` for the input."""
    uses: dict[str, list[int]] = {}
    for position, node in enumerate(nodes):
        for name in node.inputs:
            uses.setdefault(name, []).append(position)
    taken = {"x", "inputs", "outputs", "keras", "layers", "math", "model"}
    variables = {INPUT: "inputs"}
    for position, node in enumerate(nodes):
        if position == len(nodes) - 1:
            variables[node.name] = "outputs"
        elif uses.get(node.name) == [position + 1]:
            variables[node.name] = "x"
        else:
            variables[node.name] = identifier(node.name, taken)
    return variables


def _model_name(network: Network) -> str:
    return (network.name or "network").replace("/", "_")


@dataclass
class _KerasNames:
    """The names Keras gives layers in a fresh session, to write only those it would not give."""

    counts: dict[str, int] = field(default_factory=dict)

    def needs_name(self, node: Node) -> bool:
        """Whether the call must say ``name=``; when it need not, Keras' count moves on."""
        if node.layer.name is not None:
            return True  # the spec's own name: part of what the reader should see
        prefix = node.layer.default_name_prefix()
        count = self.counts.get(prefix, 0)
        if node.name != (prefix if count == 0 else f"{prefix}_{count}"):
            return True
        self.counts[prefix] = count + 1
        return False


def _layer_call(node: Node, namer: _KerasNames) -> Call:
    """``layers.Conv2D(64, 3, padding="same", activation="relu")``: required arguments by
    position, the others by keyword where they differ from Keras' defaults."""
    layer = node.layer
    given = given_arguments(layer)
    positional = required_arguments(type(layer))
    arguments: list[Expr] = [_value(layer, name, given[name]) for name in positional]
    arguments += [
        Keyword(name, _value(layer, name, value))
        for name, value in given.items()
        if name not in positional
    ]
    if namer.needs_name(node):
        arguments.append(Keyword("name", literal(node.name)))
    return Call(Code(f"layers.{layer.keras_class}"), tuple(arguments))


def _value(layer: Layer, name: str, value: Any) -> Expr:
    penalty = getattr(layer, name)
    if isinstance(penalty, Regularizer):
        return _regularizer(penalty)
    return literal(value)


def _regularizer(penalty: Regularizer) -> Call:
    if penalty.l1 and not penalty.l2:
        return Call(Code("keras.regularizers.L1"), (literal(penalty.l1),))
    if penalty.l2 and not penalty.l1:
        return Call(Code("keras.regularizers.L2"), (literal(penalty.l2),))
    return Call(
        Code("keras.regularizers.L1L2"),
        (Keyword("l1", literal(penalty.l1)), Keyword("l2", literal(penalty.l2))),
    )


# compile_model()


@dataclass(frozen=True)
class _Schedule:
    """The lines that make the learning rate, and whether they need the steps of an epoch."""

    lines: tuple[str, ...] = ()
    rate: Expr | None = None

    @property
    def needs_steps(self) -> bool:
        return any(STEPS in line for line in self.lines)


def _schedule_lines(training: Training) -> _Schedule:
    rate = training.optimizer.learning_rate
    if not isinstance(rate, (CosineDecay, ExponentialDecay, PiecewiseConstantDecay, OneCycle)):
        return _Schedule()
    setup, schedule = _schedule_call(rate)
    lines = (*setup, statement("learning_rate = ", schedule))
    return _Schedule(lines, Code("learning_rate"))


def _in_steps(steps: int | None, epochs: float | None) -> str | None:
    """A length as the script computes it: steps as given, epochs times the epoch's steps."""
    if steps:
        return str(steps)
    if epochs:
        if float(epochs).is_integer():
            return f"{int(epochs)} * {STEPS}"
        return f"max(1, round({epochs!r} * {STEPS}))"
    return None


def _schedule_call(rate: Schedule) -> tuple[tuple[str, ...], Call]:
    """Lines to compute lengths first (if any), and the schedule's constructor."""
    if isinstance(rate, CosineDecay):
        warmup = _in_steps(rate.warmup_steps, rate.warmup_epochs)
        decay = _in_steps(rate.decay_steps, rate.decay_epochs)
        if decay is None:  # the rest of the run after the warm-up
            decay = f"max(1, EPOCHS * {STEPS} - {warmup})" if warmup else f"EPOCHS * {STEPS}"
        arguments: list[Expr] = [
            Keyword("initial_learning_rate", literal(rate.initial_learning_rate)),
            Keyword("decay_steps", Code(decay)),
        ]
        if rate.alpha:
            arguments.append(Keyword("alpha", literal(rate.alpha)))
        if rate.warmup_target is not None and warmup:
            arguments += [
                Keyword("warmup_target", literal(rate.warmup_target)),
                Keyword("warmup_steps", Code(warmup)),
            ]
        return (), Call(Code("keras.optimizers.schedules.CosineDecay"), tuple(arguments))
    if isinstance(rate, ExponentialDecay):
        arguments = [
            Keyword("initial_learning_rate", literal(rate.initial_learning_rate)),
            Keyword("decay_steps", Code(_in_steps(rate.decay_steps, rate.decay_epochs) or "1")),
            Keyword("decay_rate", literal(rate.decay_rate)),
        ]
        if rate.staircase:
            arguments.append(Keyword("staircase", literal(True)))
        return (), Call(Code("keras.optimizers.schedules.ExponentialDecay"), tuple(arguments))
    if isinstance(rate, PiecewiseConstantDecay):
        if rate.boundaries is not None:
            bounds: Expr = literal(list(rate.boundaries))
        else:  # epoch e starts at step e·steps; the step before it is the earlier rate's last
            epochs = rate.boundaries_epochs or []
            bounds = Items(tuple(Code(f"{epoch} * {STEPS} - 1") for epoch in epochs))
        return (), Call(
            Code("keras.optimizers.schedules.PiecewiseConstantDecay"),
            (Keyword("boundaries", bounds), Keyword("values", Items(tuple(
                literal(value) for value in rate.values)))),
        )  # fmt: skip
    return _one_cycle(rate)


def _one_cycle(rate: OneCycle) -> tuple[tuple[str, ...], Call]:
    total = _in_steps(rate.total_steps, rate.total_epochs) or f"EPOCHS * {STEPS}"
    setup = (f"{' ' * INDENT}total_steps = {total}",)
    arguments: list[Expr] = [
        Keyword("max_learning_rate", literal(rate.max_learning_rate)),
        Keyword("total_steps", Code("total_steps")),
        Keyword(
            "warmup_steps",
            Code(f"min(round({rate.warmup_fraction!r} * total_steps), total_steps - 1)"),
        ),
    ]
    defaults = OneCycle(type="OneCycle", max_learning_rate=rate.max_learning_rate)
    for name in ("start_factor", "end_factor"):
        if getattr(rate, name) != getattr(defaults, name):
            arguments.append(Keyword(name, literal(getattr(rate, name))))
    return setup, Call(Code("OneCycle"), tuple(arguments))


def _compile_model(training: Training, schedule: _Schedule) -> str:
    optimizer = training.optimizer
    given = optimizer.model_dump(mode="json", exclude_defaults=True)
    arguments: list[Expr] = []
    if schedule.rate is not None:
        arguments.append(Keyword("learning_rate", schedule.rate))
    for name, value in given.items():
        if name != "type" and (name != "learning_rate" or schedule.rate is None):
            arguments.append(Keyword(name, literal(value)))
    constructor = Call(Code(f"keras.optimizers.{optimizer.type}"), tuple(arguments))
    compiled = Call(
        Code("model.compile"),
        (
            Keyword("optimizer", constructor),
            Keyword("loss", _loss(training)),
            Keyword("metrics", Items(tuple(literal(metric) for metric in training.metrics))),
        ),
    )
    signature = f"model, {STEPS}" if schedule.needs_steps else "model"
    docstring = '"""The optimizer, loss and metrics of the spec\'s training block."""'
    lines = [f"def compile_model({signature}):", " " * INDENT + docstring, *schedule.lines]
    return "\n".join([*lines, statement("", compiled)]) + "\n"


def _loss(training: Training) -> Expr:
    if training.label_smoothing:
        return Call(
            Code("keras.losses.CategoricalCrossentropy"),
            (Keyword("label_smoothing", literal(training.label_smoothing)),),
        )
    return literal(training.loss)


# The data and main()


def _scaled(variable: str, scale: float, offset: float) -> str:
    """``x.astype("float32") / 255``: the pixels as the spec's ``rescale`` feeds them (a scale
    whose inverse is a short decimal, 1/255 or 1/127.5, reads as a division)."""
    text = f'{variable}.astype("float32")'
    inverse = round(1 / scale, 3) if scale else 0.0
    if scale != 1 and inverse and abs(1 / scale - inverse) < 1e-9:
        text += f" / {inverse:g}"
    elif scale != 1:
        text += f" * {scale!r}"
    if offset:
        text += f" {'-' if offset < 0 else '+'} {abs(offset)!r}"
    return text


def _load_cifar10(training: Training) -> str:
    scale, offset = training.rescale.scale, training.rescale.offset
    one_hot = training.loss == "categorical_crossentropy"
    encoding = ", labels one-hot" if one_hot else ", labels as class numbers"
    lines = [
        "def load_cifar10():",
        f'{" " * INDENT}"""CIFAR-10, pixels scaled as in the spec{encoding}."""',
        f"{' ' * INDENT}(x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()",
        f"{' ' * INDENT}x_train = {_scaled('x_train', scale, offset)}",
        f"{' ' * INDENT}x_test = {_scaled('x_test', scale, offset)}",
    ]
    if one_hot:
        lines += [
            f"{' ' * INDENT}y_train = keras.utils.to_categorical(y_train, {CIFAR10_CLASSES})",
            f"{' ' * INDENT}y_test = keras.utils.to_categorical(y_test, {CIFAR10_CLASSES})",
        ]
    lines.append(f"{' ' * INDENT}return (x_train, y_train), (x_test, y_test)")
    return "\n".join(lines) + "\n"


def _main(network: Network, training: Training, *, steps: bool) -> str:
    pad = " " * INDENT
    lines = ["def main():", f'{pad}"""Train on CIFAR-10 as the spec says, then test."""']
    if training.seed is not None:
        lines.append(f"{pad}keras.utils.set_random_seed(SEED)")
    lines += [
        f"{pad}(x_train, y_train), (x_test, y_test) = load_cifar10()",
        f"{pad}model = build_model()",
        f"{pad}model.summary()",
        *_adapt_lines(network),
    ]
    if steps:
        lines += [
            f"{pad}train_count = int(len(x_train) * (1 - VALIDATION_SPLIT))",
            f"{pad}{STEPS} = math.ceil(train_count / BATCH_SIZE)",
            f"{pad}compile_model(model, {STEPS})",
        ]
    else:
        lines.append(f"{pad}compile_model(model)")
    fit: list[Expr] = [
        Code("x_train"),
        Code("y_train"),
        Keyword("batch_size", Code("BATCH_SIZE")),
        Keyword("epochs", Code("EPOCHS")),
        Keyword("validation_split", Code("VALIDATION_SPLIT")),
    ]
    callbacks = _callbacks(training)
    if callbacks:
        fit.append(Keyword("callbacks", Items(callbacks)))
    lines.append(statement("", Call(Code("model.fit"), tuple(fit))))
    if training.checkpoint_best is not None:
        lines.append(f'{pad}model.load_weights("{BEST_FILE}")  # the best epoch, as kept')
    if "accuracy" in training.metrics:
        lines += [
            f"{pad}loss, accuracy = model.evaluate(x_test, y_test)",
            f'{pad}print(f"test loss {{loss:.4f}}, test accuracy {{accuracy:.2%}}")',
        ]
    else:
        lines += [
            f"{pad}loss = model.evaluate(x_test, y_test)",
            f'{pad}print(f"test loss {{loss:.4f}}")',
        ]
    return "\n".join(lines) + "\n"


def _adapt_lines(network: Network) -> list[str]:
    """A Normalization without mean and variance learns them from the training images when it
    takes them directly; deeper in the network it stays as Keras starts it, and says so."""
    lines = []
    for node in network.nodes():
        if isinstance(node.layer, Normalization) and node.layer.adapted:
            if node.inputs == (INPUT,):
                name = json.dumps(node.name)  # a string literal, whatever the name holds
                lines.append(f"{' ' * INDENT}model.get_layer({name}).adapt(x_train)")
            else:
                lines += comment(
                    f"{node.name!r} (Normalization) has no mean and variance and takes no "
                    "images directly, so it is not adapted here: it keeps Keras' initial "
                    "mean 0 and variance 1."
                )
    return lines


def _callbacks(training: Training) -> tuple[Expr, ...]:
    callbacks: list[Expr] = []
    stopping = training.early_stopping
    if stopping is not None:
        arguments = [
            Keyword(name, literal(getattr(stopping, name)))
            for name in type(stopping).model_fields
            if getattr(stopping, name) != getattr(KERAS_EARLY_STOPPING, name)
        ]
        callbacks.append(Call(Code("keras.callbacks.EarlyStopping"), tuple(arguments)))
    keeper = training.checkpoint_best
    if keeper is not None:
        callbacks.append(
            Call(
                Code("keras.callbacks.ModelCheckpoint"),
                (
                    literal(BEST_FILE),
                    Keyword("monitor", literal(keeper.monitor)),
                    Keyword("save_best_only", literal(True)),
                ),
            )
        )
    return tuple(callbacks)


ONE_CYCLE_CLASS = '''\
@keras.saving.register_keras_serializable(package="exported")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """One cycle: a linear climb from max·start_factor to max at warmup_steps, a linear descent
    to max·end_factor at total_steps, then constant (Keras has no such schedule)."""

    def __init__(
        self,
        max_learning_rate,
        total_steps,
        warmup_steps,
        start_factor=0.04,
        end_factor=4e-6,
        name="OneCycle",
    ):
        super().__init__()
        self.max_learning_rate = max_learning_rate
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.name = name

    def __call__(self, step):
        ops = keras.ops
        step = ops.cast(step, "float32")
        peak, top = float(self.warmup_steps), self.max_learning_rate
        start, end = top * self.start_factor, top * self.end_factor
        climbed = ops.clip(step / max(peak, 1.0), 0.0, 1.0)
        fallen = ops.clip((step - peak) / (self.total_steps - peak), 0.0, 1.0)
        rising = start + (top - start) * climbed
        falling = top + (end - top) * fallen
        return ops.where(step < peak, rising, falling)

    def get_config(self):
        return {
            "max_learning_rate": self.max_learning_rate,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
            "start_factor": self.start_factor,
            "end_factor": self.end_factor,
            "name": self.name,
        }
'''
