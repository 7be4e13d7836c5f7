"""The C2PA Soft Binding Resolution API over the registry's fingerprints (routes: `web.api_c2pa`).

A manifest repository answers four questions (C2PA 2.x, "Soft Binding Resolution API"):

- which soft binding algorithms it takes (`supported_algorithms`);
- which manifests match a binding value, an algorithm and its value (`matches_by_binding`);
- which manifests match an asset's bytes (`matches_by_content`);
- the manifest store of a manifest id (`manifest_by_id`).

A manifest id is the label of a registered work's active manifest (``urn:c2pa:<uuid>``,
``manifest.label``). A match's ``similarityScore`` is the registry's score as an integer percentage:
for videos and images the share of the suspect's duration matched, times how close its pictures
are (`fingerprint.video`); for articles the larger of the shares of the suspect and of the work
inside their shared passages (`fingerprint.text`), or by binding, the share of the value's hashes
the work holds; for an ISCC-CODE (``io.iscc.v0``), the share of its Content, Data and Instance
units the work has (100: the same code or the same bytes). Article matches are copies only (verdict
``copy``): an article that shares a quote with a registered one does not resolve to its manifest.
The registry's authorization applies: another organisation's unpublished work matches only as
``"restricted": true`` with a note naming whom to ask (an extension of the result object), and its
manifest is not served (404).
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from fingerprint.iscc import ISCC_ALG, IsccError
from provenance.jumbf import active_manifest_only

from ..accounts.principal import OPERATOR, Principal
from ..errors import BadQueryError, PayloadTooLargeError, UnsupportedMediaError
from ..iscc import works_sharing_units
from ..matching import WorkMatch, find_text_binding_matches, match_article, restrict_matches
from ..media import sniff_file
from ..models import Manifest, Work, WorkVersion
from ..service import Registry
from ..works import newest_versions
from .bindings import SUPPORTED_ALGS, TEXT_ALG, VIDEO_ALG, text_binding_hashes, video_binding_fingerprint
from .labels import label_of, visible_manifest

MAX_RESULTS = 100
DEFAULT_RESULTS = 10
TEXT_FORMATS = {"text/plain": "text", "text/html": "html", "text/markdown": "markdown", "text/x-markdown": "markdown"}


def supported_algorithms() -> dict:
    return {"watermarks": [], "fingerprints": [{"alg": alg} for alg in SUPPORTED_ALGS]}


def _max_results(value: int | None) -> int:
    if value is None:
        return DEFAULT_RESULTS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RESULTS:
        raise BadQueryError(f"maxResults must be an integer from 1 to {MAX_RESULTS}, got {value!r}")
    return value


def _check_alg(alg: str | None, *, required: bool) -> str | None:
    if alg is None or alg == "":
        if required:
            raise BadQueryError(f"alg is required: one of {', '.join(SUPPORTED_ALGS)}")
        return None
    if alg not in SUPPORTED_ALGS:
        raise BadQueryError(f"soft binding algorithm {alg!r} is not supported here: "
                                f"one of {', '.join(SUPPORTED_ALGS)} (GET /c2pa/v1/services/supportedAlgorithms)")
    return alg


def _newest_manifests(session: Session, work_ids: list[str]) -> dict[str, Manifest]:
    rows = session.exec(
        select(WorkVersion.work_id, Manifest)
        .join(*newest_versions(work_ids))
        .join(Manifest, Manifest.version_id == WorkVersion.id)  # type: ignore[arg-type]
    ).all()
    return dict(rows)


def similarity(score: float) -> int:
    """A registry score (0 to 1) as the API's integer from 0 to 100."""
    return max(0, min(100, round(score * 100)))


def _result(registry: Registry, matches: list[WorkMatch], max_results: int) -> dict:
    matches = matches[:max_results]
    with registry.db.reading() as session:
        manifests = _newest_manifests(session, [m.work_id for m in matches]) if matches else {}
    found = []
    for match in matches:
        manifest = manifests.get(match.work_id)
        label = label_of(registry, manifest) if manifest is not None else None
        if label is None:
            continue
        entry: dict = {"manifestId": label, "similarityScore": similarity(match.score)}
        if match.restricted is not None:
            entry |= {"restricted": True, "note": match.restricted}
        else:
            entry["workId"] = match.work_id
        found.append(entry)
    return {"matches": found}


def matches_by_binding(registry: Registry, alg: str | None, value: str | None, *, max_results: int | None = None,
                       principal: Principal = OPERATOR) -> dict:
    """Manifests matching a soft binding value of one of the registry's algorithms."""
    alg = _check_alg(alg, required=True)
    limit = _max_results(max_results)
    if value is None or value == "":
        raise BadQueryError("value is required: the soft binding value, base64")
    with registry.db.reading() as session:
        if alg == VIDEO_ALG:
            fingerprint = video_binding_fingerprint(value)
            hits = registry.video_index.search_fingerprint(session, fingerprint, limit=limit)
            works = {w.id: w for w in session.exec(select(Work).where(Work.id.in_([wid for wid, _ in hits])))}  # type: ignore[attr-defined]
            matches = [WorkMatch(work_id=wid, title=works[wid].title, kind=works[wid].kind, score=hit.score)
                       for wid, hit in hits if wid in works]
        elif alg == ISCC_ALG:
            matches = _iscc_matches(session, value, limit)
        else:
            assert alg == TEXT_ALG
            matches = find_text_binding_matches(session, text_binding_hashes(value), limit=limit)
    return _result(registry, restrict_matches(registry, principal, matches), limit)


def _iscc_matches(session: Session, value: str, limit: int) -> list[WorkMatch]:
    """Works sharing units with an ISCC-CODE or unit (``ISCC:...``, the value of an ``io.iscc.v0`` binding)."""
    try:
        hits = works_sharing_units(session, value, limit=limit)
    except IsccError as e:
        raise BadQueryError(f"an {ISCC_ALG} value is an ISCC-CODE or unit (ISCC:...): {e}") from e
    works = {w.id: w for w in session.exec(select(Work).where(Work.id.in_([wid for wid, _ in hits])))}  # type: ignore[attr-defined]
    return [WorkMatch(work_id=wid, title=works[wid].title, kind=works[wid].kind, score=score)
            for wid, score in hits if wid in works]


def content_kind(content_type: str | None, path: Path) -> tuple[str, str | None]:
    """("article", its format) or ("video" | "image", None) of an asset: its declared media type
    (image/*, video/*, text/*) and its bytes must agree; UnsupportedMediaError (415) otherwise."""
    declared = (content_type or "").split(";")[0].strip().lower()
    top = declared.partition("/")[0]
    if top not in ("image", "video", "text"):
        raise UnsupportedMediaError(
            f"expected an image/*, video/* or text/* asset, got Content-Type {content_type or '(none)'!r}")
    media = sniff_file(path)
    if top == "text":  # the article path reads (or names what is wrong with) any text encoding
        if media is not None and media.kind != "article":
            raise UnsupportedMediaError(f"Content-Type {declared} but the bytes are {media.media_type}")
        return "article", TEXT_FORMATS.get(declared, "text")
    if media is None or media.kind != top:
        raise UnsupportedMediaError(f"Content-Type {declared} but the bytes are "
                                    f"{media.media_type if media else 'no video or image this registry reads'}")
    return media.kind, None


def matches_by_content(registry: Registry, path: Path, content_type: str | None, *, alg: str | None = None,
                       max_results: int | None = None, principal: Principal = OPERATOR) -> dict:
    """Manifests matching an asset (an image, a video or an article's text), fingerprinted here."""
    from ..registration.media import match_media

    alg = _check_alg(alg, required=False)
    limit = _max_results(max_results)
    kind, text_format = content_kind(content_type, path)
    expected = TEXT_ALG if kind == "article" else VIDEO_ALG
    if alg == ISCC_ALG:
        raise BadQueryError(f"{ISCC_ALG} resolves by binding value (matches/byBinding with the ISCC-CODE); "
                            f"matches/byContent fingerprints a {kind} with {expected}")
    if alg is not None and alg != expected:
        raise BadQueryError(f"soft binding algorithm {alg} does not fingerprint a {kind}: {expected} does")
    if kind == "article":
        size, most = path.stat().st_size, registry.settings.max_article_bytes
        if size > most:
            raise PayloadTooLargeError(f"text is {size:,} bytes, the limit is {most:,} bytes")
        matches = [m for m in match_article(registry, path.read_bytes(), limit=limit, principal=principal,
                                            text_format=text_format) if m.verdict == "copy"]
    else:
        matches = match_media(registry, path, limit=limit, principal=principal)
    return _result(registry, matches, limit)


def manifest_by_id(registry: Registry, manifest_id: str, *, active_only: bool = False,
                   principal: Principal = OPERATOR) -> bytes:
    """The manifest store of a manifest id (only its active manifest with `active_only`);
    NotFoundError for an id this registry does not hold or whose work the caller may not see."""
    with registry.db.reading() as session:
        manifest, _ = visible_manifest(session, principal, manifest_id)
    store = registry.blobs.get(manifest.sha256)
    return active_manifest_only(store) if active_only else store
