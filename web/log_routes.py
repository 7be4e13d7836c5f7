"""The transparency log in C2SP formats: checkpoint, verifier key and tlog-tiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import select

from registry import log_proofs
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
        note = registry.log.cosigned_note(session, row) if row else ""
    return PlainTextResponse(note, headers={"Cache-Control": "no-store"})


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


api = APIRouter(prefix="/api/v1/log", tags=["transparency log"])
_MAX_INDEX = (1 << 63) - 1


@api.get("", summary="The log's head: origin, size, root, newest checkpoint, verifier key")
def head(registry: RegistryDep) -> dict:
    return log_proofs.log_head(registry)


@api.get("/entries/{index}", summary="One entry: its leaf hash and logged statement")
def entry(registry: RegistryDep, index: Annotated[int, Path(ge=0, le=_MAX_INDEX)]) -> dict:
    return log_proofs.log_entry(registry, index)


@api.get("/inclusion", summary="Inclusion proof by index or by leaf hash (hex), in the tree of `size`")
def inclusion(registry: RegistryDep, index: Annotated[int | None, Query(ge=0, le=_MAX_INDEX)] = None,
              leaf_hash: Annotated[str | None, Query(max_length=64)] = None,
              size: Annotated[int | None, Query(ge=0, le=_MAX_INDEX)] = None) -> dict:
    return log_proofs.inclusion(registry, index=index, leaf_hash_hex=leaf_hash, size=size)


@api.get("/consistency", summary="Consistency proof from `old` to `new` (default: the newest size)")
def consistency(registry: RegistryDep, old: Annotated[int, Query(ge=0, le=_MAX_INDEX)],
                new: Annotated[int | None, Query(ge=0, le=_MAX_INDEX)] = None) -> dict:
    return log_proofs.consistency(registry, old, new)
