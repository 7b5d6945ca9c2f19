"""The plan file: what ``archplan plan PLAN.json`` reads, and the settings a search runs with.

A plan file says what the flags say and more: the families and their ranges, fixed first layers
and the training block the written specs get. Flags override the file. Everything is validated
before anything is searched, and every mistake is one line naming the file and the field.

::

    {
      "input": {"shape": [32, 32, 3]},
      "classes": 10,
      "families": {"plain": {"stages": [2, 3], "width": [32, 64]}, "resnet": {}},
      "constraints": {"max_params": "1M", "max_macs": "100M", "min_rf": 1.0},
      "objective": "budget",
      "top": 5,
      "fixed_layers": [{"type": "RandomFlip", "mode": "horizontal"}],
      "training": {"optimizer": "adam", "epochs": 20, "batch_size": 64}
    }
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema
from pydantic_core import ErrorDetails

from archplan.errors import ArchplanError, SpecError
from archplan.files.reading import read_json
from archplan.layers import any_layer, type_names
from archplan.layers.args import PositiveInt
from archplan.messages import layer_label, suggest
from archplan.planner.choices import DEFAULT_SAMPLES, DEFAULT_TOP, Objective
from archplan.planner.constraints import Limits
from archplan.planner.families import FAMILIES, Family, Problem
from archplan.planner.quantities import (
    QuantityError,
    parse_bytes,
    parse_count,
    parse_fraction,
    parse_range,
)
from archplan.planner.space import Choice, Space
from archplan.rules.sizes import DTYPE_BYTES
from archplan.schema import parse_spec
from archplan.schema.defaults import MAX_SEED
from archplan.schema.network import InputSpec
from archplan.schema.training import Training

AnyLayer = any_layer()
"""Any layer spec: a plan file names its fixed layers with the spec format's own union."""

DEFAULT_TRAINING: dict[str, Any] = {
    "optimizer": {"type": "Adam", "learning_rate": 0.001},
    "loss": "categorical_crossentropy",
    "metrics": ["accuracy"],
    "epochs": 20,
    "batch_size": 64,
    "validation_split": 0.1,
    "seed": 0,
}
"""The training block written specs get when the plan gives none: Adam suits every family."""
Dtype = Literal["float16", "bfloat16", "float32", "float64"]
MAX_CLASSES = 1_000_000
"""More classes than any data set has: a larger count is a typo, refused by its field's name."""


def _reading(parse: Any) -> Any:
    """A pydantic before-validator from a quantity parser: its message, without a traceback."""

    def read(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float, list)):
            raise ValueError(f"expected a number or a string such as '1M', got {value!r}")
        try:
            return parse(value)
        except QuantityError as problem:
            raise ValueError(str(problem)) from None

    return read


def _range(value: Any) -> Any:
    """``4``, ``"2..8"`` or ``[2, 8]`` (``null`` for no upper end)."""
    if isinstance(value, list):
        if len(value) != 2 or not all(isinstance(v, int) or v is None for v in value):
            raise ValueError(f"expected [smallest, largest], e.g. [2, 8], got {value!r}")
        low, high = value[0] or 1, value[1]
        if low < 1 or (high is not None and high < low):
            raise ValueError(f"{value!r} is not a range of sizes of at least 1, smallest first")
        return (low, high)
    return _reading(parse_range)(value)


_WHOLE = {"type": "integer", "minimum": 1}
Count = Annotated[
    int,
    BeforeValidator(_reading(parse_count)),
    WithJsonSchema(
        {"anyOf": [_WHOLE, {"type": "string", "pattern": r"^[0-9_,.]+\s*[KMGTkmgt]?$"}]}
    ),
]
"""A count: ``1000000``, ``"1M"``, ``"2.5G"``."""
ByteSize = Annotated[
    int,
    BeforeValidator(_reading(parse_bytes)),
    WithJsonSchema(
        {"anyOf": [_WHOLE, {"type": "string", "pattern": r"^[0-9_,.]+\s*([KMGTkmgt][iI]?)?[Bb]$"}]}
    ),
]
"""Bytes: ``67108864``, ``"64MB"``, ``"2.5GB"`` (1 KB = 1024 B)."""
Fraction = Annotated[
    float,
    BeforeValidator(_reading(parse_fraction)),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0}),
]
SizeRange = Annotated[
    tuple[int, int | None],
    BeforeValidator(_range),
    WithJsonSchema(
        {
            "anyOf": [
                _WHOLE,
                {"type": "string", "pattern": r"^\s*[0-9]*\s*(\.\.|:)?\s*[0-9]*\s*$"},
                {"type": "array", "minItems": 2, "maxItems": 2,
                 "items": {"anyOf": [_WHOLE, {"type": "null"}]}},
            ]
        }
    ),
]  # fmt: skip
"""``4``, ``"2..8"``, ``"2.."``, or ``[2, 8]`` (``null``: no upper end)."""


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Constraints(_Block):
    """Limits every written spec meets (see :mod:`archplan.planner.constraints`)."""

    max_params: Count | None = Field(None, description="Total parameters, e.g. '1M'.")
    max_macs: Count | None = Field(None, description="Multiply-accumulates per image, e.g. '100M'.")
    max_memory: ByteSize | None = Field(
        None, description="Training memory estimate at the batch size and dtype, e.g. '64MB'."
    )
    min_rf: Fraction | None = Field(
        None, description="Receptive field of the last spatial layer, as a share of the input."
    )
    final_size: SizeRange | None = Field(
        None, description="Spatial size before the head: 4, '2..8' or [2, 8]."
    )
    max_depth: PositiveInt | None = Field(None, description="Layers with weights.")

    def limits(self) -> Limits:
        return Limits(**self.model_dump())


FamilyRanges = dict[str, list[Choice]]
"""A family's parameters whose choices the plan narrows or widens, by name."""
FAMILIES_FORMS = (
    'a list of names (["plain", "resnet"]) or an object of each family\'s choices '
    '({"plain": {"width": [32, 64]}, "resnet": {}})'
)


def _families(value: Any) -> Any:
    """A list of names becomes ``{name: {}}``; anything but the two forms is refused plainly."""
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return {name: {} for name in value}
    if isinstance(value, Mapping):
        for name, ranges in value.items():
            if not isinstance(ranges, Mapping) or not all(
                isinstance(choices, list) for choices in ranges.values()
            ):
                raise ValueError(
                    f"{name}: expected an object of parameter choices, e.g. "
                    f'{{"width": [32, 64]}}, got {json.dumps(ranges)}'
                )
        return value
    raise ValueError(f"expected {FAMILIES_FORMS}, got {json.dumps(value)}")


FamiliesField = Annotated[
    dict[str, FamilyRanges],
    BeforeValidator(_families),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"enum": list(FAMILIES)}},
                {
                    "type": "object",
                    "propertyNames": {"enum": list(FAMILIES)},
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "minItems": 1},
                    },
                },
            ]
        }
    ),
]


class PlanFile(_Block):
    """A plan file: every field optional; flags fill in or override what it gives."""

    json_schema_url: str | None = Field(
        default=None, alias="$schema", description="Optional: the JSON Schema editors use."
    )
    description: str | None = None
    input: InputSpec | None = None
    classes: Annotated[int, Field(ge=2, le=MAX_CLASSES)] | None = None
    families: FamiliesField | None = Field(
        None,
        description="Family names, or each family's parameter choices by name "
        "(an empty object keeps a family's defaults).",
    )
    constraints: Constraints = Field(default_factory=Constraints)
    objective: Objective = Objective.budget
    top: PositiveInt = DEFAULT_TOP
    samples: PositiveInt = Field(
        DEFAULT_SAMPLES,
        description="Points per family: a family with no more is walked whole, else sampled.",
    )
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Seeds the sampling and the training.")
    dtype: Dtype = "float32"
    fixed_layers: list[AnyLayer] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Layers every candidate starts with."
    )
    training: Training | None = Field(
        None, description="The training block of the written specs (default: Adam, 20 epochs)."
    )

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


@dataclass(frozen=True)
class Overrides:
    """What the command line says; None: not given (the file's or the default value holds)."""

    input_shape: tuple[int, ...] | None = None
    classes: int | None = None
    families: tuple[str, ...] | None = None
    max_params: int | None = None
    max_macs: int | None = None
    max_memory: int | None = None
    min_rf: float | None = None
    final_size: tuple[int, int | None] | None = None
    max_depth: int | None = None
    objective: Objective | None = None
    top: int | None = None
    samples: int | None = None
    seed: int | None = None
    batch_size: int | None = None
    dtype: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything a search runs with, resolved from the plan file and the flags."""

    problem: Problem
    spaces: tuple[tuple[Family, Space], ...]
    """The families searched, each over its (possibly narrowed) space."""
    limits: Limits
    objective: Objective
    top: int
    samples: int
    seed: int
    dtype: str
    description: str | None = None

    @property
    def bytes_per_value(self) -> int:
        return DTYPE_BYTES[self.dtype]

    @property
    def batch_size(self) -> int:
        """The batch the memory limit is checked at: the written specs' own."""
        return self.training.batch_size

    @property
    def training(self) -> Training:
        return self.problem.training or Training()

    @property
    def family_names(self) -> tuple[str, ...]:
        return tuple(family.name for family, _ in self.spaces)

    def with_families(self, names: tuple[str, ...]) -> Settings:
        """The same settings over other families, each with its default space."""
        return replace(self, spaces=tuple((FAMILIES[n], FAMILIES[n].space()) for n in names))


def load_plan(path: Path) -> PlanFile:
    """Read and validate a plan file; every problem is one line naming the file and field."""
    data = read_json(path, kind="plan file")
    return parse_plan(data, source=str(path))


def parse_plan(data: Any, *, source: str = "<plan>") -> PlanFile:
    if not isinstance(data, Mapping):
        raise ArchplanError(f"{source}: a plan must be a JSON object, got a {type(data).__name__}")
    try:
        return PlanFile.model_validate_json(json.dumps(data))
    except ValidationError as error:
        raise ArchplanError(
            "\n".join(_problem(source, data, detail) for detail in error.errors())
        ) from None


def _problem(source: str, data: Mapping[str, Any], error: ErrorDetails) -> str:
    """One line per pydantic error: the file, the field (a fixed layer by its label), why."""
    loc = list(error["loc"])
    where = [source]
    if loc[:1] == ["fixed_layers"] and len(loc) > 1 and isinstance(loc[1], int):
        raw = data.get("fixed_layers")
        item = raw[loc[1]] if isinstance(raw, list) and loc[1] < len(raw) else None
        name = item.get("name") if isinstance(item, Mapping) else None
        kind = item.get("type") if isinstance(item, Mapping) else None
        where.append(
            "fixed_" + layer_label(
                loc[1], name if isinstance(name, str) else None,
                kind if isinstance(kind, str) else None,
            )
        )  # fmt: skip
        loc = [part for part in loc[2:] if part != kind]
    field = ".".join(str(part) for part in loc)
    if field:
        where.append(field)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}{_did_you_mean(error)}"
    elif error["type"] == "union_tag_invalid":
        tag = str(error.get("ctx", {}).get("tag"))
        message = f"unknown layer type {tag!r}{suggest(tag, type_names())}"
    elif error["type"] == "missing":
        message = "missing; this argument is required"
    elif error["type"] != "value_error":
        message = f"{message[0].lower()}{message[1:]}, got {json.dumps(error.get('input'))}"
    return ": ".join([*where, message])


def _did_you_mean(error: ErrorDetails) -> str:
    loc = error["loc"]
    fields: list[str] = [*PlanFile.model_fields, "$schema"]
    if loc[:1] == ("constraints",):
        fields = list(Constraints.model_fields)
    return suggest(str(loc[-1]), fields)


def resolve(plan: PlanFile, overrides: Overrides, *, source: str = "the flags") -> Settings:
    """The settings from a plan file and the flags (flags win); refuses what cannot be searched."""
    input_shape = overrides.input_shape or (plan.input.shape if plan.input else None)
    classes = overrides.classes or plan.classes
    if input_shape is None or classes is None:
        missing = [
            *(["--input-shape (e.g. 32x32x3)"] if input_shape is None else []),
            *(["--classes (e.g. 10)"] if classes is None else []),
        ]
        raise ArchplanError(
            f"give {' and '.join(missing)}, or a plan file with 'input' and 'classes'"
        )
    if len(input_shape) != 3:
        raise ArchplanError(
            f"{source}: input: the families plan image networks; give height, width and "
            f"channels, got {list(input_shape)}"
        )
    training = plan.training or Training.model_validate_json(json.dumps(DEFAULT_TRAINING))
    if overrides.batch_size is not None:
        training = training.model_copy(update={"batch_size": overrides.batch_size})
    given = {key: getattr(overrides, key) for key in Limits.__dataclass_fields__}
    limits = replace(
        plan.constraints.limits(), **{key: value for key, value in given.items() if value}
    )
    settings = Settings(
        problem=Problem(tuple(input_shape), classes, tuple(plan.fixed_layers), training),
        spaces=_spaces(plan, overrides.families, source),
        limits=limits,
        objective=overrides.objective or plan.objective,
        top=overrides.top or plan.top,
        samples=overrides.samples or plan.samples,
        seed=plan.seed if overrides.seed is None else overrides.seed,
        dtype=overrides.dtype or plan.dtype,
        description=plan.description,
    )
    _check_fixed_layers(settings, source)
    return settings


def _spaces(
    plan: PlanFile, chosen: tuple[str, ...] | None, source: str
) -> tuple[tuple[Family, Space], ...]:
    """Each family searched with its space: the plan's ranges where it gives them."""
    ranges = plan.families or {}
    names = list(chosen) if chosen else list(ranges) or list(FAMILIES)
    where = "--family" if chosen else f"{source}: families"
    if not names:
        raise ArchplanError(f"{where}: name at least one of {', '.join(FAMILIES)}")
    spaces = []
    for name in dict.fromkeys(names):
        family = FAMILIES.get(name)
        if family is None:
            raise ArchplanError(
                f"{where}: unknown family {name!r}{suggest(name, list(FAMILIES))}; "
                f"one of {', '.join(FAMILIES)}"
            )
        spaces.append((family, _narrowed(family, ranges.get(name, {}), source)))
    return tuple(spaces)


def _narrowed(family: Family, ranges: FamilyRanges, source: str) -> Space:
    params = {param.name: param for param in family.params}
    chosen = dict(params)
    for name, choices in ranges.items():
        if name not in params:
            raise ArchplanError(
                f"{source}: families.{family.name}: unknown parameter {name!r}"
                f"{suggest(name, list(params))}; {family.name}'s are {', '.join(params)}"
            )
        try:
            chosen[name] = params[name].with_choices(tuple(choices))
        except ValueError as problem:
            raise ArchplanError(f"{source}: families.{family.name}.{problem}") from None
    space = Space(tuple(chosen.values()))
    _check_widths(family, space, source)
    return space


MAX_WIDTH = 2**31 - 1
"""The most channels a layer may have: Keras' and TensorFlow's sizes are 32-bit integers."""


def _check_widths(family: Family, space: Space, source: str) -> None:
    """Refuse a width rule whose widest stage exceeds :data:`MAX_WIDTH` (``width_factor``: 1e300),
    before any network is built; the check is in logarithms, so no number overflows."""
    names = {param.name for param in space.params}
    if not {"width", "width_factor", "stages"} <= names:
        return
    width = max(float(value) for value in space.param("width").choices)
    factor = max(max(float(value) for value in space.param("width_factor").choices), 1.0)
    stages = max(int(value) for value in space.param("stages").choices)
    if math.log(width) + (stages - 1) * math.log(factor) > math.log(MAX_WIDTH):
        raise ArchplanError(
            f"{source}: families.{family.name}: width {width:g} × width_factor {factor:g} per "
            f"stage over {stages} stages gives layers wider than {MAX_WIDTH:,} channels, the most "
            "Keras holds; lower width_factor, width or stages"
        )


def _check_fixed_layers(settings: Settings, source: str) -> None:
    """Build one network per family and validate it in full: a fixed layer whose name clashes
    with a generated one, or that the body cannot follow, is refused before the search."""
    if not settings.problem.fixed_layers:
        return
    for family, space in settings.spaces:
        network = family.network(space.point(0), settings.problem)
        try:
            parse_spec(network.model_dump(mode="json", by_alias=True, exclude_none=True))
        except SpecError as error:
            raise ArchplanError(
                f"{source}: fixed_layers: a {family.name} network with these layers is not "
                f"valid: {str(error).removeprefix('<spec>: ')}"
            ) from None
