"""Claims through the real HTTP app (SQLite and PostgreSQL): a rights team's suspect becomes a
potential claim against the work it copies; the claimant's reviewer confirms it; the organisation
that registered the work disputes it before the deadline; the claimant releases or reinstates it.
Every change is recorded; each side can do only its own part; a third organisation sees nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from registry.accounts import manage
from sqlmodel import select

from registry.models import AuditEvent, Claim, utc_now
from web.app import create_app

from ..conftest import SAMPLES
from .conftest import bearer, issue_key

ARTICLE = sorted((SAMPLES / "articles").glob("*.txt"))[0]


@pytest.fixture
def sides(settings):  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"rate_limit_writes": "off", "rate_limit_matches": "off"}))
    registry = app.state.registry
    for name, kind in (("Rights", "rights"), ("News", "newsroom"), ("Other", "creator")):
        manage.create_organisation(registry, name, kind)
    clients = {name: TestClient(app, headers=bearer(issue_key(app, role, org)))
               for name, role, org in (("reviewer", "reviewer", "Rights"), ("viewer", "viewer", "Rights"),
                                       ("newsroom", "editor", "News"), ("other", "owner", "Other"))}
    with TestClient(app):
        yield app, clients


def _register(client: TestClient, text: bytes, **fields: str) -> str:
    response = client.post("/api/v1/works", files={"file": ("a.txt", text)}, data={"model": "m", **fields})
    assert response.status_code == 201, response.text
    return response.json()["work_id"]


def _file(client: TestClient, text: bytes) -> dict:
    response = client.post("/api/v1/claims", files={"file": ("suspect.txt", text)})
    assert response.status_code == 200, response.text
    return response.json()


def _suspect(original: bytes) -> bytes:
    return b"Reposted without permission.\n\n" + original + b"\n\nShare this story."


def test_filed_confirmed_disputed_released(sides):
    app, c = sides
    work_id = _register(c["newsroom"], ARTICLE.read_bytes())
    filed = _file(c["reviewer"], _suspect(ARTICLE.read_bytes()))
    (claim,) = filed["claims"]
    assert claim["status"] == "potential" and claim["work_id"] == work_id and claim["side"] == "claimant"
    assert claim["score"] >= app.state.registry.settings.claim_threshold and claim["passages"]
    assert _file(c["reviewer"], _suspect(ARTICLE.read_bytes()))["claims"][0]["claim_id"] == claim["claim_id"]

    url = f"/api/v1/claims/{claim['claim_id']}"
    assert c["viewer"].post(f"{url}/decision", json={"action": "confirm"}).status_code == 403  # a viewer reviews nothing
    assert c["newsroom"].post(f"{url}/decision", json={"action": "confirm"}).status_code == 403  # not its side
    confirmed = c["reviewer"].post(f"{url}/decision", json={"action": "confirm", "note": "verbatim copy"}).json()
    assert confirmed["status"] == "confirmed" and confirmed["dispute_deadline"] is not None

    assert [x["claim_id"] for x in c["newsroom"].get("/api/v1/claims").json()] == [claim["claim_id"]]
    assert c["other"].get("/api/v1/claims").json() == []
    assert c["other"].get(url).status_code == 404
    assert c["reviewer"].post(f"{url}/dispute", json={"statement": "no"}).status_code == 403
    assert c["newsroom"].post(f"{url}/dispute", json={"statement": " "}).status_code == 422

    disputed = c["newsroom"].post(f"{url}/dispute", json={"statement": "We licensed this <b>story</b>."}).json()
    assert disputed["status"] == "disputed" and disputed["dispute_statement"] == "We licensed this <b>story</b>."
    released = c["reviewer"].post(f"{url}/decision", json={"action": "release", "note": "licence shown"}).json()
    assert released["status"] == "released"
    assert [(e["action"], e["from"], e["to"]) for e in released["events"]] == [
        ("file", None, "potential"), ("confirm", "potential", "confirmed"), ("dispute", "confirmed", "disputed"),
        ("release", "disputed", "released")]
    again = c["reviewer"].post(f"{url}/decision", json={"action": "reinstate"})
    assert again.status_code == 409 and "settled" in again.json()["error"]["message"]
    with app.state.registry.db.reading() as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.target == f"claim:{claim['claim_id']}")).all()
    assert [a.action for a in audited] == ["claim-file", "claim-confirm", "claim-dispute", "claim-release"]


def test_a_dispute_after_its_deadline_is_refused(sides):
    app, c = sides
    _register(c["newsroom"], ARTICLE.read_bytes())
    (claim,) = _file(c["reviewer"], _suspect(ARTICLE.read_bytes()))["claims"]
    url = f"/api/v1/claims/{claim['claim_id']}"
    c["reviewer"].post(f"{url}/decision", json={"action": "confirm"})
    with app.state.registry.db.writing() as session:
        row = session.get(Claim, claim["claim_id"])
        row.dispute_deadline = utc_now() - timedelta(minutes=1)
        session.add(row)
    late = c["newsroom"].post(f"{url}/dispute", json={"statement": "too late?"})
    assert late.status_code == 409 and "ended" in late.json()["error"]["message"]


def test_a_match_below_the_threshold_is_listed_but_not_claimed(sides):
    _, c = sides
    _register(c["newsroom"], ARTICLE.read_bytes())
    paragraph = max(ARTICLE.read_bytes().split(b"\n\n"), key=len)
    padding = b" ".join(b"filler%d" % i for i in range(3000))
    filed = _file(c["reviewer"], padding + b"\n\n" + paragraph + b"\n\n" + padding)
    assert filed["matches"] and filed["matches"][0]["score"] < filed["threshold"]
    assert filed["claims"] == []


def test_a_claim_against_an_unpublished_work_shows_only_that_it_matches(sides):
    _, c = sides
    work_id = _register(c["newsroom"], ARTICLE.read_bytes(), unpublished="true")
    (claim,) = _file(c["reviewer"], _suspect(ARTICLE.read_bytes()))["claims"]
    assert claim["restricted"] is True and "work" not in claim and "passages" not in claim
    seen_by_owner = c["newsroom"].get(f"/api/v1/claims/{claim['claim_id']}").json()
    assert seen_by_owner["work"]["title"] and seen_by_owner["work_id"] == work_id


def test_a_claim_against_ones_own_work_cannot_be_disputed(sides):
    _, c = sides
    rights_editor = TestClient(c["reviewer"].app, headers=bearer(issue_key(c["reviewer"].app, "editor", "Rights")))
    _register(rights_editor, ARTICLE.read_bytes())
    (claim,) = _file(c["reviewer"], _suspect(ARTICLE.read_bytes()))["claims"]
    url = f"/api/v1/claims/{claim['claim_id']}"
    assert c["reviewer"].post(f"{url}/decision", json={"action": "confirm"}).json()["dispute_deadline"] is None
    refused = rights_editor.post(f"{url}/dispute", json={"statement": "our own"})
    assert refused.status_code in (403, 409), refused.text


@pytest.mark.parametrize(("body", "status"), [
    ({"action": "delete"}, 422), ({"action": "confirm", "note": "x" * 4001}, 422), ({"action": 1}, 422)])
def test_bad_decisions_are_422(sides, body, status):
    _, c = sides
    _register(c["newsroom"], ARTICLE.read_bytes())
    (claim,) = _file(c["reviewer"], _suspect(ARTICLE.read_bytes()))["claims"]
    response = c["reviewer"].post(f"/api/v1/claims/{claim['claim_id']}/decision", json=body)
    assert response.status_code == status and "error" in response.json()
