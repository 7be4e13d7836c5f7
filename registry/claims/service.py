"""Claims, the use cases: a reviewer's suspect file matched and its strong matches filed as
potential claims; each reviewed, disputed by the organisation that registered the work, then
reinstated or released; every change recorded (`ClaimEvent`, and the audit log).

A claim against another organisation's unpublished work is kept like any other, but its claimant
sees only that "a registered work matches" (no title, no kind, no passages), as matching does.

A suspect article that becomes a claim is kept in the blob store (under the claim's
`suspect_sha256`), so both sides can read the two texts as they were compared (`compared_texts`);
videos and images are not kept: their evidence is the segments' seconds and, for each of the first
`MAX_FRAMES` segments, the suspect's frame in the middle of it (a small JPEG in the blob store,
`suspect_frame`), shown beside the registered work's frame at the same point of its segment.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, col, or_, select

from fingerprint.text import SHARES_PASSAGES, normalise_for_matching
from provenance.article import canonicalise_article

from ..accounts.audit import record_audit
from ..accounts.principal import Principal
from ..errors import ClaimStateError, ForbiddenError, InvalidInputError, NotFoundError, RegistryError
from ..ids import new_id
from ..keyframes import picture_jpeg
from ..matching import WorkMatch, match_article
from ..media import sha256_file, sniff_file
from ..models import Claim, ClaimEvent, Work, as_utc, utc_now
from ..registration.media import match_media
from ..service import Registry
from ..webhooks import announce
from ..works import work_content
from .states import STATES, TransitionError, check_dispute_in_time, dispute_deadline, next_state

MAX_NOTE_CHARS = 4000
MAX_FRAMES = 6  # suspect frames kept per video claim
#: the least role that may take an action (admins may take any): a viewer reviews nothing
ACTING_ROLE = {"confirm": "reviewer", "dismiss": "reviewer", "escalate": "reviewer", "reinstate": "reviewer",
               "release": "reviewer", "dispute": "editor"}


def _claimable(match: WorkMatch, threshold: float) -> bool:
    """Strong enough to file: at the threshold, and for a text a copy (never only a shared quote)."""
    return match.score >= threshold and match.verdict != SHARES_PASSAGES


def file_claims(registry: Registry, principal: Principal, path: Path, name: str) -> dict:
    """Match the suspect at `path`; each match scoring at least `claim_threshold` (for a text, a
    copy: not one that only shares passages) becomes a potential claim of the caller's
    organisation (one per work: a suspect already claimed keeps its claim)."""
    if principal.org_id is None:
        raise ForbiddenError("claims are filed by an organisation: use a key or a sign-in of one")
    media = sniff_file(path)
    article = frames = None
    if media is not None and media.kind == "article":
        article = path.read_bytes()
        matches = match_article(registry, article, principal=principal)
    else:
        matches = match_media(registry, path, principal=principal)
    sha256 = sha256_file(path)
    threshold = registry.settings.claim_threshold
    strong = [match for match in matches if _claimable(match, threshold)]
    if article is not None and strong:
        registry.blobs.put(article)  # the claims' evidence, before they exist (a rollback leaves an orphan blob)
    elif strong and media is not None:
        frames = {match.work_id: _suspect_frames(registry, path, media.kind, match) for match in strong}
    filed = []
    with registry.db.writing() as session:
        for match in matches:
            if not _claimable(match, threshold):
                continue
            existing = session.exec(select(Claim).where(
                Claim.work_id == match.work_id, Claim.suspect_sha256 == sha256,
                Claim.claimant_org_id == principal.org_id)).first()
            claim = existing or _new_claim(session, principal, match, sha256, name,
                                           (frames or {}).get(match.work_id, []))
            if existing is None:
                announce(session, [claim.claimant_org_id], "claim.created", _event_data(claim, "file", None))
            filed.append(claim)
        views = [_view(session, principal, claim) for claim in filed]
    return {"suspect_sha256": sha256, "threshold": threshold, "claims": views,
            "matches": [m.to_dict() for m in matches]}


def _suspect_frames(registry: Registry, path: Path, kind: str, match: WorkMatch) -> list[dict]:
    """The suspect's frame in the middle of each of the first segments, kept as JPEG blobs."""
    frames = []
    for segment in list(match.segments or [])[:MAX_FRAMES]:
        at = round((segment["query_start"] + segment["query_end"]) / 2, 2)
        try:
            jpeg = picture_jpeg(path, kind, at=at, width=320)
        except RegistryError:
            continue  # a frame the decoder cannot seek to: the seconds remain the evidence
        frames.append({"at": at, "work_at": round((segment["work_start"] + segment["work_end"]) / 2, 2),
                       "sha256": registry.blobs.put(jpeg)})
    return frames


def suspect_frame(registry: Registry, principal: Principal, claim_id: str, number: int) -> bytes:
    """The JPEG of the suspect's frame `number` (from 1) of a claim the caller may see the evidence of."""
    view = claim_details(registry, principal, claim_id)
    frames = view.get("suspect_frames") or []
    if not 1 <= number <= len(frames):
        raise NotFoundError(f"claim {claim_id} has no suspect frame {number}")
    return registry.blobs.get(frames[number - 1]["sha256"])


def _new_claim(session: Session, principal: Principal, match: WorkMatch, sha256: str, name: str,
               frames: list[dict]) -> Claim:
    work = session.get(Work, match.work_id)
    assert work is not None
    evidence = {"passages": list(match.passages)} if match.segments is None else {
        "segments": list(match.segments), "suspect_frames": frames}
    claim = Claim(id=new_id(), work_id=work.id, claimant_org_id=principal.org_id, respondent_org_id=work.org_id,
                  suspect_name=name[:200] or "suspect", suspect_sha256=sha256, score_bp=round(match.score * 10_000),
                  evidence_json=json.dumps(evidence), status="potential")
    session.add(claim)
    session.flush()
    _record(session, principal, claim, "file", None, "potential", "")
    return claim


def list_claims(registry: Registry, principal: Principal, *, status: str | None = None, limit: int = 100,
                work_id: str | None = None) -> list[dict]:
    """The claims the caller's organisation filed or that are against its works (of one work when
    `work_id` is given), newest first."""
    if status is not None and status not in STATES:
        raise InvalidInputError(f"status must be one of {', '.join(STATES)}, got {status!r}")
    statement = select(Claim).order_by(col(Claim.id).desc()).limit(limit)
    if not principal.is_admin:
        if principal.org_id is None:
            return []
        statement = statement.where(or_(Claim.claimant_org_id == principal.org_id,
                                        Claim.respondent_org_id == principal.org_id))
    if status is not None:
        statement = statement.where(Claim.status == status)
    if work_id is not None:
        statement = statement.where(Claim.work_id == work_id)
    with registry.db.reading() as session:
        return [_view(session, principal, claim, events=False) for claim in session.exec(statement).all()]


def claim_details(registry: Registry, principal: Principal, claim_id: str) -> dict:
    with registry.db.reading() as session:
        return _view(session, principal, _claim(session, principal, claim_id))


def act_on_claim(registry: Registry, principal: Principal, claim_id: str, action: str, note: str = "") -> dict:
    """Take `action` (confirm, dismiss, escalate, dispute, reinstate, release) on a claim."""
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInputError(f"the note or statement is longer than {MAX_NOTE_CHARS} characters")
    now = utc_now()
    with registry.db.writing() as session:
        claim = _claim(session, principal, claim_id)
        least = ACTING_ROLE.get(action)
        if least is not None and not (principal.is_admin or principal.at_least(least)):
            raise ForbiddenError(f"{principal.describe()} may not {action} a claim: it needs a {least} or above")
        side = _side(principal, claim, action)
        try:
            if action == "dispute":
                check_dispute_in_time(as_utc(claim.dispute_deadline), now)
                if not note.strip():
                    raise TransitionError("a dispute needs a statement saying why the claim is wrong")
            new_state = next_state(claim.status, action, side)
        except TransitionError as e:
            raise (ForbiddenError(str(e)) if e.wrong_side else ClaimStateError(str(e))) from e
        before = claim.status
        claim.status, claim.updated_at = new_state, now
        if new_state == "confirmed" and claim.respondent_org_id not in (None, claim.claimant_org_id):
            claim.dispute_deadline = dispute_deadline(now, registry.settings.dispute_days)
        if action == "dispute":
            claim.dispute_statement = note
        session.add(claim)
        _record(session, principal, claim, action, before, new_state, note)
        _announce_change(session, claim, action, before)
        session.flush()
        return _view(session, principal, claim)


#: the states in which the organisation that registered the work hears of a claim: once it is confirmed
_RESPONDENT_HEARS = frozenset({"confirmed", "disputed", "reinstated", "released"})


def _announce_change(session: Session, claim: Claim, action: str, before: str | None) -> None:
    """claim.changed to the claimant, and to the work's organisation from confirmation on;
    dispute.opened to the claimant."""
    data = _event_data(claim, action, before)
    hears = [claim.claimant_org_id]
    if claim.status in _RESPONDENT_HEARS and claim.respondent_org_id != claim.claimant_org_id:
        hears.append(claim.respondent_org_id)
    announce(session, hears, "claim.changed", data)
    if action == "dispute":
        announce(session, [claim.claimant_org_id], "dispute.opened", data)


def _event_data(claim: Claim, action: str, before: str | None) -> dict:
    """What a claim's webhook says: ids, states and links (a receiver reads the rest with its key)."""
    deadline = as_utc(claim.dispute_deadline)
    return {"claim_id": claim.id, "work_id": claim.work_id, "action": action, "from": before, "status": claim.status,
            "score": claim.score_bp / 10_000, "suspect_sha256": claim.suspect_sha256,
            "dispute_deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ") if deadline else None,
            "links": {"page": f"/claims/{claim.id}", "api": f"/api/v1/claims/{claim.id}"}}


def compared_texts(registry: Registry, principal: Principal, claim_id: str, *,
                   as_sent: bool = False) -> tuple[str | None, str | None]:
    """The suspect's and the work's texts of an article claim: as sent and registered
    (`canonicalise_article`), the texts ``suspect_text_*`` and ``work_text_*`` offsets index, or
    with `as_sent` False as they were compared (then `normalise_for_matching`: lower case,
    punctuation removed), which the passages' other offsets index (claims filed before passages
    were placed in the texts have only those). The suspect is None when it was not kept; both are
    None for a video or an image and for a restricted claim."""
    from ..accounts.access import can_see

    with registry.db.reading() as session:
        claim = _claim(session, principal, claim_id)
        work = session.get(Work, claim.work_id)
        if work is None or work.kind != "article" or not can_see(principal, work):
            return None, None
        sha256 = claim.suspect_sha256
    shown = (lambda text: text) if as_sent else normalise_for_matching
    path, _ = work_content(registry, work.id)
    original = shown(canonicalise_article(path.read_bytes()))
    if not registry.blobs.exists(sha256):
        return None, original
    return shown(canonicalise_article(registry.blobs.get(sha256))), original


def _claim(session: Session, principal: Principal, claim_id: str) -> Claim:
    """The claim if the caller's organisation is a side of it (or the caller is an admin), else 404."""
    claim = session.get(Claim, claim_id) if len(claim_id) <= 40 else None
    if claim is None or not (principal.is_admin or principal.in_org(claim.claimant_org_id)
                             or principal.in_org(claim.respondent_org_id)):
        raise NotFoundError(f"unknown claim {claim_id[:40]!r}")
    return claim


def _side(principal: Principal, claim: Claim, action: str) -> str:
    if principal.in_org(claim.claimant_org_id) and action != "dispute":
        return "claimant"
    if principal.in_org(claim.respondent_org_id) and claim.respondent_org_id != claim.claimant_org_id:
        return "respondent"
    if principal.in_org(claim.claimant_org_id):
        return "claimant"
    return "respondent" if action == "dispute" else "claimant"  # an admin acts for the side the action needs


def _record(session: Session, principal: Principal, claim: Claim, action: str, before: str | None, after: str,
            note: str) -> None:
    session.add(ClaimEvent(claim_id=claim.id, actor=principal.describe()[:300], action=action, from_status=before,
                           to_status=after, note=note))
    record_audit(session, principal, f"claim-{action}", target=f"claim:{claim.id}", detail=f"{before} -> {after}")


def _view(session: Session, principal: Principal, claim: Claim, *, events: bool = True) -> dict:
    from ..accounts.access import can_see

    work = session.get(Work, claim.work_id)
    visible = work is not None and can_see(principal, work)
    view: dict = {
        "claim_id": claim.id, "status": claim.status, "score": claim.score_bp / 10_000,
        "work_id": claim.work_id, "suspect": {"name": claim.suspect_name, "sha256": claim.suspect_sha256},
        "side": "claimant" if principal.in_org(claim.claimant_org_id) else
                "respondent" if principal.in_org(claim.respondent_org_id) else None,
        "created_at": as_utc(claim.created_at).isoformat(), "updated_at": as_utc(claim.updated_at).isoformat(),
        "dispute_deadline": as_utc(claim.dispute_deadline).isoformat() if claim.dispute_deadline else None,
        "dispute_statement": claim.dispute_statement,
    }
    if visible:
        view |= {"work": {"title": work.title, "kind": work.kind}, **json.loads(claim.evidence_json)}
    else:
        view["restricted"] = True  # another organisation's unpublished work: that it matches, nothing more
    if events:
        rows = session.exec(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(col(ClaimEvent.id)))
        view["events"] = [{"at": as_utc(e.at).isoformat(), "actor": e.actor, "action": e.action,
                           "from": e.from_status, "to": e.to_status, "note": e.note} for e in rows]
    return view
