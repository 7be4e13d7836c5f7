"""The provenance record of an AI-generated work: valid by construction, storage-agnostic.

:class:`AIProvenance` is what the registry knows about how a work was made (model, training data,
prompt digest, human editors). It travels inside the C2PA manifest as the custom assertion
``org.aigc-registry.ai-generation`` and back out of it through :meth:`AIProvenance.from_dict`.
:class:`ParentManifest` names a registered work this one derives from.

Following python-tuf ADR 0008, ``from_dict`` keeps keys it does not recognise in ``extra`` and
``to_dict`` writes them back, so a newer writer's fields survive a round trip through older code.

>>> record = AIProvenance(
...     model_name="qwen",
...     model_version="2.5-72b",
...     dataset_sources=("https://example.org/corpus", "doi:10.1000/182"),
...     prompt_digest=prompt_digest_of("写一首关于春天的诗"),
... )
>>> AIProvenance.from_dict(record.to_dict()) == record
True
>>> AIProvenance(model_name="", model_version="1")
Traceback (most recent call last):
...
provenance.errors.InvalidRecordError: model_name must be a non-empty string, got ''
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from provenance.errors import InvalidRecordError

__all__ = ["AIProvenance", "DatasetSource", "EditAction", "InvalidRecordError", "ParentManifest", "prompt_digest_of"]

#: Longest accepted single-line field (model name, version, provider, editor, work id).
MAX_NAME_CHARS = 256
#: Longest accepted title or URI.
MAX_TEXT_CHARS = 2048

PROMPT_DIGEST_PREFIX = "sha256:"
_PROMPT_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":" and more.
# Two characters at least, so a Windows path such as C:\data is not taken for a URI.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+:[^\s\x00-\x1f\x7f-\x9f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")

_KNOWN_KEYS = (
    "model_name",
    "model_version",
    "model_provider",
    "dataset_sources",
    "prompt_digest",
    "generation_parameters",
    "editors",
    "edit_actions",
    "title",
)
#: Most generation parameters a record carries (seed, steps, temperature...), and the longest key.
MAX_PARAMETERS = 64
# C2PA 2.x section 18.15.4.1 action names: ``c2pa.<name>`` or a custom reverse-DNS label.
_ACTION = re.compile(r"[a-z][a-z0-9_-]*(\.[a-z0-9_][a-z0-9_-]*)+", re.IGNORECASE)
#: Actions the registry writes itself (the first action of a manifest): not for ``edit_actions``.
RESERVED_ACTIONS = frozenset({"c2pa.created", "c2pa.opened"})


@dataclass(frozen=True)
class DatasetSource:
    """A training-data source: a URI with a scheme, and its licence (SPDX id, URL or name) if known.

    >>> DatasetSource.parse("https://example.org/corpus CC-BY-4.0")
    DatasetSource(uri='https://example.org/corpus', licence='CC-BY-4.0')
    """

    uri: str
    licence: str | None = None

    def __post_init__(self) -> None:
        _check_uri("uri", self.uri)
        if self.licence is not None:
            _check_text("licence", self.licence)

    @classmethod
    def parse(cls, text: str) -> DatasetSource:
        """``"URI"`` or ``"URI LICENCE"`` (a URI holds no whitespace, so the first space splits)."""
        if not isinstance(text, str):
            raise InvalidRecordError(f"a dataset source must be a string, got {type(text).__name__}")
        uri, _, licence = text.strip().partition(" ")
        return cls(uri, licence.strip() or None)

    @classmethod
    def from_value(cls, value: object) -> DatasetSource:
        """A :class:`DatasetSource`, a ``"URI [LICENCE]"`` string or a ``{"uri", "licence"}`` dict."""
        if isinstance(value, DatasetSource):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, Mapping) and set(value) <= {"uri", "licence"} and "uri" in value:
            return cls(value["uri"], value.get("licence"))
        raise InvalidRecordError(f"a dataset source must be 'URI [LICENCE]' or {{'uri', 'licence'}}, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "licence": self.licence}


@dataclass(frozen=True)
class EditAction:
    """One edit done to the work (C2PA action name such as ``c2pa.cropped``), by whom, and why.

    >>> EditAction("c2pa.color_adjustments", description="graded for night", editor="Li Wei").to_dict()["action"]
    'c2pa.color_adjustments'
    """

    action: str
    description: str | None = None
    editor: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.action, str) or not _ACTION.fullmatch(self.action) or len(self.action) > 128:
            raise InvalidRecordError(
                f"action must be a C2PA action name such as 'c2pa.cropped' or a reverse-DNS label, got {self.action!r}"
            )
        if self.action in RESERVED_ACTIONS:
            raise InvalidRecordError(f"{self.action} is written by the signer itself, not an edit action")
        if self.description is not None:
            _check_text("description", self.description)
        if self.editor is not None:
            _check_name("editor", self.editor)

    @classmethod
    def from_value(cls, value: object) -> EditAction:
        if isinstance(value, EditAction):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping) and "action" in value and set(value) <= {"action", "description", "editor"}:
            return cls(value["action"], value.get("description"), value.get("editor"))
        raise InvalidRecordError(f"an edit action must be a name or {{'action', 'description', 'editor'}}, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "description": self.description, "editor": self.editor}


def prompt_digest_of(prompt: str) -> str:
    """``"sha256:<hex>"`` of the prompt's exact UTF-8 bytes (no normalisation: a commitment)."""
    if not isinstance(prompt, str):
        raise InvalidRecordError(f"prompt must be a string, got {type(prompt).__name__}")
    return PROMPT_DIGEST_PREFIX + hashlib.sha256(prompt.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AIProvenance:
    """How an AI-generated work was made. Raises :class:`InvalidRecordError` when malformed.

    - ``model_name``: required, non-empty (``model_version`` may be ``""`` when unknown).
    - ``dataset_sources``: :class:`DatasetSource` (URI with a scheme, and its licence); plain
      ``"URI [LICENCE]"`` strings and ``{"uri", "licence"}`` dicts are accepted and converted.
    - ``prompt_digest``: ``"sha256:<64 lowercase hex>"``, see :func:`prompt_digest_of`.
    - ``generation_parameters``: how the model was run (seed, steps, temperature...): a flat
      mapping of names to JSON scalars.
    - ``editors``: the humans who edited the output, in order.
    - ``edit_actions``: :class:`EditAction` s done after generation (``c2pa.cropped``...); they
      become C2PA actions of the manifest.
    - ``extra``: fields from a newer schema, kept verbatim (ADR 0008).

    Lists are accepted wherever tuples are declared and stored as tuples.
    """

    model_name: str
    model_version: str
    model_provider: str | None = None
    dataset_sources: tuple[DatasetSource, ...] = ()
    prompt_digest: str | None = None
    editors: tuple[str, ...] = ()
    title: str | None = None
    generation_parameters: Mapping[str, Any] = field(default_factory=dict, hash=False)
    edit_actions: tuple[EditAction, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _check_name("model_name", self.model_name)
        _check_name("model_version", self.model_version, allow_empty=True)
        if self.model_provider is not None:
            _check_name("model_provider", self.model_provider)
        sources = _as_tuple("dataset_sources", self.dataset_sources)
        object.__setattr__(self, "dataset_sources", tuple(_indexed("dataset_sources", sources, DatasetSource.from_value)))
        actions = _as_tuple("edit_actions", self.edit_actions)
        object.__setattr__(self, "edit_actions", tuple(_indexed("edit_actions", actions, EditAction.from_value)))
        object.__setattr__(self, "generation_parameters", _parameters(self.generation_parameters))
        if self.prompt_digest is not None and not (
            isinstance(self.prompt_digest, str) and _PROMPT_DIGEST.fullmatch(self.prompt_digest)
        ):
            raise InvalidRecordError(
                f"prompt_digest must be 'sha256:' and 64 lowercase hex digits, got {self.prompt_digest!r}"
            )
        object.__setattr__(self, "editors", _as_tuple("editors", self.editors))
        for i, editor in enumerate(self.editors):
            _check_name(f"editors[{i}]", editor)
        if self.title is not None:
            _check_text("title", self.title)
        if not isinstance(self.extra, Mapping):
            raise InvalidRecordError(f"extra must be a mapping, got {type(self.extra).__name__}")
        clash = sorted(set(self.extra) & set(_KNOWN_KEYS))
        if clash:
            raise InvalidRecordError(f"extra must not repeat known fields, got {clash}")
        try:
            json.dumps(dict(self.extra), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise InvalidRecordError(f"extra must hold JSON values only: {e}") from e
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: every known field (``None`` included), then the ``extra`` fields."""
        return {
            "model_name": self.model_name,
            "model_version": self.model_version,
            "model_provider": self.model_provider,
            "dataset_sources": [source.to_dict() for source in self.dataset_sources],
            "prompt_digest": self.prompt_digest,
            "generation_parameters": dict(self.generation_parameters),
            "editors": list(self.editors),
            "edit_actions": [action.to_dict() for action in self.edit_actions],
            "title": self.title,
            **self.extra,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AIProvenance:
        """Build from :meth:`to_dict` output; unknown keys land in ``extra``."""
        if not isinstance(data, Mapping):
            raise InvalidRecordError(f"expected a mapping, got {type(data).__name__}")
        missing = [key for key in ("model_name", "model_version") if key not in data]
        if missing:
            raise InvalidRecordError(f"missing required field(s): {', '.join(missing)}")
        known = {key: data[key] for key in _KNOWN_KEYS if key in data}
        for key in ("dataset_sources", "editors", "edit_actions", "generation_parameters"):
            if known.get(key) is None:
                known.pop(key, None)
        extra = {key: value for key, value in data.items() if key not in _KNOWN_KEYS}
        return cls(**known, extra=extra)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Pickled as its dict (its read-only mappings do not pickle), e.g. to a bulk import's workers.

        >>> import pickle
        >>> record = AIProvenance("m", "1", generation_parameters={"seed": 7}, extra={"x-note": "n"})
        >>> pickle.loads(pickle.dumps(record)) == record
        True
        """
        return AIProvenance.from_dict, (self.to_dict(),)


@dataclass(frozen=True)
class ParentManifest:
    """A registered work this one derives from, with its manifest store.

    ``content_sha256`` is the lowercase hex SHA-256 of the parent's registered bytes.

    - An article parent (``media_type`` ``text/plain``, no ``asset``): the signer checks
      ``content_sha256`` against the detached manifest's hard binding (``c2pa.hash.data``), so a
      manifest that does not belong to the registered text is refused.
    - A video or image parent: ``asset`` is the path of the parent's signed file (its manifest
      embedded) and c2pa validates the manifest over it, hard binding included.
    """

    work_id: str
    title: str
    manifest: bytes
    content_sha256: str
    media_type: str = "text/plain"
    asset: Path | None = None

    def __post_init__(self) -> None:
        if self.media_type != "text/plain" and self.asset is None:
            raise InvalidRecordError(f"parent {self.work_id!r}: a {self.media_type} parent needs its signed file (asset)")
        _check_name("work_id", self.work_id)
        _check_text("title", self.title)
        if not isinstance(self.manifest, bytes) or not self.manifest:
            raise InvalidRecordError(f"parent {self.work_id!r}: manifest must be non-empty bytes")
        if not (isinstance(self.content_sha256, str) and _SHA256_HEX.fullmatch(self.content_sha256)):
            raise InvalidRecordError(
                f"parent {self.work_id!r}: content_sha256 must be 64 lowercase hex digits, "
                f"got {self.content_sha256!r}"
            )

    def __repr__(self) -> str:
        return (
            f"ParentManifest(work_id={self.work_id!r}, title={self.title!r}, "
            f"manifest=<{len(self.manifest)} bytes>, content_sha256={self.content_sha256!r}, "
            f"media_type={self.media_type!r}, asset={self.asset!r})"
        )


def check_work_id(work_id: str) -> None:
    """Raise :class:`InvalidRecordError` unless ``work_id`` is a non-empty single-line string."""
    _check_name("work_id", work_id)


def _check_name(name: str, value: object, *, allow_empty: bool = False) -> None:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise InvalidRecordError(f"{name} must be a non-empty string, got {value!r}")
    if value != value.strip():
        raise InvalidRecordError(f"{name} must not start or end with whitespace, got {value!r}")
    if _CONTROL.search(value):
        raise InvalidRecordError(f"{name} must be a single line without control characters, got {value!r}")
    if len(value) > MAX_NAME_CHARS:
        raise InvalidRecordError(f"{name} must be at most {MAX_NAME_CHARS} characters, got {len(value)}")


def _check_text(name: str, value: object) -> None:
    """A title: one line, tabs allowed (titles are often an article's first line)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecordError(f"{name} must be a non-empty string, got {value!r}")
    if _CONTROL_BUT_TAB.search(value):
        raise InvalidRecordError(f"{name} must be a single line without control characters, got {value!r}")
    if len(value) > MAX_TEXT_CHARS:
        raise InvalidRecordError(f"{name} must be at most {MAX_TEXT_CHARS} characters, got {len(value)}")


def _check_uri(name: str, value: object) -> None:
    if not isinstance(value, str) or not _URI.fullmatch(value):
        raise InvalidRecordError(
            f"{name} must be a URI with a scheme (https:, s3:, urn:, doi: ...), got {value!r}"
        )
    if len(value) > MAX_TEXT_CHARS:
        raise InvalidRecordError(f"{name} must be at most {MAX_TEXT_CHARS} characters, got {len(value)}")


def _as_tuple(name: str, value: object) -> tuple[Any, ...]:
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise InvalidRecordError(f"{name} must be a tuple or list, got {value!r}")
    return tuple(value)


def _indexed(name: str, values: tuple[Any, ...], convert: Any) -> list[Any]:
    """Convert each item, naming the item's position in any error."""
    converted = []
    for i, value in enumerate(values):
        try:
            converted.append(convert(value))
        except InvalidRecordError as e:
            raise InvalidRecordError(f"{name}[{i}]: {e}") from e
    return converted


def _parameters(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRecordError(f"generation_parameters must be a mapping, got {type(value).__name__}")
    if len(value) > MAX_PARAMETERS:
        raise InvalidRecordError(f"generation_parameters holds at most {MAX_PARAMETERS} entries, got {len(value)}")
    for key, item in value.items():
        _check_name("generation_parameters key", key)
        if not (item is None or isinstance(item, str | bool | int | float)) or (
            isinstance(item, float) and item != item
        ):
            raise InvalidRecordError(f"generation_parameters[{key!r}] must be a JSON scalar, got {item!r}")
        if isinstance(item, str) and len(item) > MAX_TEXT_CHARS:
            raise InvalidRecordError(f"generation_parameters[{key!r}] must be at most {MAX_TEXT_CHARS} characters")
    return MappingProxyType(dict(value))
