"""Sign an article: a detached C2PA manifest store over its exact UTF-8 bytes.

The manifest an :class:`ArticleSigner` writes (C2PA 2.x, claim v2, no thumbnail):

- ``title``: the record's title, else the work id.
- ``c2pa.actions.v2``:
  - an original work: ``c2pa.created`` with ``digitalSourceType`` ``trainedAlgorithmicMedia``
    and ``softwareAgent`` ``{name: model_name, version: model_version}``;
  - a derivative: ``c2pa.opened`` (the first parent), ``c2pa.placed`` (any further parents),
    then ``c2pa.edited`` carrying the same digital source type and software agent. C2PA allows
    one ``created``/``opened`` action, first, and ``created`` may not coexist with a parent.
- ingredients (derivatives only): the first parent with relationship ``parentOf``, any further
  parents ``componentOf``. C2PA allows **one** ``parentOf`` ingredient per manifest; c2pa-rs
  refuses a second one with ``manifest.multipleParents``. Each ingredient carries the parent's
  detached manifest store (added as a resource and named by the ingredient's ``manifest_data``),
  so the parent's manifests travel inside the new store and a verifier can check the chain.
- ``org.aigc-registry.ai-generation`` (custom): ``{"work_id", "provenance": AIProvenance.to_dict(),
  "parents": [{"work_id", "content_sha256", "manifest", "relationship"}]}``.

Parents are validated before they go in: each parent manifest must read without failures (a trust
failure is tolerated only when the signer has no trust anchors), and its hard binding must equal
the parent's registered ``content_sha256``. The parent text itself is not at hand, so its data-hash
entry is left out of the ingredient's recorded ``validation_results``; the binding check above
stands in for it.

>>> from provenance.keys import create_local_pki
>>> from provenance.record import AIProvenance
>>> signer = ArticleSigner(create_local_pki().signing_material())
>>> sidecar = signer.sign_article("Hello.\\n", AIProvenance("gpt-x", "1"), work_id="w-1")
>>> 1_000 < len(sidecar) < 20_000
True
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

import c2pa

from provenance import _c2pa
from provenance.article import is_canonical_article
from provenance.errors import InvalidArticleError, InvalidRecordError, ManifestError, SigningError
from provenance.keys import SigningMaterial
from provenance.record import AIProvenance, ParentManifest, check_work_id

DEFAULT_CLAIM_GENERATOR = "aigc-registry/0.1"
#: Media types ``sign_media`` accepts (what c2pa-rs binds and what the registry decodes).
MEDIA_FORMATS = ("video/mp4", "video/quicktime", "video/x-msvideo", "image/jpeg", "image/png", "image/webp")

_PROBE_TEXT = b"aigc-registry signing probe\n"


class ArticleSigner:
    """Signs canonical article texts with one :class:`SigningMaterial`; reusable and thread-safe.

    The native signer is built once (and rebuilt after a ``fork``). The constructor signs a probe
    so a refused certificate chain or a key that does not match fails here, with
    :class:`SigningError`, not on the first upload.

    ``trust_anchors_pem`` (optional) is used to validate parent manifests: when given, a parent
    must read ``Trusted``; without it, an untrusted but intact parent is accepted.
    """

    def __init__(self, material: SigningMaterial, *, trust_anchors_pem: bytes | None = None) -> None:
        if not isinstance(material, SigningMaterial):
            raise SigningError(f"expected SigningMaterial, got {type(material).__name__}")
        self._material = material
        self._parent_trust_anchors = _c2pa.trust_anchors_text(trust_anchors_pem)
        self._lock = threading.Lock()
        self._signer: c2pa.Signer | None = None
        self._signer_pid: int | None = None
        self._probe()

    def __repr__(self) -> str:
        return f"ArticleSigner({self._material!r})"

    def sign_article(
        self,
        text: str,
        record: AIProvenance,
        *,
        work_id: str,
        parents: Sequence[ParentManifest] = (),
        claim_generator: str = DEFAULT_CLAIM_GENERATOR,
    ) -> bytes:
        """Return the detached manifest store (bytes of a ``.c2pa`` sidecar) for ``text``.

        ``text`` must already be canonical (see :func:`provenance.article.canonicalise_article`);
        the manifest binds ``text.encode("utf-8")`` exactly.
        """
        if not isinstance(text, str) or not is_canonical_article(text):
            raise InvalidArticleError(
                "text is not in canonical form: pass it through canonicalise_article() before signing"
            )
        if not isinstance(record, AIProvenance):
            raise InvalidRecordError(f"record must be an AIProvenance, got {type(record).__name__}")
        check_work_id(work_id)
        parents = tuple(parents)
        _check_parents(parents)
        generator = _claim_generator_info(claim_generator)

        ingredients = [self._parent_ingredient(parent, i) for i, parent in enumerate(parents)]
        definition = _manifest_definition(record, work_id, generator, parents, ingredients)
        return self._sign(definition, text.encode("utf-8"), parents)

    def sign_media(
        self,
        source: BinaryIO,
        media_type: str,
        record: AIProvenance,
        *,
        work_id: str,
        claim_generator: str = DEFAULT_CLAIM_GENERATOR,
    ) -> bytes:
        """Return a detached manifest store for a video or image read from ``source`` (a binary
        file; c2pa reads it as ``media_type``, e.g. ``video/mp4``, ``image/jpeg``).

        The manifest binds the file's exact bytes (BMFF or data hash). Parents and embedding the
        manifest into the file are not offered for media yet.
        """
        if media_type not in MEDIA_FORMATS:
            raise SigningError(f"expected one of {', '.join(MEDIA_FORMATS)}, got {media_type!r}")
        if not isinstance(record, AIProvenance):
            raise InvalidRecordError(f"record must be an AIProvenance, got {type(record).__name__}")
        check_work_id(work_id)
        definition = _manifest_definition(record, work_id, _claim_generator_info(claim_generator), (), [],
                                          media_type=media_type)
        with tempfile.TemporaryFile() as discarded:  # c2pa copies the asset to its output
            return self._sign(definition, source, (), media_type=media_type, output=discarded)

    # -- internals ---------------------------------------------------------------------------

    def _sign(self, definition: dict[str, Any], data: bytes | BinaryIO, parents: Sequence[ParentManifest],
              *, media_type: str = _c2pa.TEXT_FORMAT, output: BinaryIO | None = None) -> bytes:
        signer = self._current_signer()
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        try:
            with (
                c2pa.Context.from_dict(_c2pa.builder_settings()) as context,
                c2pa.Builder(definition, context=context) as builder,
            ):
                builder.set_no_embed()
                for i, parent in enumerate(parents):
                    builder.add_resource(_resource_id(i), io.BytesIO(parent.manifest))
                manifest = builder.sign(signer, media_type, source, output if output is not None else io.BytesIO())
        except c2pa.C2paError as e:
            raise SigningError(f"C2PA signing failed: {e}") from e
        if not manifest:
            raise SigningError("C2PA signing returned an empty manifest store")
        return manifest

    def _current_signer(self) -> c2pa.Signer:
        # Native objects made before a fork are unusable in the child: rebuild per process.
        pid = os.getpid()
        with self._lock:
            if self._signer is None or self._signer_pid != pid:
                material = self._material
                info = c2pa.C2paSignerInfo(
                    material.alg.encode("ascii"), material.chain_pem, material.key_pem, None  # no TSA yet
                )
                try:
                    self._signer = c2pa.Signer.from_info(info)
                except c2pa.C2paError as e:
                    raise SigningError(f"c2pa refused the signing material: {e}") from e
                self._signer_pid = pid
            return self._signer

    def _probe(self) -> None:
        record = AIProvenance(model_name="probe", model_version="0")
        definition = _manifest_definition(record, "probe", {"name": "aigc-registry"}, (), [])
        try:
            self._sign(definition, _PROBE_TEXT, ())
        except SigningError as e:
            raise SigningError(
                "the signing material was refused (c2pa wants root -> intermediate -> leaf, leaf CA:FALSE "
                f"with digitalSignature and emailProtection, chain leaf first): {e.__cause__ or e}"
            ) from e

    def _parent_ingredient(self, parent: ParentManifest, index: int) -> dict[str, Any]:
        """Validate one parent manifest and describe it as an ingredient definition."""
        settings = _c2pa.reader_settings(self._parent_trust_anchors)
        try:
            # The parent's text is not at hand: read over no bytes, check the binding ourselves.
            store, detail = _c2pa.read_detached(b"", parent.manifest, settings, detailed=True)
        except ManifestError as e:
            raise ManifestError(f"parent {parent.work_id!r}: {e}") from e
        bound = _c2pa.hard_binding_sha256(detail) if detail else None
        if bound is None or bound.hex() != parent.content_sha256:
            raise SigningError(
                f"parent {parent.work_id!r}: its manifest binds sha256 "
                f"{bound.hex() if bound else 'of nothing usable'}, expected {parent.content_sha256}"
            )

        results = dict(store.get("validation_results") or {})
        active = dict(results.get("activeManifest") or {})
        failures = [
            entry for entry in active.get("failure") or [] if entry.get("code") != _c2pa.DATA_HASH_MISMATCH
        ]
        tolerated = {_c2pa.UNTRUSTED} if self._parent_trust_anchors is None else set()
        deltas = _c2pa.ingredient_delta_entries(results, "failure")  # the parent's own parents
        refused = [code for code in _c2pa.unique_codes(failures + deltas) if code not in tolerated]
        if refused:
            raise SigningError(
                f"parent {parent.work_id!r}: its manifest fails validation: {', '.join(refused)}"
            )
        results["activeManifest"] = {**active, "failure": failures}

        return {
            "title": parent.title,
            "format": _c2pa.TEXT_FORMAT,
            "relationship": "parentOf" if index == 0 else "componentOf",
            "label": _ingredient_id(index),
            "active_manifest": store["active_manifest"],
            "manifest_data": {"format": _c2pa.MANIFEST_STORE_FORMAT, "identifier": _resource_id(index)},
            "validation_results": results,
        }


def _manifest_definition(
    record: AIProvenance,
    work_id: str,
    generator: dict[str, str],
    parents: Sequence[ParentManifest],
    ingredients: list[dict[str, Any]],
    media_type: str = _c2pa.TEXT_FORMAT,
) -> dict[str, Any]:
    return {
        "claim_generator_info": [generator],
        "title": record.title or work_id,
        "format": media_type,
        "ingredients": ingredients,
        "assertions": [
            {"label": _c2pa.ACTIONS_LABEL, "data": {"actions": _actions(record, len(parents))}},
            {
                "label": _c2pa.AI_ASSERTION_LABEL,
                "data": {
                    "work_id": work_id,
                    "provenance": record.to_dict(),
                    "parents": [
                        {
                            "work_id": parent.work_id,
                            "content_sha256": parent.content_sha256,
                            "manifest": ingredient["active_manifest"],
                            "relationship": ingredient["relationship"],
                        }
                        for parent, ingredient in zip(parents, ingredients, strict=True)
                    ],
                },
            },
        ],
    }


def _actions(record: AIProvenance, parent_count: int) -> list[dict[str, Any]]:
    when = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    agent = {"name": record.model_name}
    if record.model_version:
        agent["version"] = record.model_version
    generated = {
        "digitalSourceType": _c2pa.TRAINED_ALGORITHMIC_MEDIA,
        "softwareAgent": agent,
        "when": when,
    }
    if parent_count == 0:
        return [{"action": "c2pa.created", **generated}]
    actions: list[dict[str, Any]] = [
        {"action": "c2pa.opened", "parameters": {"ingredientIds": [_ingredient_id(0)]}, "when": when}
    ]
    if parent_count > 1:
        placed = [_ingredient_id(i) for i in range(1, parent_count)]
        actions.append({"action": "c2pa.placed", "parameters": {"ingredientIds": placed}, "when": when})
    actions.append({"action": "c2pa.edited", **generated})
    return actions


def _check_parents(parents: Sequence[ParentManifest]) -> None:
    seen: set[str] = set()
    for parent in parents:
        if not isinstance(parent, ParentManifest):
            raise InvalidRecordError(f"parents must be ParentManifest objects, got {type(parent).__name__}")
        if parent.work_id in seen:
            raise InvalidRecordError(f"parent {parent.work_id!r} is listed twice")
        seen.add(parent.work_id)


def _claim_generator_info(claim_generator: str) -> dict[str, str]:
    """``"name/version"`` -> ``{"name", "version"}`` (C2PA claim_generator_info)."""
    if not isinstance(claim_generator, str) or not claim_generator.strip():
        raise SigningError(f"claim_generator must be 'name/version', got {claim_generator!r}")
    name, _, version = claim_generator.strip().partition("/")
    if not name:
        raise SigningError(f"claim_generator must be 'name/version', got {claim_generator!r}")
    return {"name": name, "version": version} if version else {"name": name}


def _ingredient_id(index: int) -> str:
    return f"parent-{index}"


def _resource_id(index: int) -> str:
    return f"parent-{index}.c2pa"
