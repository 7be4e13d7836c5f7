"""The transparency log in C2SP formats: checkpoint, verifier key and tlog-tiles."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import select

from registry.models import LogEntry
from registry.tlog.errors import TileError
from registry.tlog.tiles import TILE_WIDTH, entry_bundle, parse_tile_path, tile_hashes

from .deps import RegistryDep

router = APIRouter(prefix="/log", tags=["transparency log"])
_IMMUTABLE = "public, max-age=31536000, immutable"


@router.get("/checkpoint", response_class=PlainTextResponse, summary="Newest signed checkpoint (C2SP)")
def checkpoint(registry: RegistryDep) -> PlainTextResponse:
    with registry.db.reading() as session:
        row = registry.log.latest_checkpoint(session)
    return PlainTextResponse(row.note if row else "", headers={"Cache-Control": "no-store"})


@router.get("/key", response_class=PlainTextResponse, summary="Checkpoint verifier key (signed-note vkey)")
def key(registry: RegistryDep) -> str:
    return registry.log_vkey + "\n"


@router.get("/tile/{path:path}", summary="C2SP tlog-tiles: hash tiles and entry bundles")
def tile(registry: RegistryDep, path: str) -> Response:
    parsed = parse_tile_path("tile/" + path)
    with registry.db.reading() as session:
        latest = registry.log.latest_checkpoint(session)
        size = latest.size if latest else 0
        if parsed.level is None:
            first = parsed.index * TILE_WIDTH
            if first + parsed.width > size:
                raise TileError(f"entry bundle {path} reaches index {first + parsed.width - 1}, "
                                f"expected at most {size - 1} (tree size {size})")
            rows = session.exec(
                select(LogEntry.leaf).where(LogEntry.index >= first, LogEntry.index < first + parsed.width)  # type: ignore[operator]
                .order_by(LogEntry.index)  # type: ignore[arg-type]
            ).all()
            body = entry_bundle(list(rows))
        else:
            body = tile_hashes(parsed.level, parsed.index, parsed.width, size, registry.log.reader(session))
    cache = _IMMUTABLE if parsed.width == TILE_WIDTH else "no-store"
    return Response(body, media_type="application/octet-stream", headers={"Cache-Control": cache})
