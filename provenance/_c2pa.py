"""Private plumbing over c2pa-python 0.38 (c2pa-rs 0.91): settings, reading, status codes.

Facts this module relies on (checked against the installed library, see the tests):

- A detached ("sidecar") manifest for text is made with ``Builder.set_no_embed()`` and format
  ``text/plain``; it is read with ``Reader("text/plain", text_stream, manifest_data=...)``.
- Its hard binding ``c2pa.hash.data`` is SHA-256 over the whole text (no exclusions), so it equals
  the plain ``sha256(text)`` of the article.
- Without trust anchors a good manifest reads ``Valid`` with the failure code
  ``signingCredential.untrusted``; with ``trust.trust_anchors`` and ``verify.verify_trust`` it
  reads ``Trusted``.
- Contexts are cheap (~0.07 ms), so one is made per call and closed: nothing native outlives a
  call, which keeps the library safe across ``fork``.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import c2pa
from cryptography import x509

from provenance.assertions import IMPLICIT_LABEL_LABEL, SOFT_BINDING_LABEL
from provenance.errors import ManifestError, NoManifestError, ProvenanceError, RemoteManifestError

TEXT_FORMAT = "text/plain"
MANIFEST_STORE_FORMAT = "application/c2pa"

#: Our custom assertion (reverse-DNS label of the registry, C2PA 2.x section "Labels").
AI_ASSERTION_LABEL = "org.aigc-registry.ai-generation"
ACTIONS_LABEL = "c2pa.actions.v2"
ACTIONS_LABELS = ("c2pa.actions.v2", "c2pa.actions")
HARD_BINDING_LABEL = "c2pa.hash.data"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

UNTRUSTED = "signingCredential.untrusted"
DATA_HASH_MISMATCH = "assertion.dataHash.mismatch"

#: Failure codes meaning the bytes or the manifest were altered or are structurally broken, as
#: opposed to trust problems (``signingCredential.*``). Every ``*.mismatch`` code counts as well.
INTEGRITY_FAILURES = frozenset(
    {
        "assertion.missing",
        "assertion.undeclared",
        "assertion.notRedacted",
        "assertion.selfRedacted",
        "assertion.inaccessible",
        "assertion.multipleHardBindings",
        "assertion.dataHash.malformed",
        "assertion.bmffHash.malformed",
        "assertion.boxesHash.malformed",
        "assertion.cbor.invalid",
        "assertion.json.invalid",
        "claim.missing",
        "claim.malformed",
        "claim.multiple",
        "claim.hardBindings.missing",
        "claimSignature.missing",
        "ingredient.manifest.missing",
        "ingredient.claimSignature.missing",
        "manifest.inaccessible",
        "manifest.missing",
        "manifest.multipleParents",
    }
)


def is_integrity_failure(code: str) -> bool:
    """True for a code that means tampering or breakage (not a mere trust problem)."""
    return code.endswith(".mismatch") or code in INTEGRITY_FAILURES


#: Above this size (MB) c2pa-rs keeps its two working copies of an asset being signed in temporary
#: files instead of memory (its default is 512 MB): signing a 100 MB video then peaks at ~1.1x the
#: file instead of 2x, while files up to this size (a 20 MB clip) keep the faster in-memory path.
SPILL_TO_DISK_MB = 32


CREATED_ASSERTION_LABELS = ("c2pa.actions", "c2pa.actions.v2", "c2pa.ingredient", "c2pa.ingredient.v3",
                            SOFT_BINDING_LABEL, IMPLICIT_LABEL_LABEL)


def builder_settings() -> dict[str, Any]:
    """Signing settings: no thumbnail, no network, verify what we just signed (~0.5 ms), big assets
    worked on through temporary files."""
    return {
        "core": {"backing_store_memory_threshold_in_mb": SPILL_TO_DISK_MB},
        # C2PA 2.x: the assertions the registry itself makes (its actions, ingredients, fingerprint,
        # the GB 45438 label it writes as service provider) are "created"; c2pa-rs gathers every label
        # it is not told of; what the registrant declares (the AI record, training terms) stays gathered
        "builder": {"thumbnail": {"enabled": False}, "created_assertion_labels": list(CREATED_ASSERTION_LABELS)},
        "verify": {"verify_after_sign": True, "remote_manifest_fetch": False, "ocsp_fetch": False},
    }


def reader_settings(trust_anchors_pem: str | None) -> dict[str, Any]:
    """Reading settings: never fetch remote manifests or OCSP; trust only the given anchors."""
    verify: dict[str, Any] = {"remote_manifest_fetch": False, "ocsp_fetch": False}
    if trust_anchors_pem is None:
        return {"verify": verify}
    return {"trust": {"trust_anchors": trust_anchors_pem}, "verify": {**verify, "verify_trust": True}}


def trust_anchors_text(pem: bytes | None) -> str | None:
    """Check that ``pem`` holds at least one certificate and return it as text for the settings."""
    if pem is None:
        return None
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except (ValueError, TypeError) as e:
        raise ProvenanceError(f"trust_anchors_pem holds no valid PEM certificate: {e}") from e
    if not certificates:
        raise ProvenanceError("trust_anchors_pem holds no PEM certificate")
    return pem.decode("ascii")


def read_detached(
    asset: bytes, manifest: bytes, settings: Mapping[str, Any], *, detailed: bool = False
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Read and validate a detached manifest store over ``asset`` (text/plain).

    Returns the reader JSON (manifests, ``validation_results``, ``validation_state``) and, when
    asked, the detailed JSON (raw assertion store). An unreadable store raises
    :class:`ManifestError`; a readable one that fails validation is returned with its codes.
    """
    if not isinstance(manifest, bytes) or not manifest:
        raise ManifestError("the manifest is empty: expected the bytes of a C2PA manifest store")
    try:
        with (
            c2pa.Context.from_dict(dict(settings)) as context,
            c2pa.Reader(TEXT_FORMAT, io.BytesIO(asset), manifest, context=context) as reader,
        ):
            store = json.loads(reader.json())
            detail = json.loads(reader.detailed_json()) if detailed else None
    except c2pa.C2paError as e:
        raise ManifestError(f"not a readable C2PA manifest store: {e}") from e
    if not isinstance(store, dict) or store.get("active_manifest") not in store.get("manifests", {}):
        raise ManifestError("the manifest store has no active manifest")
    return store, detail


def read_asset(
    asset: Path | BinaryIO, media_type: str, settings: Mapping[str, Any], *, manifest: bytes | None = None
) -> dict[str, Any]:
    """Read and validate the manifest store embedded in a video or image (or ``manifest``, a
    detached store over it). ``asset`` is a path or a binary file; it is streamed, not loaded.

    Raises :class:`NoManifestError` when the file carries no manifest and none is given, and
    :class:`ManifestError` when what it carries cannot be read at all.
    """
    try:
        with (
            (open(asset, "rb") if isinstance(asset, Path) else contextlib.nullcontext(asset)) as stream,
            c2pa.Context.from_dict(dict(settings)) as context,
            c2pa.Reader(media_type, stream, manifest, context=context) as reader,
        ):
            store = json.loads(reader.json())
    except c2pa.C2paError as e:
        if manifest is None and "ManifestNotFound" in type(e).__name__ + str(e):
            raise NoManifestError("the file carries no C2PA manifest") from e
        if "RemoteManifest" in type(e).__name__ or str(e).startswith("Remote:"):
            raise RemoteManifestError(
                f"the file points to a remote manifest ({str(e).rsplit(' ', 1)[-1]}), which is never fetched: "
                "pass that manifest store as a sidecar") from e
        raise ManifestError(f"not a readable C2PA manifest store: {e}") from e
    if not isinstance(store, dict) or store.get("active_manifest") not in store.get("manifests", {}):
        raise ManifestError("the manifest store has no active manifest")
    return store


def active_manifest(store: Mapping[str, Any]) -> dict[str, Any]:
    return store["manifests"][store["active_manifest"]]


def assertion_data(manifest: Mapping[str, Any], labels: Iterable[str] | str) -> Any:
    """The ``data`` of the first assertion whose label is in ``labels`` (None when absent)."""
    wanted = (labels,) if isinstance(labels, str) else tuple(labels)
    for label in wanted:
        for assertion in manifest.get("assertions", ()):
            if assertion.get("label") == label:
                return assertion.get("data")
    return None


def hard_binding_sha256(detailed_store: Mapping[str, Any]) -> bytes | None:
    """The SHA-256 the active manifest's ``c2pa.hash.data`` binds, when it covers the whole asset."""
    manifest = detailed_store["manifests"][detailed_store["active_manifest"]]
    binding = manifest.get("assertion_store", {}).get(HARD_BINDING_LABEL)
    if not isinstance(binding, dict) or binding.get("alg") != "sha256" or binding.get("exclusions"):
        return None
    try:
        return base64.b64decode(binding["hash"], validate=True)
    except (KeyError, TypeError, ValueError):
        return None


def status_entries(results: Mapping[str, Any] | None, kind: str) -> list[dict[str, Any]]:
    """The active manifest's ``kind`` entries (``success``, ``informational`` or ``failure``)."""
    if not results:
        return []
    return list((results.get("activeManifest") or {}).get(kind) or [])


def ingredient_delta_entries(results: Mapping[str, Any] | None, kind: str) -> list[dict[str, Any]]:
    """Every ingredient's ``kind`` entries from ``ingredientDeltas``."""
    entries: list[dict[str, Any]] = []
    for delta in (results or {}).get("ingredientDeltas") or []:
        entries.extend((delta.get("validationDeltas") or {}).get(kind) or [])
    return entries


def unique_codes(entries: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The distinct ``code`` values of status entries, in first-seen order."""
    return tuple(dict.fromkeys(entry["code"] for entry in entries if "code" in entry))
