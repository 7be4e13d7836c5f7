"""Provenance of AI-generated works: C2PA manifests, signed, timestamped and verified. Pure library.

- :mod:`provenance.record`: :class:`~provenance.record.AIProvenance`, the record a manifest carries
  (model, dataset sources and licences, prompt digest, generation parameters, editors, edit actions).
- :mod:`provenance.assertions`: the CAWG training-and-mining assertion and the GB 45438 implicit label.
- :mod:`provenance.manifest`: the record as a C2PA manifest definition, and the claims read back.
- :mod:`provenance.article`: canonical text of an upload (what gets hashed and signed).
- :mod:`provenance.keys`: signing material (PEM or an HSM/KMS callback), a local PKI, leaf rotation.
- :mod:`provenance.timestamp`: an RFC 3161 time-stamp authority, so manifests outlive their leaf.
- :mod:`provenance.sign`: :class:`~provenance.sign.ManifestSigner`: detached manifests for text,
  embedded manifests for video and images, parents as ingredients to any depth.
- :mod:`provenance.verify`: :func:`~provenance.verify.verify_article`,
  :func:`~provenance.verify.verify_media` and their report (state, codes, signer, time, tree).
- :mod:`provenance.errors`: the error family, all :class:`~provenance.errors.ProvenanceError`.
"""
