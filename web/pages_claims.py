"""The claims pages for rights teams: the organisation's queue (claims it filed and claims against
its works) with an upload that files a suspect's strong matches, and a claim side by side, with
the actions its side and its state allow. Thin: each page calls `registry.claims`, as
/api/v1/claims does, and renders `templates/claims.html` or `templates/claim.html`; a refused
upload or action renders the same page with the reason and the error's status.

>>> [(p.text, p.passage) for p in marked_pieces("one two three", [(4, 7)])]
[('one ', None), ('two', 1), (' three', None)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, Path as PathParam, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registry.accounts.principal import Principal
from registry.claims import STATES, act_on_claim, claim_details, file_claims, list_claims, suspect_frame
from registry.claims.service import ACTING_ROLE, MAX_NOTE_CHARS, compared_texts
from registry.claims.states import TRANSITIONS
from registry.errors import InvalidInputError, RegistryError

from .auth import PrincipalDep
from .deps import RegistryDep, spooled_upload, upload_limit
from .errors import error_parts
from .templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Piece:
    """A run of a compared text: a copied passage (numbered from 1) or the text between passages."""

    text: str
    passage: int | None = None


def marked_pieces(text: str, spans: list[tuple[int, int]]) -> list[Piece]:
    """`text` cut at each span's ``[start, end)``, the spans numbered 1, 2, ... in the order given.
    Offsets past the end are clipped; a span overlapping an earlier one keeps what is left of it
    (possibly nothing: an empty piece, so that its number still has an anchor)."""
    pieces, cursor = [], 0
    for index in sorted(range(len(spans)), key=lambda i: spans[i]):
        start = min(max(spans[index][0], cursor), len(text))
        end = min(max(spans[index][1], start), len(text))
        if start > cursor:
            pieces.append(Piece(text[cursor:start]))
        pieces.append(Piece(text[start:end], index + 1))
        cursor = end
    if cursor < len(text):
        pieces.append(Piece(text[cursor:]))
    return pieces


@dataclass(frozen=True)
class Bar:
    """One matched segment of a video or image on a shared scale of seconds, as percentages."""

    passage: int
    query_start: float
    query_end: float
    work_start: float
    work_end: float
    scale: float

    def left(self, side: str) -> float:
        return round(100 * getattr(self, f"{side}_start") / self.scale, 2)

    def width(self, side: str) -> float:
        start, end = getattr(self, f"{side}_start"), getattr(self, f"{side}_end")
        return max(round(100 * (end - start) / self.scale, 2), 0.5)  # a still frame still shows


def timeline(segments: list[dict]) -> tuple[list[Bar], float]:
    """The segments as bars, both sides on one scale: up to the last matched second of either."""
    scale = max([max(s["query_end"], s["work_end"]) for s in segments] + [1.0])
    return [Bar(n, s["query_start"], s["query_end"], s["work_start"], s["work_end"], scale)
            for n, s in enumerate(segments, start=1)], scale


def allowed_actions(principal: Principal, claim: dict) -> list[str]:
    """The actions the caller's side, role and the claim's state allow (an admin acts for either side)."""
    actions = []
    for (state, action), (_, who) in TRANSITIONS.items():
        if state != claim["status"] or not (principal.is_admin or claim["side"] == who):
            continue
        if not (principal.is_admin or principal.at_least(ACTING_ROLE[action])):
            continue
        if action == "dispute" and claim["dispute_deadline"] is None:
            continue  # a claim against the claimant's own work: nobody to dispute it
        actions.append(action)
    return actions


def _queue(request: Request, registry, principal, **context: object) -> HTMLResponse:  # type: ignore[no-untyped-def]
    status = request.query_params.get("status") or None
    status_code = int(context.pop("status_code", 200))  # type: ignore[call-overload]
    error = context.pop("error", None)
    try:
        claims = list_claims(registry, principal, status=status)
    except InvalidInputError as e:
        claims, error, status_code = [], str(e), 422
    return render(request, "claims.html", principal, status_code=status_code, claims=claims, status=status,
                  statuses=STATES, error=error, threshold=registry.settings.claim_threshold, **{"filed": None, "filename": None, **context})


@router.get("/claims", response_class=HTMLResponse)
def claims_queue(request: Request, registry: RegistryDep, principal: PrincipalDep) -> HTMLResponse:
    return _queue(request, registry, principal)


@router.post("/claims", response_class=HTMLResponse)
async def claims_upload(request: Request, registry: RegistryDep, principal: PrincipalDep,
                        file: Annotated[UploadFile | None, File()] = None) -> HTMLResponse:
    """File a suspect's strong matches as claims; show them and the weaker matches that were not."""
    filename = file.filename if file is not None else None
    try:
        if file is None or not file.filename:
            raise InvalidInputError("choose a suspect file")
        async with spooled_upload(file, upload_limit(registry), "file") as path:
            if path.stat().st_size == 0:
                raise InvalidInputError(f"{filename} is empty (0 bytes)")
            filed = await run_in_threadpool(file_claims, registry, principal, path, filename or "suspect")
    except RegistryError as e:
        status, _ = error_parts(e)
        return await run_in_threadpool(_queue, request, registry, principal, error=str(e), status_code=status,
                                       filename=filename)
    claimed = {c["work_id"] for c in filed["claims"]}
    filed["weaker"] = [m for m in filed["matches"] if m["work_id"] not in claimed]
    return await run_in_threadpool(_queue, request, registry, principal, filed=filed, filename=filename)


def _claim_page(request: Request, registry, principal, claim_id: str, *,  # type: ignore[no-untyped-def]
                error: str | None = None, status_code: int = 200, note: str = "") -> HTMLResponse:
    claim = claim_details(registry, principal, claim_id)
    passages = claim.get("passages") or []
    located = bool(passages) and "suspect_text_start" in passages[0]  # placed in the texts as sent
    suspect, original = compared_texts(registry, principal, claim_id, as_sent=located)
    side = ("suspect_text_start", "suspect_text_end", "work_text_start", "work_text_end") if located else (
        "query_start", "query_end", "work_start", "work_end")
    columns = None
    if original is not None:
        columns = {"suspect": marked_pieces(suspect, [(p[side[0]], p[side[1]]) for p in passages])
                   if suspect is not None else None,
                   "work": marked_pieces(original, [(p[side[2]], p[side[3]]) for p in passages])}
    bars, scale = timeline(claim["segments"]) if claim.get("segments") else ([], 0.0)
    return render(request, "claim.html", principal, status_code=status_code, claim=claim, columns=columns,
                  passages=passages, located=located, bars=bars, scale=scale, actions=allowed_actions(principal, claim),
                  error=error, note=note, max_note=MAX_NOTE_CHARS)


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(request: Request, registry: RegistryDep, principal: PrincipalDep, claim_id: str) -> HTMLResponse:
    return _claim_page(request, registry, principal, claim_id)


@router.get("/claims/{claim_id}/suspect-frames/{number}.jpg")
def suspect_frame_jpeg(registry: RegistryDep, principal: PrincipalDep, claim_id: str,
                       number: Annotated[int, PathParam(ge=1, le=100)]) -> Response:
    """The suspect's frame in the middle of matched segment `number`, kept when the claim was filed."""
    return Response(suspect_frame(registry, principal, claim_id, number), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=3600"})


@router.post("/claims/{claim_id}/action", response_class=HTMLResponse, response_model=None)
def claim_action(request: Request, registry: RegistryDep, principal: PrincipalDep, claim_id: str,
                 action: Annotated[str, Form(max_length=16)] = "",
                 note: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    """Take the action, then show the claim (303); a refused one shows the claim with why, and its status."""
    try:
        if not action:
            raise InvalidInputError("choose an action")
        act_on_claim(registry, principal, claim_id, action, note)
    except RegistryError as e:
        status, _ = error_parts(e)
        return _claim_page(request, registry, principal, claim_id, error=str(e), status_code=status, note=note)
    return RedirectResponse(f"/claims/{claim_id}", status_code=303)
