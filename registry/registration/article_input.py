"""An uploaded article as the registry reads it: plain text, HTML or Markdown, told apart by a
declared format, the file name (``.html``, ``.htm``, ``.xhtml``, ``.md``, ``.markdown``) or, for
HTML, the first tag (``<!doctype html>``, ``<html>``). Markup is stripped (`fingerprint.text`'s
``html_text`` and ``markdown_text``), paragraphs kept; the text is what is fingerprinted, and what
a registration registers and signs. ``sources`` says, for each character of that text, where it is
in the markup as sent (its decoded, canonical characters), so that passages can be shown there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from fingerprint.text import html_text, markdown_text
from provenance.article import canonicalise_article
from provenance.errors import ProvenanceError

from ..errors import InvalidInputError

FORMATS = ("text", "html", "markdown")
_BY_SUFFIX = {".html": "html", ".htm": "html", ".xhtml": "html", ".md": "markdown", ".markdown": "markdown"}


@dataclass(frozen=True)
class ArticleInput:
    text: str  # canonical text (`canonicalise_article`): fingerprinted, registered and signed
    sent: str  # the upload as canonical characters: what `sources` and suspect offsets index
    sources: np.ndarray | None  # per character of `text`, its offset in `sent`; None: `text` is `sent`
    format: str


def article_format(sent: str, filename: str | None = None, declared: str | None = None) -> str:
    if declared:
        if declared not in FORMATS:
            raise InvalidInputError(f"format must be one of {', '.join(FORMATS)}, got {declared!r}")
        return declared
    by_name = _BY_SUFFIX.get(PurePath(filename).suffix.lower()) if filename else None
    if by_name:
        return by_name
    head = sent.lstrip()[:200].lower()
    return "html" if head.startswith(("<!doctype html", "<html")) else "text"


def read_article(raw: bytes, *, filename: str | None = None, declared: str | None = None) -> ArticleInput:
    """The article in `raw`; InvalidInputError naming the problem (not UTF-8, empty, only markup)."""
    try:
        sent = canonicalise_article(raw)
    except ProvenanceError as e:
        raise InvalidInputError(str(e)) from e
    kind = article_format(sent, filename, declared)
    if kind == "text":
        return ArticleInput(sent, sent, None, kind)
    extracted, sources = html_text(sent) if kind == "html" else markdown_text(sent)
    if not extracted.strip():
        what, besides = ("HTML", ", scripts or styles") if kind == "html" else ("Markdown", "")
        raise InvalidInputError(f"the {what} holds no text: only markup{besides}")
    text = canonicalise_article(extracted.encode("utf-8"))
    body = text.rstrip("\n")
    if len(body) != len(extracted):  # NFC joined characters the markup had apart: offsets scaled to fit
        sources = sources[np.minimum(np.arange(len(body)) * len(extracted) // max(len(body), 1), len(sources) - 1)]
    return ArticleInput(text, sent, sources[: len(body)], kind)
