"""Fields that take one of several models, validated by the one a value's ``type`` names.

A discriminated union builds every member's validator before it checks a value, and needs every
member's class created first; these fields load and build only the class a value names, so a spec
of three layer types (or a training block without a schedule) pays for what it uses. The JSON
Schema still shows the whole union: :class:`UnionSchema` builds it when a schema is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema


class UnionSchema:
    """An annotation: the field's JSON Schema is the one of the type ``build()`` returns."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self.build = build

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        from pydantic import TypeAdapter  # only when a schema is asked for

        return handler(TypeAdapter(self.build()).core_schema)
