"""The transparency log in C2SP formats: checkpoint, verifier key and tlog-tiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from registry import log_proofs
from registry.errors import NotFoundError
from registry.tile_mirror import IMMUTABLE as _IMMUTABLE, tile_content
from registry.tlog.tiles import TILE_WIDTH, format_tile_path, parse_tile_path, tile_published_by

from .deps import RegistryDep

router = APIRouter(prefix="/log", tags=["transparency log"])
#: The canonical tile paths of c2sp.org/tlog-tiles after `tile/`: level 0..63 or `entries`, the index
#: in 3-digit groups (no leading `x000/`; up to 10**18 - 1 here), a partial width 1..255.
TILE_PATH_PATTERN = (r"^(entries|[0-9]|[1-5][0-9]|6[0-3])/(x(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})/(x[0-9]{3}/){0,4})?"
                     r"[0-9]{3}(\.p/([1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$")


@router.get("/checkpoint", response_class=PlainTextResponse, summary="Newest signed checkpoint (C2SP)")
def checkpoint(registry: RegistryDep) -> PlainTextResponse:
    with registry.db.reading() as session:
        row = registry.log.latest_checkpoint(session)
        note = registry.log.cosigned_note(session, row) if row else ""
    return PlainTextResponse(note, headers={"Cache-Control": "no-store"})


@router.get("/key", response_class=PlainTextResponse, summary="Checkpoint verifier key (signed-note vkey)")
def key(registry: RegistryDep) -> str:
    return registry.log_vkey + "\n"


@router.get("/tile/{path:path}", summary="C2SP tlog-tiles: hash tiles and entry bundles",
            description="A full tile once the tree has filled it (immutable), a partial tile of any width the "
            "tree has reached (so a client holding an older checkpoint gets the partial tiles of its size); "
            "404 for a tile the newest checkpoint's tree does not hold yet. With a tiles mirror and its public "
            "URL configured, a full tile already mirrored is a 302 redirect there.")
def tile(registry: RegistryDep,
         path: Annotated[str, Path(json_schema_extra={"pattern": TILE_PATH_PATTERN})]) -> Response:
    parsed = parse_tile_path("tile/" + path)  # 400 unless canonical; the pattern above says which are
    with registry.db.reading() as session:
        latest = registry.log.latest_checkpoint(session)
        size = latest.size if latest else 0
        if not tile_published_by(parsed.level, parsed.index, parsed.width, size):
            raise NotFoundError(f"the tree of size {size} has no tile {format_tile_path(*parsed)}")
        public = registry.settings.tiles_public_url
        if (public and registry.mirrored_size is not None and parsed.width == TILE_WIDTH
                and tile_published_by(parsed.level, parsed.index, parsed.width, registry.mirrored_size())):
            return RedirectResponse(f"{public.rstrip('/')}/{format_tile_path(*parsed)}", status_code=302,
                                    headers={"Cache-Control": _IMMUTABLE})
        body = tile_content(session, parsed, size, registry.log.reader(session))
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


@api.get("/inclusion", summary="Inclusion proof by index or by leaf hash (hex), in the tree of `size`",
         description="Give exactly one of `index` and `leaf_hash` (422 otherwise). 404 for an index, a leaf "
         "hash or a size the newest checkpoint's tree does not hold.")
def inclusion(registry: RegistryDep, index: Annotated[int | None, Query(ge=0, le=_MAX_INDEX)] = None,
              leaf_hash: Annotated[str | None, Query(pattern="^[0-9a-fA-F]{64}$")] = None,
              size: Annotated[int | None, Query(ge=0, le=_MAX_INDEX)] = None) -> dict:
    return log_proofs.inclusion(registry, index=index, leaf_hash_hex=leaf_hash, size=size)


@api.get("/consistency", summary="Consistency proof from `old` to `new` (default: the newest size)",
         description="`old` at most `new` (422 otherwise); 404 for a size beyond the newest checkpoint.")
def consistency(registry: RegistryDep, old: Annotated[int, Query(ge=0, le=_MAX_INDEX)],
                new: Annotated[int | None, Query(ge=0, le=_MAX_INDEX)] = None) -> dict:
    return log_proofs.consistency(registry, old, new)
