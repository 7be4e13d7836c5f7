"""Types that both validate a request and describe it in the OpenAPI document, so the two cannot
disagree: strict JSON bodies, integers as JSON Schema counts them, ISO dates.

>>> from pydantic import TypeAdapter
>>> bps = TypeAdapter(integer(ge=0, le=10_000))
>>> bps.validate_python(2.0), bps.json_schema()
(2, {'maximum': 10000, 'minimum': 0, 'type': 'integer'})
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class StrictBody(BaseModel):
    """A JSON body: its fields' types exactly (no "1" for 1, no 0 for false)."""

    model_config = ConfigDict(strict=True)


def _integral(value: object) -> object:
    """JSON Schema's integers include 2.0: an integral float is that integer (1.5, "2" and true are not)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def integer(**bounds: int) -> Any:
    """An int within `bounds` (ge, le...); the bounds come before the validator, or pydantic's
    document would carry them under their Python names instead of minimum and maximum."""
    return Annotated[int, Field(**bounds), BeforeValidator(_integral)]
IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]  # checked by the registry: 422 if not a date
