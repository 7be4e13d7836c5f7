"""Webhooks through the real app (SQLite and PostgreSQL) to a real HTTP receiver on loopback: each
organisation hears of its own works and of the claims it is a side of; every delivery verifies
with the Standard Webhooks reference library (`standardwebhooks`); a receiver that fails is tried
again on the backoff schedule, with the same message id, until the attempts run out; an owner sends
a failed one again; a change that rolls back announces nothing; private targets, redirects and
foreign organisations' webhooks are refused; the account page adds, lists and deletes webhooks and
shows the delivery log; a signed-in member of two organisations switches between them."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from registry.accounts import manage
from registry.models import utc_now
from registry.webhooks import MAX_ATTEMPTS, RETRY_DELAYS, deliver_due
from web.app import create_app

from ..conftest import SAMPLES
from .conftest import bearer, csrf_of, issue_key

ARTICLES = sorted((SAMPLES / "articles").glob("*.txt"))
PASSWORD = "correct horse battery"


@dataclass
class Receiver:
    """An HTTP server on loopback that records what it is sent and answers `codes` in turn (then 200)."""

    codes: list[int] = field(default_factory=list)
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def handler(self):  # type: ignore[no-untyped-def]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server interface
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                if code in (301, 302):
                    self.send_header("location", "http://127.0.0.1:9/elsewhere")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:  # type: ignore[no-untyped-def]
                pass

        return Handler

    def bodies(self, path: str | None = None) -> list[dict]:
        return [json.loads(body) for p, _, body in self.received if path is None or p == path]


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), found.handler())
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def world(settings):  # type: ignore[no-untyped-def]
    """Rights (a reviewer and an owner) and News (an editor and an owner), the sender off: the tests
    send the outbox themselves (`deliver_due`), at the moments they choose."""
    app = create_app(settings.model_copy(update={
        "rate_limit_writes": "off", "rate_limit_matches": "off", "webhook_sender": False,
        "webhook_private_targets": True}))
    registry = app.state.registry
    for name, kind in (("Rights", "rights"), ("News", "newsroom")):
        manage.create_organisation(registry, name, kind)
    clients = {name: TestClient(app, headers=bearer(issue_key(app, role, org)))
               for name, role, org in (("reviewer", "reviewer", "Rights"), ("rights_owner", "owner", "Rights"),
                                       ("newsroom", "editor", "News"), ("news_owner", "owner", "News"))}
    with TestClient(app):
        yield app, clients


def _add(client: TestClient, url: str, **fields) -> dict:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/webhooks", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _register(client: TestClient, text: bytes) -> str:
    response = client.post("/api/v1/works", files={"file": ("a.txt", text)}, data={"model": "m"})
    assert response.status_code == 201, response.text
    return response.json()["work_id"]


def _verified(receiver: Receiver, secrets: dict[str, str]) -> list[tuple[str, str, dict]]:
    """(path, event type, data) of every request, each checked with the reference verifier."""
    seen = []
    for path, headers, body in receiver.received:
        payload = Webhook(secrets[path]).verify(body, headers)  # raises on a bad signature or an old timestamp
        assert headers["content-type"] == "application/json" and headers["webhook-id"].startswith("msg_")
        seen.append((path, payload["type"], payload["data"]))
    return seen


def test_each_side_hears_its_events_signed(world, receiver):
    app, c = world
    registry = app.state.registry
    rights = _add(c["rights_owner"], f"{receiver.url}/rights", description="queue")
    news = _add(c["news_owner"], f"{receiver.url}/news", events=["work.registered", "claim.changed"])
    assert rights["secret"].startswith("whsec_") and rights["events"] == sorted(
        ["work.registered", "claim.created", "claim.changed", "dispute.opened"])
    assert "secret" not in c["rights_owner"].get("/api/v1/webhooks").json()[0]  # shown once
    secrets = {"/rights": rights["secret"], "/news": news["secret"]}

    work_id = _register(c["newsroom"], ARTICLES[0].read_bytes())
    filed = c["reviewer"].post("/api/v1/claims", files={"file": ("s.txt", b"Copied.\n\n" + ARTICLES[0].read_bytes())})
    claim_id = filed.json()["claims"][0]["claim_id"]
    url = f"/api/v1/claims/{claim_id}"
    assert c["reviewer"].post(f"{url}/decision", json={"action": "confirm"}).status_code == 200
    assert c["newsroom"].post(f"{url}/dispute", json={"statement": "licensed"}).status_code == 200
    assert c["reviewer"].post(f"{url}/decision", json={"action": "release"}).status_code == 200
    attempts = deliver_due(registry)
    assert attempts and all(a.delivered for a in attempts)

    seen = _verified(receiver, secrets)
    assert sorted((path, kind, data.get("status")) for path, kind, data in seen) == sorted([
        ("/news", "work.registered", None),
        ("/rights", "claim.created", "potential"),
        ("/rights", "claim.changed", "confirmed"), ("/news", "claim.changed", "confirmed"),
        ("/rights", "claim.changed", "disputed"), ("/news", "claim.changed", "disputed"),
        ("/rights", "dispute.opened", "disputed"),
        ("/rights", "claim.changed", "released"), ("/news", "claim.changed", "released"),
    ])
    registered = next(data for _, kind, data in seen if kind == "work.registered")
    assert registered["work_id"] == work_id and registered["links"]["page"] == f"/works/{work_id}"
    assert all(data["claim_id"] == claim_id and data["work_id"] == work_id for _, k, data in seen if k != "work.registered")
    assert deliver_due(registry) == []  # nothing sent twice

    log = c["rights_owner"].get("/api/v1/webhook-deliveries").json()
    assert len(log) == 5 and {d["status"] for d in log} == {"delivered"} and {d["attempts"] for d in log} == {1}
    assert {d["url"] for d in c["news_owner"].get("/api/v1/webhook-deliveries").json()} == {f"{receiver.url}/news"}


def test_a_failing_receiver_is_retried_on_schedule_then_failed_then_sent_again(world, receiver):
    app, c = world
    registry = app.state.registry
    hook = _add(c["news_owner"], f"{receiver.url}/hook", events=["work.registered"])
    receiver.codes = [500, 503, 404, 302, 500, 500, 500, 500]
    _register(c["newsroom"], ARTICLES[1].read_bytes())
    now = utc_now()
    answers = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (sent,) = deliver_due(registry, now=now)
        answers.append((sent.status_code, sent.error))
        assert not sent.delivered and len(receiver.received) == attempt
        if attempt < MAX_ATTEMPTS:
            delay = timedelta(seconds=RETRY_DELAYS[attempt - 1])
            assert sent.next_attempt_at == now + delay
            assert deliver_due(registry, now=now + delay - timedelta(seconds=1)) == []  # not before it is due
            now += delay
        else:
            assert sent.next_attempt_at is None
    assert answers[:4] == [(500, "answered 500"), (503, "answered 503"), (404, "answered 404"),
                           (302, "redirect to http://127.0.0.1:9/elsewhere not followed")]
    ids = {headers["webhook-id"] for _, headers, _ in receiver.received}
    assert len(ids) == 1  # one message, one id, on every attempt: receivers deduplicate on it
    Webhook(hook["secret"]).verify(receiver.received[-1][2], receiver.received[-1][1])

    (delivery,) = c["news_owner"].get("/api/v1/webhook-deliveries").json()
    assert delivery["status"] == "failed" and delivery["attempts"] == MAX_ATTEMPTS
    assert delivery["last_status_code"] == 500 and delivery["next_attempt_at"] is None
    assert deliver_due(registry, now=now + timedelta(days=2)) == []  # failed for good
    assert c["rights_owner"].post(f"/api/v1/webhook-deliveries/{delivery['delivery_id']}/retry").status_code == 404
    again = c["news_owner"].post(f"/api/v1/webhook-deliveries/{delivery['delivery_id']}/retry")
    assert again.status_code == 200 and again.json()["status"] == "pending"
    (sent,) = deliver_due(registry)
    assert sent.delivered and receiver.received[-1][1]["webhook-id"] in ids
    assert c["news_owner"].post(f"/api/v1/webhook-deliveries/{delivery['delivery_id']}/retry").status_code == 422


def test_errors_redirects_and_unreachable_receivers_are_recorded(world, receiver):
    app, c = world
    _add(c["news_owner"], f"{receiver.url}/hook", events=["work.registered"])
    _add(c["news_owner"], "http://127.0.0.1:9/closed", events=["work.registered"])  # nothing listens on port 9
    receiver.codes = [302]
    _register(c["newsroom"], ARTICLES[2].read_bytes())
    attempts = {a.url: a for a in deliver_due(app.state.registry)}
    redirected, closed = attempts[f"{receiver.url}/hook"], attempts["http://127.0.0.1:9/closed"]
    assert redirected.status_code == 302 and "not followed" in redirected.error and not redirected.delivered
    assert closed.status_code is None and "ConnectError" in closed.error and closed.next_attempt_at is not None
    log = {d["url"]: d for d in c["news_owner"].get("/api/v1/webhook-deliveries").json()}
    assert log["http://127.0.0.1:9/closed"]["status"] == "pending" and log["http://127.0.0.1:9/closed"]["last_error"]


def test_a_change_that_rolls_back_announces_nothing(world, receiver):
    app, c = world
    _add(c["news_owner"], f"{receiver.url}/hook")
    text = ARTICLES[0].read_bytes()
    _register(c["newsroom"], text)
    duplicate = c["newsroom"].post("/api/v1/works", files={"file": ("a.txt", text)}, data={"model": "m"})
    assert duplicate.status_code == 409
    deliver_due(app.state.registry)
    assert [body["type"] for body in receiver.bodies()] == ["work.registered"]


@pytest.mark.parametrize(("url", "message"), [
    ("http://127.0.0.1:8000/hook", "webhook_private_targets"),
    ("http://[::1]/hook", "webhook_private_targets"),
    ("http://10.1.2.3/hook", "webhook_private_targets"),
    ("http://169.254.169.254/latest/meta-data", "webhook_private_targets"),
    ("ftp://example.org/hook", "https"),
    ("https://user:pw@example.org/hook", "no user name"),
    ("https:///nohost", "names a host"),
])
def test_private_and_malformed_targets_are_refused(settings, url, message):
    app = create_app(settings)  # the default: no private targets
    manage.create_organisation(app.state.registry, "News", "newsroom")
    with TestClient(app, headers=bearer(issue_key(app, "owner", "News"))) as owner:
        refused = owner.post("/api/v1/webhooks", json={"url": url})
        assert refused.status_code == 422 and message in refused.text, refused.text
        assert owner.get("/api/v1/webhooks").json() == []


def test_a_name_resolving_to_loopback_is_refused_when_sent(settings):
    app = create_app(settings.model_copy(update={"webhook_sender": False}))
    manage.create_organisation(app.state.registry, "News", "newsroom")
    owner = TestClient(app, headers=bearer(issue_key(app, "owner", "News")))
    editor = TestClient(app, headers=bearer(issue_key(app, "editor", "News")))
    with owner:
        _add(owner, "http://localhost:9/hook")  # a name: checked when sent, as DNS answers then
        _register(editor, ARTICLES[0].read_bytes())
        (attempt,) = deliver_due(app.state.registry)
        assert "resolves to" in attempt.error and "webhook_private_targets" in attempt.error
        assert attempt.status_code is None and attempt.next_attempt_at is not None


def test_only_owners_manage_their_own_organisations_webhooks(world, receiver):
    _app, c = world
    hook = _add(c["news_owner"], f"{receiver.url}/hook")
    assert c["newsroom"].get("/api/v1/webhooks").status_code == 403  # an editor
    assert c["newsroom"].post("/api/v1/webhooks", json={"url": f"{receiver.url}/x"}).status_code == 403
    assert c["rights_owner"].get("/api/v1/webhooks").json() == []
    assert c["rights_owner"].delete(f"/api/v1/webhooks/{hook['webhook_id']}").status_code == 404
    unknown = c["news_owner"].post("/api/v1/webhooks", json={"url": f"{receiver.url}/x", "events": ["work.deleted"]})
    assert unknown.status_code == 422
    deleted = c["news_owner"].delete(f"/api/v1/webhooks/{hook['webhook_id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert c["news_owner"].get("/api/v1/webhooks").json() == []
    assert c["news_owner"].delete(f"/api/v1/webhooks/{hook['webhook_id']}").status_code == 404


def test_the_sender_thread_of_serve_delivers_within_seconds(settings, receiver):
    app = create_app(settings.model_copy(update={"webhook_poll_seconds": 0.1, "webhook_private_targets": True}))
    manage.create_organisation(app.state.registry, "News", "newsroom")
    owner = TestClient(app, headers=bearer(issue_key(app, "owner", "News")))
    editor = TestClient(app, headers=bearer(issue_key(app, "editor", "News")))
    with owner:  # the lifespan starts the sender
        _add(owner, f"{receiver.url}/hook")
        work_id = _register(editor, ARTICLES[0].read_bytes())
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [b["data"]["work_id"] for b in receiver.bodies()] == [work_id]


# the account page


def _signed_in(app, email: str, org: str, role: str) -> TestClient:  # type: ignore[no-untyped-def]
    manage.add_member(app.state.registry, email, PASSWORD, org_name=org, role=role)
    browser = TestClient(app, follow_redirects=False)
    assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return browser


def test_the_account_page_adds_lists_and_deletes_webhooks_with_their_log(world, receiver):
    app, c = world
    browser = _signed_in(app, "owner@news.example", "News", "owner")
    page = browser.get("/account").text
    assert 'id="webhooks"' in page and "claim.created" in page
    added = browser.post("/account/webhooks", data={"url": f"{receiver.url}/page", "events": ["work.registered"],
                                                    "description": "<script>x</script>", "csrf_token": csrf_of(page)})
    assert added.status_code == 201
    secret = re.search(r"<code>(whsec_[^<]+)</code>", added.text).group(1)
    assert "&lt;script&gt;x&lt;/script&gt;" in added.text and "<script>x</script>" not in added.text
    assert secret not in browser.get("/account").text  # shown once
    assert browser.post("/account/webhooks", data={"url": f"{receiver.url}/page"}).status_code == 403  # no CSRF token

    _register(c["newsroom"], ARTICLES[0].read_bytes())
    receiver.codes = [500]
    deliver_due(app.state.registry)
    Webhook(secret).verify(receiver.received[-1][2], receiver.received[-1][1])
    page = browser.get("/account").text
    deliveries = page[page.index('id="deliveries"'):]
    assert "work.registered" in deliveries and "answered 500" in deliveries and "delivery-pending" in deliveries

    hook_id = c["news_owner"].get("/api/v1/webhooks").json()[0]["webhook_id"]
    refused = browser.post(f"/account/webhooks/{hook_id}/deletion", data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 422 and "tick the box" in refused.text
    gone = browser.post(f"/account/webhooks/{hook_id}/deletion", data={"confirm": "yes", "csrf_token": csrf_of(page)})
    assert gone.status_code == 303 and c["news_owner"].get("/api/v1/webhooks").json() == []
    assert "answered 500" in browser.get("/account").text  # the log stays


def test_a_member_of_two_organisations_switches_between_them(world):
    app, _c = world
    browser = _signed_in(app, "both@example.org", "News", "editor")
    manage.add_member(app.state.registry, "both@example.org", PASSWORD, org_name="Rights", role="reviewer")
    assert browser.get("/api/v1/whoami").json()["org"] == "News"
    page = browser.get("/account").text
    assert 'action="/account/organisation"' in page
    switched = browser.post("/account/organisation", data={"org": "Rights", "csrf_token": csrf_of(page)})
    assert switched.status_code == 303
    me = browser.get("/api/v1/whoami").json()
    assert me["org"] == "Rights" and me["role"] == "reviewer"
    refused = browser.post("/account/organisation", data={"org": "Nowhere", "csrf_token": csrf_of(page)})
    assert refused.status_code == 403 and browser.get("/api/v1/whoami").json()["org"] == "Rights"
