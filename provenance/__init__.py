"""Provenance of AI-generated articles: C2PA manifests, signed and verified. Pure library.

- :mod:`provenance.article`: canonical text of an upload (what gets hashed and signed).
- :mod:`provenance.record`: :class:`~provenance.record.AIProvenance`, the record a manifest carries.
- :mod:`provenance.keys`: signing material and a local root -> intermediate -> leaf PKI.
- :mod:`provenance.sign`: :class:`~provenance.sign.ManifestSigner`, detached manifests for text.
- :mod:`provenance.verify`: :func:`~provenance.verify.verify_article` and its report.
- :mod:`provenance.errors`: the error family, all :class:`~provenance.errors.ProvenanceError`.
"""
