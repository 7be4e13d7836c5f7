"""What a caller asks the registry to register, validated on construction.

>>> r = RegistrationRequest.from_metadata({"title": "Rain", "model": "m", "model_version": "1"})
>>> r.kind, r.registrant
('article', None)
>>> RegistrationRequest.from_metadata({"model": 3})
Traceback (most recent call last):
...
registry.errors.InvalidInputError: metadata field 'model' must be a string, got int
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidInputError

KINDS = ("article", "video", "image")
_STRING_FIELDS = ("title", "model", "model_version", "model_provider", "prompt", "registrant", "kind",
                  "training_mining", "training_constraint", "embargo_until")
_BOOL_FIELDS = ("unpublished",)
_LIST_FIELDS = ("datasets", "editors", "parents", "edit_actions")
_MAPPING_FIELDS = ("generation_parameters",)
#: CAWG training-and-data-mining policies; the default keeps every AI use off until the registrant allows it.
TRAINING_POLICIES = ("notAllowed", "allowed", "constrained")
_IGNORED_FIELDS = ("language",)


MAX_METADATA_DEPTH = 16  # objects and lists nested deeper than this are refused
MAX_METADATA_BYTES = 256 * 1024


def parse_metadata(text: str | bytes) -> object:
    """A metadata document parsed as JSON within bounds: at most MAX_METADATA_BYTES and
    MAX_METADATA_DEPTH levels deep (a deeply nested document is refused, never a recursion error).

    >>> parse_metadata('{"model": "m"}')
    {'model': 'm'}
    >>> parse_metadata("[" * 100_000)
    Traceback (most recent call last):
    ...
    registry.errors.InvalidInputError: metadata nests deeper than 16 levels
    """
    if len(text) > MAX_METADATA_BYTES:
        raise InvalidInputError(f"metadata is {len(text):,} bytes, the limit is {MAX_METADATA_BYTES:,}")
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    depth = deepest = 0
    in_string = escaped = False
    for char in raw:  # count nesting before the parser recurses
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_METADATA_DEPTH:
                raise InvalidInputError(f"metadata nests deeper than {MAX_METADATA_DEPTH} levels")
        elif char in "]}":
            depth -= 1
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise InvalidInputError(f"metadata is not valid JSON: {e}") from e


@dataclass(frozen=True)
class RegistrationRequest:
    title: str | None = None
    kind: str = "article"
    model: str | None = None
    model_version: str | None = None
    model_provider: str | None = None
    datasets: tuple[str, ...] = ()  # "URI" or "URI LICENCE"
    prompt: str | None = None
    editors: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    registrant: str | None = None
    edit_actions: tuple[str, ...] = ()  # C2PA action names done after generation: c2pa.cropped ...
    generation_parameters: Mapping[str, Any] = field(default_factory=dict)
    training_mining: str | None = None  # one policy for inference, training, generative training, mining
    training_constraint: str | None = None  # how to ask, when the policy is "constrained"
    embargo_until: str | None = None  # ISO date or time: unpublished until then
    unpublished: bool = False  # unpublished until its organisation publishes it
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInputError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.title is not None and not (0 < len(self.title.strip()) <= 500):
            raise InvalidInputError("title must be 1 to 500 characters")
        if len(set(self.parents)) != len(self.parents):
            raise InvalidInputError("a parent is listed twice")
        if len(self.parents) > 16:
            raise InvalidInputError(f"at most 16 parents, got {len(self.parents)}")
        if self.training_mining is not None and self.training_mining not in TRAINING_POLICIES:
            raise InvalidInputError(
                f"training_mining must be one of {', '.join(TRAINING_POLICIES)}, got {self.training_mining!r}")
        if self.unpublished and self.embargo_until:
            raise InvalidInputError("give either unpublished or embargo_until, not both")

    @classmethod
    def from_metadata(cls, data: object, **overrides: Any) -> RegistrationRequest:
        """Build from a JSON object (the samples' `.json` layout); `overrides` win when not None/empty."""
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"metadata must be a JSON object, got {type(data).__name__}")
        values: dict[str, Any] = {}
        extra = {}
        for key, value in data.items():
            if key in _STRING_FIELDS:
                if value is not None and not isinstance(value, str):
                    raise InvalidInputError(
                        f"metadata field {key!r} must be a string, got {type(value).__name__}"
                    )
                values[key] = value
            elif key in _LIST_FIELDS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise InvalidInputError(f"metadata field {key!r} must be a list of strings")
                values[key] = tuple(value)
            elif key in _BOOL_FIELDS:
                if not isinstance(value, bool):
                    raise InvalidInputError(f"metadata field {key!r} must be true or false")
                values[key] = value
            elif key in _MAPPING_FIELDS:
                if not isinstance(value, Mapping):
                    raise InvalidInputError(f"metadata field {key!r} must be a JSON object")
                values[key] = dict(value)
            elif key not in _IGNORED_FIELDS:
                extra[key] = value
        for key, value in overrides.items():
            if value not in (None, (), [], {}, False):
                values[key] = tuple(value) if key in _LIST_FIELDS else value
        return cls(**values, extra=extra)
