"""The manifests of a C2PA manifest store, read from its JUMBF boxes (ISO/IEC 19566-5).

A manifest store is a JUMBF superbox (``jumb``) whose description box (``jumd``) has the type
``c2pa`` and the label ``c2pa``; each manifest inside is a superbox of type ``c2ma`` (or ``c2um``,
an update manifest) labelled with its unique identifier (``urn:c2pa:<uuid>...``). The C2PA
specification makes the last manifest of the store the active one. This module reads those labels
without validating anything (c2pa does that: `provenance.verify`), and can cut a store down to its
active manifest, which the Soft Binding Resolution API returns when asked for the active manifest
only.

>>> store = _superbox(b"c2pa", "c2pa", _superbox(b"c2ma", "urn:c2pa:1", b"") + _superbox(b"c2ma", "urn:c2pa:2", b""))
>>> manifest_labels(store), active_manifest_label(store)
(['urn:c2pa:1', 'urn:c2pa:2'], 'urn:c2pa:2')
>>> manifest_labels(active_manifest_only(store))
['urn:c2pa:2']
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import ManifestError

_SUPERBOX, _DESCRIPTION = b"jumb", b"jumd"
_STORE_TYPE = b"c2pa"
_MANIFEST_TYPES = (b"c2ma", b"c2um")  # a standard manifest, an update manifest
_LABEL_PRESENT = 0x02


@dataclass(frozen=True)
class _Box:
    kind: bytes
    start: int  # where the box's header starts
    body: int  # where its content starts
    end: int


def _boxes(data: bytes, start: int, end: int) -> list[_Box]:
    found, at = [], start
    while at < end:
        if end - at < 8:
            raise ManifestError(f"a JUMBF box header at byte {at} is cut short")
        size, kind = struct.unpack_from(">I4s", data, at)
        body = at + 8
        if size == 1:
            if end - at < 16:
                raise ManifestError(f"a JUMBF box header at byte {at} is cut short")
            (size,) = struct.unpack_from(">Q", data, at + 8)
            body = at + 16
        elif size == 0:  # to the end of what holds it
            size = end - at
        if size < body - at or at + size > end:
            raise ManifestError(f"a JUMBF box at byte {at} claims {size} bytes, {end - at} are left")
        found.append(_Box(kind, at, body, at + size))
        at += size
    return found


def _description(data: bytes, superbox: _Box) -> tuple[bytes, str | None]:
    """(the 4-byte type, the label) of a superbox's first box, its description."""
    children = _boxes(data, superbox.body, superbox.end)
    if not children or children[0].kind != _DESCRIPTION or children[0].end - children[0].body < 17:
        raise ManifestError("a JUMBF superbox without its description box")
    description = children[0]
    kind, toggles = data[description.body:description.body + 4], data[description.body + 16]
    if not toggles & _LABEL_PRESENT:
        return kind, None
    label_start = description.body + 17
    label_end = data.find(b"\0", label_start, description.end)
    if label_end < 0:
        raise ManifestError("a JUMBF label without its terminating NUL")
    return kind, data[label_start:label_end].decode("utf-8", "strict")


def _store(data: bytes) -> tuple[_Box, list[tuple[_Box, str | None]]]:
    """The store superbox and its manifest superboxes with their labels, in order."""
    top = _boxes(data, 0, len(data))
    if len(top) != 1 or top[0].kind != _SUPERBOX or _description(data, top[0])[0] != _STORE_TYPE:
        raise ManifestError("not a C2PA manifest store: expected one JUMBF superbox of type c2pa")
    manifests = []
    for box in _boxes(data, top[0].body, top[0].end)[1:]:
        if box.kind == _SUPERBOX:
            kind, label = _description(data, box)
            if kind in _MANIFEST_TYPES:
                manifests.append((box, label))
    if not manifests:
        raise ManifestError("a C2PA manifest store with no manifest in it")
    return top[0], manifests


def manifest_labels(store: bytes) -> list[str]:
    """The labels (unique identifiers) of a store's manifests, in store order: the active one last."""
    _, manifests = _store(store)
    labels = [label for _, label in manifests]
    if any(label is None for label in labels):
        raise ManifestError("a C2PA manifest without a label")
    return labels  # type: ignore[return-value]


def active_manifest_label(store: bytes) -> str:
    """The active manifest's label: what the C2PA Soft Binding Resolution API calls a manifestId."""
    return manifest_labels(store)[-1]


def active_manifest_only(store: bytes) -> bytes:
    """A store holding only the active manifest (the same bytes when it holds no other)."""
    top, manifests = _store(store)
    if len(manifests) == 1:
        return store
    description, (active, _) = _boxes(store, top.body, top.end)[0], manifests[-1]
    content = store[description.start:description.end] + store[active.start:active.end]
    return _header(len(content)) + content


def _header(content_size: int) -> bytes:
    size = content_size + 8
    if size <= 0xFFFFFFFF:
        return struct.pack(">I4s", size, _SUPERBOX)
    return struct.pack(">I4sQ", 1, _SUPERBOX, content_size + 16)


def _superbox(kind: bytes, label: str, content: bytes) -> bytes:
    """A superbox of type `kind` (padded to 16 bytes as a UUID) labelled `label` (for the examples)."""
    description_body = kind + b"\0" * 12 + bytes([0x03]) + label.encode() + b"\0"
    description = struct.pack(">I4s", len(description_body) + 8, _DESCRIPTION) + description_body
    return _header(len(description) + len(content)) + description + content
