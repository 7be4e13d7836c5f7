"""Each attack a stranger could make before accounts existed, now doing no harm (issue 11's list),
and the browser-facing defences: session cookies, CSRF, CORS, security headers, rate limits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from registry.accounts import manage
from web.app import create_app

from ..conftest import SAMPLES, steady_utc_today
from .conftest import bearer

TODAY = steady_utc_today().isoformat()
ARTICLE = (SAMPLES / "articles" / "calder-valley-storm.txt").read_bytes()
OTHER_ARTICLE = (SAMPLES / "articles" / "water-main-upgrade.txt").read_bytes()


@pytest.fixture
def two_orgs(settings):
    """Alpha (a newsroom: owner and editor keys) and Mallory (a stranger's creator organisation)."""
    app = create_app(settings)
    registry = app.state.registry
    manage.create_organisation(registry, "Alpha", "newsroom")
    manage.create_organisation(registry, "Mallory", "creator")
    keys = {who: manage.issue_api_key(registry, org_name=org, role=role)["key"]
            for who, org, role in (("owner", "Alpha", "owner"), ("editor", "Alpha", "editor"),
                                   ("mallory", "Mallory", "owner"))}
    with TestClient(app) as anonymous:
        clients = {who: TestClient(app, headers=bearer(key)) for who, key in keys.items()}
        clients["anonymous"] = anonymous
        yield clients


def _log_size(client) -> int:  # type: ignore[no-untyped-def]
    return client.get("/api/v1/log").json()["size"]


def _register(client, text: bytes = ARTICLE, **data):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/works", files={"file": ("a.txt", text, "text/plain")}, data={"model": "m", **data})


def _adopted_sheet(client, work_id: str, party: str = "Alpha") -> None:  # type: ignore[no-untyped-def]
    amendment = client.post(f"/api/v1/works/{work_id}/sheet/amendments", json={
        "parties": [{"party": party, "role": "creator", "share": "1/1"}], "effective_from": TODAY}).json()
    signed = client.post(f"/api/v1/amendments/{amendment['amendment_id']}/signatures", json={"party": party})
    assert signed.json()["status"] == "adopted", signed.text


def test_registering_in_another_organisations_name_is_refused(two_orgs):
    before = _log_size(two_orgs["anonymous"])
    response = _register(two_orgs["mallory"], registrant="Alpha")
    assert response.status_code == 403 and "Mallory" in response.json()["error"]["message"]
    assert _register(two_orgs["anonymous"], registrant="Alpha").status_code == 401
    assert _log_size(two_orgs["anonymous"]) == before
    mine = _register(two_orgs["mallory"]).json()
    assert two_orgs["anonymous"].get(f"/api/v1/works/{mine['work_id']}").json()["registrant"] == "Mallory"


def test_naming_the_parents_registrant_does_not_pass_the_parent_check(two_orgs):
    parent = _register(two_orgs["editor"]).json()["work_id"]
    response = _register(two_orgs["mallory"], OTHER_ARTICLE, parent=parent, registrant="Alpha")
    assert response.status_code == 403
    response = _register(two_orgs["mallory"], OTHER_ARTICLE, parent=parent)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_a_stranger_cannot_take_a_works_revenue(two_orgs):
    work = _register(two_orgs["editor"]).json()["work_id"]
    mallory = two_orgs["mallory"]
    grab = {"parties": [{"party": "Mallory", "role": "creator", "share": "1/1"}], "effective_from": TODAY}
    assert mallory.post(f"/api/v1/works/{work}/sheet/amendments", json=grab).status_code == 403
    # even an amendment Alpha proposed cannot be signed by Mallory for Alpha
    _adopted_sheet(two_orgs["owner"], work)
    proposal = two_orgs["editor"].post(f"/api/v1/works/{work}/sheet/amendments", json={
        "parties": [{"party": "Alpha", "role": "creator", "share": "1/1"}], "effective_from": "2099-01-01"}).json()
    assert mallory.post(f"/api/v1/amendments/{proposal['amendment_id']}/signatures",
                        json={"party": "Alpha"}).status_code == 404  # not Mallory's business: it does not exist
    assert mallory.put(f"/api/v1/works/{work}/terms", json={"parents": {}, "resale_royalty_bps": 9000}).status_code == 403
    for path, body in ((f"/api/v1/works/{work}/revenue", {"amount": "1000.00", "currency": "USD", "earned_on": TODAY}),
                       (f"/api/v1/works/{work}/resales", {"price": "10.00", "currency": "USD", "seller": "Mallory",
                                                          "sold_on": TODAY})):
        assert mallory.post(path, json=body).status_code == 403
    paid = two_orgs["owner"].post(f"/api/v1/works/{work}/revenue",
                                  json={"amount": "1000.00", "currency": "USD", "earned_on": TODAY}).json()
    assert mallory.post(f"/api/v1/ledger/{paid['entry_id']}/reversal", json={"reason": "mine"}).status_code == 403
    statement = mallory.get("/api/v1/parties/Mallory/statement", params={"from": TODAY, "to": TODAY}).json()
    assert statement["entries"] == []
    assert mallory.get("/api/v1/parties/Alpha/statement", params={"from": TODAY, "to": TODAY}).status_code == 404
    assert mallory.get("/api/v1/ledger").json() == [], "Mallory sees no other organisation's ledger"
    assert len(two_orgs["owner"].get("/api/v1/ledger").json()) == 1


def test_one_client_cannot_sign_for_two_parties(two_orgs):
    work = _register(two_orgs["editor"]).json()["work_id"]
    amendment = two_orgs["editor"].post(f"/api/v1/works/{work}/sheet/amendments", json={
        "parties": [{"party": "Alpha", "role": "creator", "share": "1/2"},
                    {"party": "Mallory", "role": "editor", "share": "1/2"}], "effective_from": TODAY}).json()
    url = f"/api/v1/amendments/{amendment['amendment_id']}/signatures"
    assert two_orgs["anonymous"].post(url, json={"party": "Alpha"}).status_code == 401
    assert two_orgs["editor"].post(url, json={"party": "Alpha"}).status_code == 403, "an editor is not an owner"
    signed = two_orgs["owner"].post(url, json={"party": "Alpha"})
    assert signed.status_code == 200
    assert two_orgs["owner"].post(url, json={"party": "Mallory"}).status_code == 403
    evidence = signed.json()["signed"][0]
    assert evidence["credential"].startswith("key:") and "owner of Alpha" in evidence["by"]
    assert evidence["amendment_sha256"] == amendment["amendment_sha256"]
    adopted = two_orgs["mallory"].post(url, json={"party": "Mallory"}).json()  # Mallory's own consent
    assert adopted["status"] == "adopted" and adopted["receipt"].startswith("c2sp.org/tlog-proof@v1")
    entry = two_orgs["anonymous"].get(f"/api/v1/log/entries/{adopted['log_index']}").json()
    assert "sheet-version" in entry["statement"]["type"]


def test_terms_are_the_owners_and_logged(two_orgs):
    work = _register(two_orgs["editor"]).json()["work_id"]
    assert two_orgs["mallory"].put(f"/api/v1/works/{work}/terms", json={"resale_royalty_bps": 1}).status_code == 403
    terms = two_orgs["editor"].put(f"/api/v1/works/{work}/terms", json={"resale_royalty_bps": 500})
    assert terms.status_code == 200, terms.text
    entry = two_orgs["anonymous"].get(f"/api/v1/log/entries/{terms.json()['log_index']}").json()
    assert "terms" in entry["statement"]["type"] and entry["statement"]["work_id"] == work


def test_only_an_owner_reverses_and_says_why(two_orgs):
    work = _register(two_orgs["editor"]).json()["work_id"]
    _adopted_sheet(two_orgs["owner"], work)
    paid = two_orgs["editor"].post(f"/api/v1/works/{work}/revenue",
                                   json={"amount": "5.00", "currency": "USD", "earned_on": TODAY}).json()
    url = f"/api/v1/ledger/{paid['entry_id']}/reversal"
    assert two_orgs["editor"].post(url, json={"reason": "typo"}).status_code == 403
    assert two_orgs["owner"].post(url, json={}).status_code == 422
    reversed_ = two_orgs["owner"].post(url, json={"reason": "recorded twice"})
    assert reversed_.status_code == 201 and reversed_.json()["reason"] == "recorded twice"


def test_an_open_amendment_is_withdrawn_by_its_proposer_only(two_orgs):
    work = _register(two_orgs["editor"]).json()["work_id"]
    amendment = two_orgs["editor"].post(f"/api/v1/works/{work}/sheet/amendments", json={
        "parties": [{"party": "Alpha", "role": "creator", "share": "1/1"}], "effective_from": TODAY}).json()
    url = f"/api/v1/amendments/{amendment['amendment_id']}/withdrawal"
    assert two_orgs["mallory"].post(url).status_code == 404
    withdrawn = two_orgs["editor"].post(url)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert two_orgs["owner"].post(f"/api/v1/amendments/{amendment['amendment_id']}/signatures",
                                  json={"party": "Alpha"}).status_code == 409


def test_cross_origin_posts_are_refused_and_cors_is_closed(two_orgs):
    editor = two_orgs["editor"]
    response = editor.post("/api/v1/works", files={"file": ("a.txt", ARTICLE)}, data={"model": "m"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "cross-origin" in response.json()["error"]["message"]
    preflight = editor.options("/api/v1/works", headers={"Origin": "https://evil.example",
                                                         "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    assert _log_size(editor) == 0, "nothing was registered"


def test_cors_allow_list_opens_the_api_to_named_origins(settings):
    app = create_app(settings.model_copy(update={"cors_allow_origins": ["https://newsroom.example"]}))
    with TestClient(app) as client:
        preflight = client.options("/api/v1/works", headers={"Origin": "https://newsroom.example",
                                                             "Access-Control-Request-Method": "POST"})
        assert preflight.headers["access-control-allow-origin"] == "https://newsroom.example"
        assert client.post("/api/v1/works", headers={"Origin": "https://newsroom.example"}).status_code == 401


def test_security_headers(two_orgs):
    headers = two_orgs["anonymous"].get("/").headers
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "same-origin"


def _member(client, email: str, role: str = "owner") -> None:  # type: ignore[no-untyped-def]
    manage.add_member(client.app.state.registry, email, "correct horse battery", org_name="Alpha", role=role)


def test_session_cookie_flags_and_csrf(two_orgs):
    anonymous = two_orgs["anonymous"]
    _member(anonymous, "ann@alpha.example")
    assert anonymous.post("/api/v1/session", json={"email": "ann@alpha.example", "password": "wrong password!"}).status_code == 401
    signed = anonymous.post("/api/v1/session", json={"email": "ann@alpha.example", "password": "correct horse battery"})
    assert signed.status_code == 200 and signed.json()["org"] == "Alpha" and signed.json()["role"] == "owner"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain HTTP here
    assert anonymous.get("/api/v1/whoami").json()["user"] == "ann@alpha.example"
    no_token = anonymous.post("/api/v1/works", files={"file": ("a.txt", ARTICLE)}, data={"model": "m"})
    assert no_token.status_code == 403 and "CSRF" in no_token.json()["error"]["message"]
    with_token = anonymous.post("/api/v1/works", files={"file": ("a.txt", ARTICLE)},
                                data={"model": "m", "csrf_token": signed.json()["csrf_token"]})
    assert with_token.status_code == 201, with_token.text
    assert anonymous.delete("/api/v1/session", headers={"X-CSRF-Token": signed.json()["csrf_token"]}).status_code == 204


def test_forged_or_expired_session_cookies_are_401(two_orgs):
    from sqlmodel import select

    from registry.models import UserSession

    anonymous = two_orgs["anonymous"]
    anonymous.cookies.set("aigc_session", "forged-token")
    assert anonymous.get("/api/v1/whoami").status_code == 401
    anonymous.cookies.clear()
    _member(anonymous, "bo@alpha.example", "viewer")
    anonymous.post("/api/v1/session", json={"email": "bo@alpha.example", "password": "correct horse battery"})
    registry = anonymous.app.state.registry
    with registry.db.writing() as session:
        for row in session.exec(select(UserSession)).all():
            row.expires_at = row.created_at
            session.add(row)
    response = anonymous.get("/api/v1/whoami")
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]


def test_sign_in_page_sets_the_cookie(two_orgs):
    anonymous = two_orgs["anonymous"]
    _member(anonymous, "cy@alpha.example", "editor")
    assert "<form" in anonymous.get("/login").text
    wrong = anonymous.post("/login", data={"email": "cy@alpha.example", "password": "nope nope nope"},
                           follow_redirects=False)
    assert wrong.status_code == 401 and "wrong email or password" in wrong.text
    right = anonymous.post("/login", data={"email": "cy@alpha.example", "password": "correct horse battery"},
                           follow_redirects=False)
    assert right.status_code == 303 and "aigc_session=" in right.headers["set-cookie"]


@pytest.mark.parametrize(("header", "message"), [
    ("Bearer aigc_000000000000_" + "A" * 43, "unknown API key"),
    ("Bearer not-a-key", "malformed API key"),
    ("Basic dXNlcjpwYXNz", "Authorization: Bearer KEY"),
], ids=["unknown", "malformed", "wrong-scheme"])
def test_bad_credentials_are_401_with_a_challenge(two_orgs, header, message):
    response = two_orgs["anonymous"].get("/api/v1/works", headers={"Authorization": header})
    assert response.status_code == 401 and message in response.json()["error"]["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_revoked_and_expired_keys_say_so(two_orgs):
    registry = two_orgs["owner"].app.state.registry
    issued = manage.issue_api_key(registry, org_name="Alpha", role="viewer", expires_days=1)
    client = TestClient(two_orgs["owner"].app, headers=bearer(issued["key"]))
    assert client.get("/api/v1/whoami").json()["role"] == "viewer"
    assert two_orgs["owner"].delete(f"/api/v1/keys/{issued['key_id']}").status_code == 200
    response = client.get("/api/v1/whoami")
    assert response.status_code == 401 and "revoked" in response.json()["error"]["message"]
    listed = {k["key_id"]: k for k in two_orgs["owner"].get("/api/v1/keys").json()}
    assert listed[issued["key_id"]]["state"] == "revoked" and "key" not in listed[issued["key_id"]]
    assert listed[issued["key_id"]]["last_used_at"] is not None


def test_rate_limits_answer_429_with_retry_after(settings):
    app = create_app(settings.model_copy(update={"rate_limit_matches": "2/minute"}))
    with TestClient(app) as client:
        statuses = [client.post("/api/v1/verifications", files={"file": ("a.txt", ARTICLE)}).status_code
                    for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = client.post("/api/v1/verifications", files={"file": ("a.txt", ARTICLE)})
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["error"]["code"] == "rate_limited"


def test_a_setting_requires_a_key_for_public_reads(settings):
    app = create_app(settings.model_copy(update={"require_key_for_public": True}))
    with TestClient(app) as client:
        assert client.get("/log/checkpoint").status_code == 401
        assert client.get("/api/v1/works").status_code == 401


def test_a_derivative_without_royalty_terms_is_flagged(two_orgs):
    editor = two_orgs["editor"]
    parent = _register(editor).json()["work_id"]
    child = _register(editor, OTHER_ARTICLE, parent=parent).json()["work_id"]
    assert editor.get(f"/api/v1/works/{parent}").json()["terms_missing"] is False  # no parents, nothing owed
    assert editor.get(f"/api/v1/works/{child}").json()["terms_missing"] is True
    assert editor.put(f"/api/v1/works/{child}/terms", json={"parents": {parent: 1000}}).status_code == 200
    assert editor.get(f"/api/v1/works/{child}").json()["terms_missing"] is False


def test_signing_in_again_needs_no_csrf_token_from_the_old_session(two_orgs):
    anonymous = two_orgs["anonymous"]
    _member(anonymous, "di@alpha.example", "viewer")
    credentials = {"email": "di@alpha.example", "password": "correct horse battery"}
    assert anonymous.post("/api/v1/session", json=credentials).status_code == 200
    again = anonymous.post("/login", data=credentials, follow_redirects=False)
    assert again.status_code == 303
