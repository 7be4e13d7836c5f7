"""Verify an article against its detached C2PA manifest and report what it claims.

:func:`verify_article` validates over the bytes exactly as received (never a re-canonicalised
copy: one changed byte must show) and returns a :class:`ManifestReport`. The ``state``:

- ``"Trusted"``: intact, and the signer chains to one of ``trust_anchors_pem``.
- ``"Valid"``: intact, no trust anchors were given (``signingCredential.untrusted`` is listed).
- ``"Invalid"``: anything else: the text or the manifest was altered (see ``tampered``), the
  certificate expired, **or trust anchors were given and the signer does not chain to them**.
  C2PA itself calls that last case ``Valid``; a caller who passes anchors asks for a trust
  decision, so here it is refused. c2pa's own verdict stays in ``manifest_json["validation_state"]``.

Bytes that are not a C2PA manifest store at all (garbage, truncated, empty) raise
:class:`ManifestError`: there is nothing to report on.

>>> from provenance.keys import create_local_pki
>>> from provenance.record import AIProvenance
>>> from provenance.sign import ArticleSigner
>>> pki = create_local_pki()
>>> sidecar = ArticleSigner(pki.signing_material()).sign_article(
...     "Hello.\\n", AIProvenance("gpt-x", "1"), work_id="w-1")
>>> verify_article(b"Hello.\\n", sidecar, trust_anchors_pem=pki.trust_anchor_pem).state
'Trusted'
>>> report = verify_article(b"Hello!\\n", sidecar, trust_anchors_pem=pki.trust_anchor_pem)
>>> report.state, report.tampered
('Invalid', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provenance import _c2pa
from provenance.errors import InvalidRecordError, ManifestError
from provenance.record import AIProvenance

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
    ``signed_at`` is the timestamp authority's time when there is one, else the ``when`` the
    signer wrote on its first action (a claim by the signer, not an independent time).
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


def read_manifest_record(manifest: bytes, text_bytes: bytes) -> AIProvenance | None:
    """The :class:`AIProvenance` a manifest claims, or None. This does not judge validity:
    use :func:`verify_article` for that."""
    return verify_article(text_bytes, manifest).record


def _report(store: dict[str, Any], *, anchors_given: bool) -> ManifestReport:
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

    custom = _c2pa.assertion_data(manifest, _c2pa.AI_ASSERTION_LABEL)
    record, work_id = _custom_assertion(custom)
    actions = tuple((_c2pa.assertion_data(manifest, _c2pa.ACTIONS_LABELS) or {}).get("actions") or ())
    signature = manifest.get("signature_info") or {}
    return ManifestReport(
        state=state,
        status_codes=codes,
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        signed_at=signature.get("time") or (actions[0].get("when") if actions else None),
        title=manifest.get("title"),
        record=record,
        work_id=work_id,
        actions=actions,
        ingredients=tuple(
            _ingredient_summary(store, ingredient, results) for ingredient in manifest.get("ingredients", ())
        ),
        manifest_json=store,
    )


def _custom_assertion(data: Any) -> tuple[AIProvenance | None, str | None]:
    if not isinstance(data, Mapping):
        return None, None
    work_id = data.get("work_id") if isinstance(data.get("work_id"), str) else None
    try:
        record = AIProvenance.from_dict(data["provenance"])
    except (KeyError, InvalidRecordError):
        record = None
    return record, work_id


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
    _, parent_work_id = _custom_assertion(
        _c2pa.assertion_data(parent, _c2pa.AI_ASSERTION_LABEL) if parent else None
    )
    return {
        "label": label,
        "title": ingredient.get("title"),
        "relationship": ingredient.get("relationship"),
        "active_manifest": parent_label,
        "work_id": parent_work_id,
        "status_codes": list(_c2pa.unique_codes(failures + successes)),
        "validated": bool(parent) and not any(_c2pa.is_integrity_failure(e.get("code", "")) for e in failures),
    }
