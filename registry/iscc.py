"""Each registered version's ISCC-CODE (`fingerprint.iscc`): made at registration, stored with its
units (`models.WorkIscc`), shown in the work's JSON, found by the work search, named in the
manifest (a ``c2pa.soft-binding`` assertion, alg ``io.iscc.v0``), and given to versions registered
before it existed by `backfill_iscc` (`aigc-registry migrate`).

A video's Video-Code needs FFmpeg's ``signature`` filter (GPL builds only): `signature_ffmpeg`
finds the program per `Settings.iscc_ffmpeg`; without one, videos get a Meta-Data-Instance code.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from fingerprint.errors import FingerprintError
from fingerprint.iscc import (
    IsccCode,
    IsccError,
    VideoSignatureError,
    VideoSignatures,
    article_iscc,
    file_iscc,
    has_signature_filter,
    image_iscc,
    start_signatures,
    units_of,
    video_iscc,
)

from .errors import NotFoundError
from .models import Work, WorkIscc, WorkVersion
from .settings import Settings

log = logging.getLogger(__name__)
BATCH = 100


def signature_ffmpeg(settings: Settings) -> str | None:
    """The FFmpeg program with the ``signature`` filter this registry uses, or None (setting ``off``,
    or none found); a named program without the filter is refused with a logged warning."""
    choice = settings.iscc_ffmpeg.strip()
    if choice == "off":
        return None
    if choice != "auto":
        if has_signature_filter(choice):
            return choice
        log.warning("iscc_ffmpeg=%s has no 'signature' filter (a GPL build of FFmpeg is needed): videos get "
                    "ISCC-CODEs without a Video-Code", choice)
        return None
    try:
        import imageio_ffmpeg

        candidates = [imageio_ffmpeg.get_ffmpeg_exe()]
    except (ImportError, RuntimeError):
        candidates = []
    candidates += [found for found in [shutil.which("ffmpeg")] if found]
    return next((c for c in candidates if has_signature_filter(c)), None)


def start_video_signatures(settings: Settings, path: Path) -> VideoSignatures | None:
    """Start computing a video's MPEG-7 signatures beside the registration (None: no FFmpeg for it),
    within the decoding workers' memory limit (`Settings.decode_memory_mb`); the caller cancels it
    if the registration fails, and waits at most `Settings.decode_timeout_seconds` for it."""
    ffmpeg = signature_ffmpeg(settings)
    if ffmpeg is None:
        return None
    try:
        return start_signatures(path, ffmpeg, memory_mb=settings.decode_memory_mb)
    except VideoSignatureError as e:
        log.warning("%s: no Video-Code: %s", path.name, e)
        return None


def video_code_of(path: Path, title: str, signatures: VideoSignatures | None, *,
                  timeout: float | None = None) -> IsccCode:
    """A video's ISCC-CODE; if FFmpeg fails on a file the registry decoded, the code has no Video-Code
    (logged) rather than refusing the registration."""
    frames = None
    if signatures is not None:
        try:
            frames = signatures.frames(timeout=timeout)
        except VideoSignatureError as e:
            log.warning("%s: no Video-Code: %s", path.name, e)
    return video_iscc(path, title=title, frames=frames)


def article_code_of(text: str, title: str, settings: Settings) -> IsccCode:
    """An article's ISCC-CODE (a long text's Text-Code made in a child process within the decode
    workers' memory limit); if that fails, a code without a Text-Code (logged)."""
    try:
        return article_iscc(text, title=title, memory_mb=settings.decode_memory_mb)
    except FingerprintError as e:
        log.warning("no Text-Code: %s", e)
        return file_iscc(text.encode("utf-8"), title=title)


def image_code_of(path: Path, title: str) -> IsccCode:
    """An image's ISCC-CODE; if Pillow cannot read a file the registry decoded, the code has no
    Image-Code (logged) rather than refusing the registration."""
    try:
        return image_iscc(path, title=title)
    except IsccError as e:
        log.warning("%s: no Image-Code: %s", path.name, e)
        return file_iscc(path, title=title)


def iscc_row(version_id: int, code: IsccCode) -> dict:
    """The `work_iscc` row of a version's code."""
    return {"version_id": version_id, "code": code.code, "meta": code.meta, "content": code.content,
            "data": code.data, "instance": code.instance}


def iscc_of_versions(session: Session, version_ids: list[int]) -> dict[int, IsccCode]:
    rows = session.exec(select(WorkIscc).where(col(WorkIscc.version_id).in_(version_ids))).all() if version_ids else []
    return {r.version_id: IsccCode(r.code, r.meta, r.content, r.data, r.instance) for r in rows}


def iscc_clause(text: str):  # type: ignore[no-untyped-def]
    """A filter on `WorkIscc` for the search text `text`, an ISCC-CODE or unit (IsccError if it is
    neither): the code itself, or a version sharing its Content, Data or Instance unit (its Meta unit,
    a title's, only when the query is nothing else)."""
    units = units_of(text)
    wanted = {kind: unit for kind, unit in units.items() if unit}
    tests = [WorkIscc.code == ("ISCC:" + text.strip().upper().removeprefix("ISCC:"))]
    for kind in ("content", "data", "instance"):
        if kind in wanted:
            tests.append(getattr(WorkIscc, kind) == wanted[kind])
    if set(wanted) == {"meta"}:
        tests.append(WorkIscc.meta == wanted["meta"])
    return or_(*tests)


def works_sharing_units(session: Session, text: str, *, limit: int) -> list[tuple[str, float]]:
    """(work id, score) of the works whose versions share units with the ISCC code or
    unit `text`, best first; the score is the share of the query's Content, Data and Instance units
    (its Meta unit when it is only that) the version has: 1.0 for the same code, or the same bytes."""
    units = units_of(text)
    kinds = [k for k in ("content", "data", "instance") if units[k]] or ["meta"]
    rows = session.exec(select(WorkVersion.work_id, WorkIscc).join(WorkIscc, WorkIscc.version_id == WorkVersion.id)  # type: ignore[arg-type]
                        .where(iscc_clause(text)).limit(limit * 4)).all()
    best: dict[str, float] = {}
    for work_id, row in rows:
        score = sum(getattr(row, k) == units[k] for k in kinds) / len(kinds)
        best[work_id] = max(best.get(work_id, 0.0), score)
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]


def versions_without_iscc(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(WorkVersion)
                            .where(~col(WorkVersion.id).in_(select(WorkIscc.version_id)))).one())


def code_of_stored(registry, version: WorkVersion, work: Work) -> IsccCode:  # type: ignore[no-untyped-def]
    """The ISCC-CODE of a stored version's registered content (read from the blob store)."""
    if work.kind == "article":
        return article_code_of(registry.blobs.get(version.sha256).decode("utf-8"), work.title, registry.settings)
    path = registry.blobs.path_of(version.sha256)
    if work.kind == "image":
        return image_code_of(path, work.title)
    return video_code_of(path, work.title, start_video_signatures(registry.settings, path),
                         timeout=registry.settings.decode_timeout_seconds)


def backfill_iscc(registry, progress: Callable[[int, int], None] | None = None) -> int:  # type: ignore[no-untyped-def]
    """Give every version without an ISCC-CODE its code; returns how many were given one. Codes are
    computed outside the write transaction, a batch at a time: an interrupted run leaves the rest."""
    with registry.db.reading() as session:
        total = versions_without_iscc(session)
    done, after = 0, 0
    while True:
        with registry.db.reading() as session:
            rows = session.exec(
                select(WorkVersion, Work).join(Work, Work.id == WorkVersion.work_id)  # type: ignore[arg-type]
                .where(col(WorkVersion.id) > after, ~col(WorkVersion.id).in_(select(WorkIscc.version_id)))
                .order_by(col(WorkVersion.id)).limit(BATCH)).all()
        if not rows:
            return done
        codes = []
        for version, work in rows:
            try:
                codes.append(iscc_row(version.id, code_of_stored(registry, version, work)))  # type: ignore[arg-type]
            except (IsccError, NotFoundError, OSError, UnicodeDecodeError) as e:
                log.warning("work %s version %s: no ISCC-CODE: %s", work.id, version.version, e)
        after = rows[-1][0].id  # type: ignore[assignment]
        with registry.db.writing() as session:
            present = set(session.exec(select(WorkIscc.version_id).where(
                col(WorkIscc.version_id).in_([c["version_id"] for c in codes]))).all()) if codes else set()
            for row in codes:
                if row["version_id"] not in present:
                    session.add(WorkIscc(**row))
                    done += 1
        if progress:
            progress(done, total)
