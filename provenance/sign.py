"""Sign works: detached C2PA manifests for articles, embedded manifests for videos and images.

:class:`ManifestSigner` writes the manifest :mod:`provenance.manifest` describes:

- :meth:`~ManifestSigner.sign_article`: a detached store over the article's exact UTF-8 bytes
  (text cannot carry a manifest).
- :meth:`~ManifestSigner.sign_media`: the manifest embedded into a copy of an MP4, MOV, AVI,
  JPEG, PNG or WebP file, streamed from one file object to another (nothing is held in memory
  but c2pa's buffers); it returns the manifest store bytes as well.

Parents (edit history, any depth) are validated before they go in:

- an article parent's detached store is read over no bytes (its text is not at hand) and its hard
  binding compared with the parent's registered ``content_sha256``;
- a video or image parent is read from its signed file, so c2pa checks its binding itself.

A parent must read without failures; a trust failure is tolerated only when the signer has no trust
anchors. Each parent's store travels inside the new one (as the ingredient's ``manifest_data``),
so a verifier checks the whole chain offline.

>>> from provenance.keys import create_local_pki
>>> from provenance.record import AIProvenance
>>> signer = ManifestSigner(create_local_pki().signing_material())
>>> sidecar = signer.sign_article("Hello.\\n", AIProvenance("gpt-x", "1"), work_id="w-1")
>>> 1_000 < len(sidecar) < 20_000
True
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from typing import Any, BinaryIO

import c2pa

from provenance import _c2pa
from provenance.article import is_canonical_article
from provenance.assertions import ImplicitLabel, SoftBinding, TrainingMining
from provenance.errors import InvalidArticleError, InvalidRecordError, ManifestError, SigningError
from provenance.keys import CallbackSigning, SigningMaterial
from provenance.manifest import ParentIngredient, manifest_definition, resource_id
from provenance.record import AIProvenance, ParentManifest, check_work_id

DEFAULT_CLAIM_GENERATOR = "aigc-registry/0.1"
#: Media types ``sign_media`` embeds into (what c2pa-rs binds and what the registry decodes).
MEDIA_FORMATS = ("video/mp4", "video/quicktime", "video/x-msvideo", "image/jpeg", "image/png", "image/webp")

_PROBE_TEXT = b"aigc-registry signing probe\n"
_C2PA_ALGS = {name.lower(): getattr(c2pa.C2paSigningAlg, name.upper()) for name in
              ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")}


class ManifestSigner:
    """Signs works with one signing identity; reusable and thread-safe.

    ``material`` is a PEM chain and key (:class:`SigningMaterial`) or a callback into an HSM or
    KMS (:class:`CallbackSigning`). ``tsa_url`` is an RFC 3161 timestamp authority whose token
    goes into every signature (see ADR 7). ``service_provider`` names the generating service in
    the GB 45438 implicit label. The native signer is built once per process (rebuilt after a
    ``fork``). The constructor signs a probe, so a refused chain or a key that does not match fails
    here, with :class:`SigningError`, not on the first upload.

    ``trust_anchors_pem`` (optional) is used to validate parent manifests: when given, a parent
    must read ``Trusted``; without it, an untrusted but intact parent is accepted.
    """

    def __init__(
        self,
        material: SigningMaterial | CallbackSigning,
        *,
        trust_anchors_pem: bytes | None = None,
        tsa_url: str | None = None,
        service_provider: str = "aigc-registry",
    ) -> None:
        if not isinstance(material, SigningMaterial | CallbackSigning):
            raise SigningError(f"expected SigningMaterial or CallbackSigning, got {type(material).__name__}")
        if tsa_url is not None and not tsa_url.startswith(("http://", "https://")):
            raise SigningError(f"tsa_url must be an http(s) URL, got {tsa_url!r}")
        self._material = material
        self._tsa_url = tsa_url
        self._service_provider = service_provider
        self._parent_trust_anchors = _c2pa.trust_anchors_text(trust_anchors_pem)
        self._lock = threading.Lock()
        self._signer: c2pa.Signer | None = None
        self._signer_pid: int | None = None
        self._probe()

    def __repr__(self) -> str:
        return f"ManifestSigner({self._material!r}, tsa_url={self._tsa_url!r})"

    def sign_article(
        self,
        text: str,
        record: AIProvenance,
        *,
        work_id: str,
        parents: Sequence[ParentManifest] = (),
        training_mining: TrainingMining | None = None,
        soft_binding: SoftBinding | Sequence[SoftBinding] | None = None,
        claim_generator: str = DEFAULT_CLAIM_GENERATOR,
    ) -> bytes:
        """Return the detached manifest store (bytes of a ``.c2pa`` sidecar) for ``text``.

        ``text`` must already be canonical (see :func:`provenance.article.canonicalise_article`);
        the manifest binds ``text.encode("utf-8")`` exactly. ``soft_binding`` (optional: one or several) adds a
        ``c2pa.soft-binding`` assertion for each, naming its fingerprint.
        """
        if not isinstance(text, str) or not is_canonical_article(text):
            raise InvalidArticleError(
                "text is not in canonical form: pass it through canonicalise_article() before signing"
            )
        definition, ingredients = self._definition(record, work_id, _c2pa.TEXT_FORMAT, parents, training_mining,
                                                   claim_generator, soft_binding)
        return self._sign(definition, io.BytesIO(text.encode("utf-8")), ingredients, _c2pa.TEXT_FORMAT, None)

    def sign_media(
        self,
        source: BinaryIO,
        media_type: str,
        record: AIProvenance,
        *,
        work_id: str,
        dest: BinaryIO,
        parents: Sequence[ParentManifest] = (),
        training_mining: TrainingMining | None = None,
        soft_binding: SoftBinding | Sequence[SoftBinding] | None = None,
        claim_generator: str = DEFAULT_CLAIM_GENERATOR,
    ) -> bytes:
        """Embed a manifest into a video or image: read ``source``, write the signed file to ``dest``
        (both binary files, ``dest`` opened for writing and reading) and return the manifest store.

        The manifest binds the signed file's bytes (BMFF hash for MP4/MOV, data hash otherwise);
        ``soft_binding`` (optional: one or several) adds a ``c2pa.soft-binding`` assertion for each.
        """
        if media_type not in MEDIA_FORMATS:
            raise SigningError(f"expected one of {', '.join(MEDIA_FORMATS)}, got {media_type!r}")
        definition, ingredients = self._definition(record, work_id, media_type, parents, training_mining,
                                                   claim_generator, soft_binding)
        return self._sign(definition, source, ingredients, media_type, dest)

    # -- internals ---------------------------------------------------------------------------

    def _definition(
        self, record: AIProvenance, work_id: str, media_type: str, parents: Sequence[ParentManifest],
        training_mining: TrainingMining | None, claim_generator: str,
        soft_binding: SoftBinding | Sequence[SoftBinding] | None = None,
    ) -> tuple[dict[str, Any], list[ParentIngredient]]:
        if not isinstance(record, AIProvenance):
            raise InvalidRecordError(f"record must be an AIProvenance, got {type(record).__name__}")
        check_work_id(work_id)
        if training_mining is not None and not isinstance(training_mining, TrainingMining):
            raise InvalidRecordError(f"training_mining must be a TrainingMining, got {type(training_mining).__name__}")
        parents = tuple(parents)
        _check_parents(parents)
        ingredients = [self._parent_ingredient(parent, i) for i, parent in enumerate(parents)]
        definition = manifest_definition(
            record, work_id=work_id, media_type=media_type, generator=_claim_generator_info(claim_generator),
            parents=ingredients, training_mining=training_mining,
            implicit_label=ImplicitLabel(content_producer=self._service_provider, produce_id=work_id),
            soft_bindings=_soft_bindings(soft_binding),
        )
        return definition, ingredients

    def _sign(self, definition: dict[str, Any], source: BinaryIO, ingredients: Sequence[ParentIngredient],
              media_type: str, dest: BinaryIO | None) -> bytes:
        signer = self._current_signer()
        try:
            with (
                c2pa.Context.from_dict(_c2pa.builder_settings()) as context,
                c2pa.Builder(definition, context=context) as builder,
            ):
                if dest is None:
                    builder.set_no_embed()
                for ingredient in ingredients:
                    builder.add_resource(resource_id(ingredient.index), io.BytesIO(ingredient.parent.manifest))
                manifest = builder.sign(signer, media_type, source, dest if dest is not None else io.BytesIO())
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
                self._signer = self._native_signer()
                self._signer_pid = pid
            return self._signer

    def _native_signer(self) -> c2pa.Signer:
        material = self._material
        try:
            if isinstance(material, CallbackSigning):
                return c2pa.Signer.from_callback(material.sign, _C2PA_ALGS[material.alg],
                                                 material.chain_pem.decode("ascii"), self._tsa_url)
            tsa = self._tsa_url.encode("ascii") if self._tsa_url else None
            info = c2pa.C2paSignerInfo(material.alg.encode("ascii"), material.chain_pem, material.key_pem, tsa)
            return c2pa.Signer.from_info(info)
        except c2pa.C2paError as e:
            raise SigningError(f"c2pa refused the signing material: {e}") from e

    def _probe(self) -> None:
        try:
            self.sign_article(_PROBE_TEXT.decode(), AIProvenance(model_name="probe", model_version="0"), work_id="probe")
        except SigningError as e:
            raise SigningError(
                "the signing material was refused (c2pa wants root -> intermediate -> leaf, leaf CA:FALSE "
                f"with digitalSignature and emailProtection, chain leaf first): {e.__cause__ or e}"
            ) from e

    def _parent_ingredient(self, parent: ParentManifest, index: int) -> ParentIngredient:
        """Validate one parent manifest and describe it as an ingredient."""
        settings = _c2pa.reader_settings(self._parent_trust_anchors)
        try:
            if parent.asset is not None:  # a signed video or image: c2pa checks the binding
                store = _c2pa.read_asset(parent.asset, parent.media_type, settings, manifest=parent.manifest)
                failures = _c2pa.status_entries(store.get("validation_results"), "failure")
            else:  # an article: read over no bytes, check the binding ourselves
                store, detail = _c2pa.read_detached(b"", parent.manifest, settings, detailed=True)
                bound = _c2pa.hard_binding_sha256(detail) if detail else None
                if bound is None or bound.hex() != parent.content_sha256:
                    raise SigningError(
                        f"parent {parent.work_id!r}: its manifest binds sha256 "
                        f"{bound.hex() if bound else 'of nothing usable'}, expected {parent.content_sha256}"
                    )
                failures = [entry for entry in _c2pa.status_entries(store.get("validation_results"), "failure")
                            if entry.get("code") != _c2pa.DATA_HASH_MISMATCH]
        except ManifestError as e:
            raise ManifestError(f"parent {parent.work_id!r}: {e}") from e

        results = dict(store.get("validation_results") or {})
        tolerated = {_c2pa.UNTRUSTED} if self._parent_trust_anchors is None else set()
        deltas = _c2pa.ingredient_delta_entries(results, "failure")  # the parent's own parents
        refused = [code for code in _c2pa.unique_codes(failures + deltas) if code not in tolerated]
        if refused:
            raise SigningError(f"parent {parent.work_id!r}: its manifest fails validation: {', '.join(refused)}")
        results["activeManifest"] = {**dict(results.get("activeManifest") or {}), "failure": failures}
        return ParentIngredient(parent=parent, active_manifest=store["active_manifest"],
                                validation_results=results, index=index)


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


def _soft_bindings(value: SoftBinding | Sequence[SoftBinding] | None) -> tuple[SoftBinding, ...]:
    bindings = () if value is None else (value,) if isinstance(value, SoftBinding) else tuple(value)
    for binding in bindings:
        if not isinstance(binding, SoftBinding):
            raise InvalidRecordError(f"soft_binding must be SoftBindings, got a {type(binding).__name__}")
    return bindings
