"""The error family of the provenance library.

Every failure this package raises is a :class:`ProvenanceError`, so a caller (the registry, the
web layer's single error handler) can catch one class. Failures coming out of ``c2pa`` are wrapped
with ``raise ... from e`` so the native message stays available as ``__cause__``.
"""

from __future__ import annotations


class ProvenanceError(Exception):
    """Base class of every error raised by :mod:`provenance`."""


class InvalidArticleError(ProvenanceError):
    """The uploaded bytes are not an article we can sign (not UTF-8 text, empty, a binary file...)."""


class InvalidRecordError(ProvenanceError):
    """A provenance record field is missing or malformed (see the message for which one)."""


class SigningError(ProvenanceError):
    """The signing material was refused or C2PA signing failed."""


class ManifestError(ProvenanceError):
    """A manifest store could not be read at all (not C2PA, truncated, garbage)."""


class NoManifestError(ManifestError):
    """The file carries no C2PA manifest at all (stripped, or never signed)."""


class RemoteManifestError(ManifestError):
    """The file only points to a manifest elsewhere (a URL); remote manifests are never fetched."""
