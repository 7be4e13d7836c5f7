"""The transparency log's page: the newest checkpoint (size, root hash, the signed note and its
witnesses' cosignatures), an entry looked up by index, sha256 or work id with a link to its
inclusion proof, links to consistency proofs between two sizes, and the keys to check it all with:
the log's verifier key (/log/key) and the C2PA trust anchors (/c2pa/trust-anchors.pem, `web.api_c2pa`).

Thin: the facts come from `registry.log_proofs` and `registry.work_search`, as the API's do."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from registry import log_proofs
from registry.accounts.principal import Principal
from registry.errors import InvalidInputError, NotFoundError, RegistryError
from registry.service import Registry
from registry.work_search import WorkQuery, search_works

from .auth import PrincipalDep
from .deps import RegistryDep
from .errors import error_parts
from .templating import render

router = APIRouter(include_in_schema=False)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAX_DIGITS = 18  # log indexes and sizes up to 10**18 - 1, as the tile paths allow


def _checkpoint(registry: Registry) -> dict:
    """The newest checkpoint as the page shows it: its note alone and the cosignature lines added to it."""
    head = log_proofs.log_head(registry)
    with registry.db.reading() as session:
        latest = registry.log.latest_checkpoint(session)
        cosigned = registry.log.cosigned_note(session, latest) if latest else ""
    note_lines = set((head["checkpoint"] or "").splitlines())
    cosignatures = [line for line in cosigned.splitlines() if line and line not in note_lines]
    root = base64.b64decode(head["root_hash"]).hex() if head["root_hash"] else None
    return {**head, "root_hex": root, "note": cosigned, "cosignatures": cosignatures}


def _number(value: str, name: str) -> int:
    if not (value.isdigit() and len(value) <= _MAX_DIGITS):
        raise InvalidInputError(f"{name} must be a whole number, got {value[:30]!r}")
    return int(value)


def _find_entry(registry: Registry, principal: Principal, wanted: str) -> dict:
    """The log entry named by an index, a content sha256 or a work id (works the caller may see)."""
    lowered = wanted.lower()
    if wanted.isdigit() and not _SHA256.fullmatch(lowered):
        return log_proofs.log_entry(registry, _number(wanted, "the entry index"))
    if not (_SHA256.fullmatch(lowered) or re.fullmatch(r"[0-9A-Z]{26}", wanted.upper())):
        raise InvalidInputError(f"look up an entry by its index, a sha256 (64 hex digits) or a work id, got {wanted[:70]!r}")
    page = search_works(registry, WorkQuery(text=wanted, limit=10), principal=principal)
    for work in page.works:
        if lowered in (work["sha256"], work["work_id"].lower()):
            return log_proofs.log_entry(registry, work["log_index"])
    raise NotFoundError(f"no registered work has sha256 or work id {wanted}")


def _consistency_link(size: int, old: str, new: str) -> str:
    """The JSON API's consistency proof from `old` to `new` (default: the newest size)."""
    old_size = _number(old, "the old size")
    new_size = _number(new, "the new size") if new else size
    if old_size > new_size:
        raise InvalidInputError(f"the old size must be at most the new size, got {old_size} > {new_size}")
    if new_size > size:
        raise InvalidInputError(f"the new size must be at most the log's size {size}, got {new_size}")
    return "/api/v1/log/consistency?" + urlencode({"old": old_size, "new": new_size})


@router.get("/log", response_class=HTMLResponse)
def log_page(request: Request, registry: RegistryDep, principal: PrincipalDep) -> HTMLResponse:
    checkpoint = _checkpoint(registry)
    params = request.query_params
    wanted = params.get("entry", "").strip()[:100]
    old, new = params.get("old", "").strip(), params.get("new", "").strip()
    entry = entry_error = consistency = consistency_error = None
    status = 200
    if wanted:
        try:
            entry = _find_entry(registry, principal, wanted)
        except RegistryError as e:
            entry_error, (status, _) = str(e), error_parts(e)
    if old or new:
        try:
            consistency = _consistency_link(checkpoint["size"], old, new)
        except RegistryError as e:
            consistency_error, (status, _) = str(e), error_parts(e)
    return render(request, "log.html", principal, status_code=status, checkpoint=checkpoint, wanted=wanted,
                  entry=entry, entry_error=entry_error, old=old, new=new, consistency=consistency,
                  consistency_error=consistency_error)


