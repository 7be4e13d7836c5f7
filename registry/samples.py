"""Register the samples: articles in `samples/articles/` (each `<slug>.txt` with `<slug>.json`),
then videos and images in `samples/media/` (each file with `<stem>.json`).

A sample's `parents` name other samples by slug (an article's) or stem (a video's or image's);
parents are registered first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .accounts.bootstrap import SAMPLES_ORG, samples_org
from .errors import ConflictError, InvalidInputError
from .registration.article import RegistrationResult, register_article
from .registration.media import register_media
from .requests import RegistrationRequest
from .service import Registry

DEFAULT_SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


def _read_samples(folder: Path) -> dict[str, tuple[Path, dict]]:
    """Every sample, articles first, as ``{name: (file, metadata)}``: an article under its slug,
    a video or image under its file stem."""
    files = sorted((folder / "articles").glob("*.txt")) + _media_samples(folder)
    samples = {}
    for path in files:
        meta_path = path.with_suffix(".json")
        try:
            samples[path.stem] = (path, json.loads(meta_path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as e:
            raise InvalidInputError(f"sample metadata {meta_path} is unreadable: {e}") from e
    return samples


def _parents_first(samples: dict[str, tuple[Path, dict]]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(slug: str) -> None:
        if slug in order:
            return
        if slug in visiting or slug not in samples:
            raise InvalidInputError(f"sample parent {slug!r} is missing or part of a cycle")
        visiting.add(slug)
        for parent in samples[slug][1].get("parents", []):
            visit(parent)
        order.append(slug)

    for slug in samples:
        visit(slug)
    return order


def register_samples(
    registry: Registry, folder: Path = DEFAULT_SAMPLES_DIR, *, progress: Callable[[str], None] | None = None
) -> dict[str, RegistrationResult | None]:
    """Register every sample, as the samples' organisation; an already registered sample is
    skipped (value None)."""
    samples = _read_samples(folder)
    with registry.db.writing() as session:
        samples_org(session)
    work_ids: dict[str, str] = {}
    results: dict[str, RegistrationResult | None] = {}
    for name in _parents_first(samples):
        path, meta = samples[name]
        parents = [work_ids[p] for p in meta.get("parents", []) if p in work_ids]
        request = RegistrationRequest.from_metadata({**meta, "parents": parents, "registrant": SAMPLES_ORG})
        try:
            if path.suffix == ".txt":
                result = register_article(registry, path.read_bytes(), request)
            else:
                result = register_media(registry, path, request)
        except ConflictError as e:
            work_ids[name] = str(e.details["work_id"])
            results[name] = None
            continue
        work_ids[name] = result.work_id
        results[name] = result
        if progress:
            shown = name if path.suffix == ".txt" else path.name
            progress(f"registered sample {shown} as {result.work_id} (log index {result.log_index})")
    return results


def _media_samples(folder: Path) -> list[Path]:
    media = folder / "media"
    return sorted(p for p in media.glob("*") if p.suffix.lower() in (".mp4", ".mov", ".jpg", ".png", ".webp"))
