"""Verify a work against its C2PA manifest and report what it claims, like Content Credentials Verify.

:func:`verify_article` validates a detached store over an article's bytes exactly as received
(never a re-canonicalised copy: one changed byte must show); :func:`verify_media` validates the
manifest embedded in a video or image (or a detached store over it), streaming the file. Both
return a :class:`ManifestReport`: the state, the status codes, the signer, the signing time, the
claims (AI record, training-mining, GB 45438 label, actions) and the manifest ``tree`` (each
ingredient with its own manifest, to any depth). The ``state``:

- ``"Trusted"``: intact, and the signer chains to one of ``trust_anchors_pem``.
- ``"Valid"``: intact, no trust anchors were given (``signingCredential.untrusted`` is listed).
- ``"Invalid"``: anything else: the text or the manifest was altered (see ``tampered``), the
  certificate expired, **or trust anchors were given and the signer does not chain to them**.
  C2PA itself calls that last case ``Valid``; a caller who passes anchors asks for a trust
  decision, so here it is refused. c2pa's own verdict stays in ``manifest_json["validation_state"]``.

Bytes that are not a C2PA manifest store at all (garbage, truncated, empty) raise
:class:`ManifestError`; a file with no manifest raises :class:`NoManifestError`.

>>> from provenance.keys import create_local_pki
>>> from provenance.record import AIProvenance
>>> from provenance.sign import ManifestSigner
>>> pki = create_local_pki()
>>> sidecar = ManifestSigner(pki.signing_material()).sign_article(
...     "Hello.\\n", AIProvenance("gpt-x", "1"), work_id="w-1")
>>> verify_article(b"Hello.\\n", sidecar, trust_anchors_pem=pki.trust_anchor_pem).state
'Trusted'
>>> report = verify_article(b"Hello!\\n", sidecar, trust_anchors_pem=pki.trust_anchor_pem)
>>> report.state, report.tampered
('Invalid', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from provenance import _c2pa
from provenance.errors import NoManifestError
from provenance.manifest import claims_of
from provenance.record import AIProvenance

__all__ = ["INVALID", "TRUSTED", "VALID", "ManifestReport", "NoManifestError", "verify_article", "verify_media"]

TRUSTED = "Trusted"
VALID = "Valid"
INVALID = "Invalid"


@dataclass(frozen=True)
class ManifestReport:
    """What a detached manifest says about an article, and whether to believe it.

    ``status_codes`` lists the failure codes, then the informational ones, of the active
    manifest and of its ingredients (deduplicated). ``ingredients`` are summaries:
    ``{"label", "title", "relationship", "active_manifest", "work_id", "status_codes",
    "validated"}`` where ``work_id`` comes from the parent's own signed assertion.
    ``signed_at`` is the timestamp authority's time when there is one (``time_source``
    ``"timestamp"``), else the ``when`` the signer wrote on its first action (``"claimed"``: a
    claim by the signer, not an independent time). ``tree`` is the active manifest as a node
    ``{"label", "title", "format", "work_id", "signer", "issuer", "signed_at", "assertions",
    "ingredients": [{"title", "relationship", "status_codes", "validated", "manifest": node|None}]}``.
    """

    state: str
    status_codes: tuple[str, ...]
    signer: str | None
    issuer: str | None
    signed_at: str | None
    title: str | None
    record: AIProvenance | None
    work_id: str | None
    actions: tuple[dict, ...]
    ingredients: tuple[dict, ...]
    manifest_json: dict
    time_source: str | None = None
    training_mining: dict | None = None
    implicit_label: dict | None = None
    tree: dict = field(default_factory=dict)

    @property
    def tampered(self) -> bool:
        """True when any code says the text or a manifest was altered or broken."""
        return any(_c2pa.is_integrity_failure(code) for code in self.status_codes)

    @property
    def trusted(self) -> bool:
        return self.state == TRUSTED

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field, plus ``tampered``."""
        return {
            "state": self.state,
            "tampered": self.tampered,
            "status_codes": list(self.status_codes),
            "signer": self.signer,
            "issuer": self.issuer,
            "signed_at": self.signed_at,
            "title": self.title,
            "record": self.record.to_dict() if self.record is not None else None,
            "work_id": self.work_id,
            "actions": list(self.actions),
            "ingredients": list(self.ingredients),
            "time_source": self.time_source,
            "training_mining": self.training_mining,
            "implicit_label": self.implicit_label,
            "tree": self.tree,
            "manifest_json": self.manifest_json,
        }


def verify_article(
    text_bytes: bytes, manifest: bytes, *, trust_anchors_pem: bytes | None = None
) -> ManifestReport:
    """Validate ``manifest`` (a detached store) over ``text_bytes`` exactly as received."""
    if not isinstance(text_bytes, bytes):
        raise TypeError(f"text_bytes must be bytes, got {type(text_bytes).__name__}")
    anchors = _c2pa.trust_anchors_text(trust_anchors_pem)
    store, _ = _c2pa.read_detached(text_bytes, manifest, _c2pa.reader_settings(anchors))
    return _report(store, anchors_given=anchors is not None)


def verify_media(
    asset: Path | BinaryIO, media_type: str, *, manifest: bytes | None = None, trust_anchors_pem: bytes | None = None
) -> ManifestReport:
    """Validate the manifest embedded in a video or image (``media_type`` as sniffed from its bytes),
    or ``manifest``, a detached store over it. Raises :class:`NoManifestError` when there is none."""
    anchors = _c2pa.trust_anchors_text(trust_anchors_pem)
    store = _c2pa.read_asset(asset, media_type, _c2pa.reader_settings(anchors), manifest=manifest)
    return _report(store, anchors_given=anchors is not None, media_type=media_type)


def read_manifest_record(manifest: bytes, text_bytes: bytes) -> AIProvenance | None:
    """The :class:`AIProvenance` a manifest claims, or None. This does not judge validity:
    use :func:`verify_article` for that."""
    return verify_article(text_bytes, manifest).record


def _report(store: dict[str, Any], *, anchors_given: bool, media_type: str = _c2pa.TEXT_FORMAT) -> ManifestReport:
    manifest = _c2pa.active_manifest(store)
    results = store.get("validation_results")
    failures = _c2pa.status_entries(results, "failure") + _c2pa.ingredient_delta_entries(results, "failure")
    informational = _c2pa.status_entries(results, "informational") + _c2pa.ingredient_delta_entries(
        results, "informational"
    )
    codes = _c2pa.unique_codes(failures + informational)
    failure_codes = set(_c2pa.unique_codes(failures))

    state = store.get("validation_state")
    if state not in (TRUSTED, VALID) or any(_c2pa.is_integrity_failure(code) for code in codes):
        state = INVALID
    elif state == VALID and (anchors_given or failure_codes - {_c2pa.UNTRUSTED}):
        state = INVALID

    claims = claims_of(manifest)
    signature = manifest.get("signature_info") or {}
    claimed = claims.actions[0].get("when") if claims.actions else None
    return ManifestReport(
        state=state,
        status_codes=codes,
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        signed_at=signature.get("time") or claimed,
        title=manifest.get("title"),
        record=claims.record,
        work_id=claims.work_id,
        actions=claims.actions,
        ingredients=tuple(
            _ingredient_summary(store, ingredient, results) for ingredient in manifest.get("ingredients", ())
        ),
        manifest_json=store,
        time_source="timestamp" if signature.get("time") else ("claimed" if claimed else None),
        training_mining=claims.training_mining,
        implicit_label=claims.implicit_label,
        tree=_tree(store, store["active_manifest"], results, set(), media_type),
    )


def _tree(store: Mapping[str, Any], label: str, results: Mapping[str, Any] | None, seen: set[str],
          media_type: str | None = None) -> dict[str, Any]:
    """One manifest as a node, its ingredients' manifests as children (cycles cut, depth unbounded)."""
    manifest = store["manifests"][label]
    seen = seen | {label}
    signature = manifest.get("signature_info") or {}
    claims = claims_of(manifest)
    ingredients = []
    for ingredient in manifest.get("ingredients", ()):
        summary = _ingredient_summary(store, ingredient, results)
        child = ingredient.get("active_manifest")
        known = child in store.get("manifests", {}) and child not in seen
        node = _tree(store, child, None, seen, ingredient.get("format")) if known else None
        ingredients.append({key: summary[key] for key in ("title", "relationship", "status_codes", "validated")}
                           | {"format": ingredient.get("format"), "manifest": node})
    return {
        "label": label,
        "title": manifest.get("title"),
        "format": manifest.get("format") or media_type,
        "work_id": claims.work_id,
        "model": ({"name": claims.record.model_name, "version": claims.record.model_version}
                  if claims.record else None),
        "signer": signature.get("common_name"),
        "issuer": signature.get("issuer"),
        "signed_at": signature.get("time") or (claims.actions[0].get("when") if claims.actions else None),
        "claim_generator": [g.get("name") for g in manifest.get("claim_generator_info") or () if isinstance(g, dict)],
        "assertions": [a.get("label") for a in manifest.get("assertions", ())],
        "actions": [a.get("action") for a in claims.actions],
        "ingredients": ingredients,
    }


def _ingredient_summary(
    store: Mapping[str, Any], ingredient: Mapping[str, Any], results: Mapping[str, Any] | None
) -> dict[str, Any]:
    label = ingredient.get("label")
    recorded = ingredient.get("validation_results")
    deltas = [
        delta.get("validationDeltas") or {}
        for delta in (results or {}).get("ingredientDeltas") or []
        if str(delta.get("ingredientAssertionURI", "")).endswith(f"/{label}")
    ]
    failures = _c2pa.status_entries(recorded, "failure") + [e for d in deltas for e in d.get("failure") or []]
    successes = [e for d in deltas for e in d.get("success") or []]
    parent_label = ingredient.get("active_manifest")
    parent = store.get("manifests", {}).get(parent_label) if parent_label else None
    return {
        "label": label,
        "title": ingredient.get("title"),
        "relationship": ingredient.get("relationship"),
        "active_manifest": parent_label,
        "work_id": claims_of(parent).work_id if parent else None,
        "status_codes": list(_c2pa.unique_codes(failures + successes)),
        "validated": bool(parent) and not any(_c2pa.is_integrity_failure(e.get("code", "")) for e in failures),
    }
