"""The authorization matrix, generated from the declared policy (web/policy.py): every route x every
caller x own / foreign / unpublished object -> the status the policy promises, on SQLite and
PostgreSQL. The expected status is computed here, independently of web/auth.py, from the rule's
roles and the documented meaning of its object rule; "allowed" means the request got past the
policy (any status but 401, 403, and 404 for an "unknown" object).

The world: organisation Alpha (the callers' own) and Beta (another). Objects are Alpha's published
work ("own"), Beta's published work ("foreign") and Beta's unpublished work ("unpublished"), with
their sheets' open amendments, ledger entries, parties, API keys, jobs and claims (each filed by the
object's organisation against its own work).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from registry.accounts import manage
from registry.accounts.principal import OPERATOR
from registry.models import ApiKey, WebhookDelivery
from registry.settings import Settings
from web.app import create_app
from web.policy import ANON, POLICY, Rule, api_routes, check_every_route_has_a_rule

from ..conftest import SAMPLES, database_for, steady_utc_today

TODAY = steady_utc_today().isoformat()
ARTICLES = sorted((SAMPLES / "articles").glob("*.txt"))
OBJECTS = ("own", "foreign", "unpublished")
#: caller -> (organisation, role) of its key; "revoked" and "expired" are Alpha editor keys gone bad
CALLERS = {
    "anonymous": (None, None),
    "viewer": ("Alpha", "viewer"),
    "reviewer": ("Alpha", "reviewer"),
    "editor": ("Alpha", "editor"),
    "owner": ("Alpha", "owner"),
    "editor_b": ("Beta", "editor"),
    "admin": (None, "admin"),
    "revoked": ("Alpha", "editor"),
    "expired": ("Alpha", "editor"),
}
OBJECT_ORG = {"own": "Alpha", "foreign": "Beta", "unpublished": "Beta"}
ALLOWED = "allowed"


def expected(method: str, path: str, rule: Rule, caller: str, obj: str) -> int | str:
    """What the declared policy promises for this call."""
    if caller in ("revoked", "expired"):
        return 401  # a credential that is sent must be good, even on public routes
    org, role = CALLERS[caller]
    if (role or ANON) not in rule.roles:
        return 401 if caller == "anonymous" else 403
    if rule.object_rule is None:
        return ALLOWED
    admin = caller == "admin"
    own = org == OBJECT_ORG[obj]
    seen = admin or own or obj != "unpublished"
    if rule.object_rule in ("work_visible", "manifest_visible"):
        return ALLOWED if seen else 404
    if rule.object_rule in ("work_own", "entry_owner"):
        return ALLOWED if admin or own else (403 if seen else 404)
    if rule.object_rule == "sheet_reader":
        return ALLOWED if admin or own else (403 if seen else 404)
    if rule.object_rule in ("amendment_party", "amendment_open"):
        if not (admin or own):
            return 404
        if path.endswith("/signatures"):  # consent: only an owner of the party's organisation signs for it
            return ALLOWED if role == "owner" else 403
        return ALLOWED
    if rule.object_rule in ("party_speaker", "key_manager", "claim_party", "webhook_manager", "delivery_manager"):
        return ALLOWED if admin or own else 404
    if rule.object_rule == "job_owner":  # "own": a job this very credential started
        return ALLOWED if obj == "own" or admin or caller == "editor_b" else 404
    raise AssertionError(f"the matrix does not know object rule {rule.object_rule!r}: add it")


CASES = [
    pytest.param(method, path, caller, obj, id=f"{method} {path} {caller} {obj}")
    for (method, path), rule in sorted(POLICY.items())
    for caller in CALLERS
    for obj in (OBJECTS if rule.object_rule else ("-",))
]


@dataclass
class World:
    app: object
    keys: dict[str, str] = field(default_factory=dict)
    works: dict[str, str] = field(default_factory=dict)
    amendments: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)
    parties: dict[str, str] = field(default_factory=dict)
    spare_keys: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)
    claims: dict[str, str] = field(default_factory=dict)
    webhooks: dict[str, str] = field(default_factory=dict)
    deliveries: dict[str, str] = field(default_factory=dict)
    spare_webhooks: dict[str, str] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=itertools.count)

    def client(self, caller: str) -> TestClient:
        headers = {"Authorization": f"Bearer {self.keys[caller]}"} if caller in self.keys else {}
        return TestClient(self.app, headers=headers, follow_redirects=False)

    def unique_article(self) -> bytes:
        n = next(self.counter)
        return (f"Matrix article {n}. " + " ".join(f"word{n}x{i}" for i in range(120))).encode()


def _register(client: TestClient, text: bytes, **data) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/works", files={"file": ("a.txt", text, "text/plain")}, data={"model": "m", **data})
    assert response.status_code == 201, response.text
    return response.json()["work_id"]


def _build_world(app) -> World:  # type: ignore[no-untyped-def]
    from registry import ledger, sheets

    registry = app.state.registry
    world = World(app)
    today = steady_utc_today()  # this module-wide world is built before the autouse fixture refreshes TODAY
    for name, kind in (("Alpha", "newsroom"), ("Beta", "creator")):
        manage.create_organisation(registry, name, kind)
    for caller, (org, role) in CALLERS.items():
        if role is not None:
            world.keys[caller] = manage.issue_api_key(registry, org_name=org, role=role)["key"]
    for org, obj in (("Alpha", "own"), ("Beta", "foreign")):
        world.spare_keys[obj] = manage.issue_api_key(registry, org_name=org, role="viewer")["key_id"]
    world.spare_keys["unpublished"] = world.spare_keys["foreign"]
    manage.revoke_api_key(registry, world.keys["revoked"].split("_")[1])
    with registry.db.writing() as session:
        expired = session.get(ApiKey, world.keys["expired"].split("_")[1])
        expired.expires_at = expired.created_at - timedelta(days=1)
        session.add(expired)

    editors = {"Alpha": world.client("editor"), "Beta": world.client("editor_b")}
    for obj, path in zip(OBJECTS, ARTICLES):
        org = OBJECT_ORG[obj]
        world.works[obj] = _register(editors[org], path.read_bytes(), **({"unpublished": "true"} if obj == "unpublished" else {}))
        world.parties[obj] = org
        # an adopted sheet (so revenue can be recorded), a ledger entry, then an open amendment
        adopted = sheets.propose_sheet(registry, world.works[obj], [{"party": org, "role": "creator", "share": "1/1"}],
                                       today.isoformat())
        sheets.sign_amendment(registry, adopted["amendment_id"], org)
        world.entries[obj] = ledger.record_revenue(registry, world.works[obj], "10.00", "USD", today.isoformat())["entry_id"]
        world.amendments[obj] = editors[org].post(f"/api/v1/works/{world.works[obj]}/sheet/amendments", json={
            "parties": [{"party": org, "role": "creator", "share": "1/1"}],
            "effective_from": (today + timedelta(days=30)).isoformat()}).json()["amendment_id"]
    # a claim of each object's organisation against that organisation's own work (both sides one org)
    claimants = {"Alpha": world.client("reviewer"), "Beta": world.client("editor_b")}
    for obj, path in zip(OBJECTS, ARTICLES):
        suspect = b"Copied.\n\n" + path.read_bytes()
        filed = claimants[OBJECT_ORG[obj]].post("/api/v1/claims", files={"file": ("s.txt", suspect, "text/plain")})
        assert filed.status_code == 200 and filed.json()["claims"], filed.text
        world.claims[obj] = filed.json()["claims"][0]["claim_id"]
    # a webhook of each organisation, and a failed delivery of it
    for obj in ("own", "foreign"):
        world.webhooks[obj] = _webhook(registry, OBJECT_ORG[obj])
        with registry.db.writing() as session:
            delivery = WebhookDelivery(id=f"msg_matrix_{obj}", endpoint_id=world.webhooks[obj], event_type="work.registered",
                                       body="{}", status="failed", attempts=8)
            session.add(delivery)
        world.deliveries[obj] = f"msg_matrix_{obj}"
    world.webhooks["unpublished"], world.deliveries["unpublished"] = world.webhooks["foreign"], world.deliveries["foreign"]
    async_verification = {"files": {"file": ("v.txt", b"nothing registered " * 20, "text/plain")},
                          "headers": {"Prefer": "respond-async"}}
    for caller in ("anonymous", *[c for c in world.keys if c not in ("revoked", "expired")]):
        world.jobs[caller] = world.client(caller).post("/api/v1/verifications", **async_verification).json()["job_id"]
    return world


def _webhook(registry, org: str) -> str:  # type: ignore[no-untyped-def]
    from registry.webhooks import create_endpoint

    return create_endpoint(registry, OPERATOR, url="https://receiver.invalid/hook", org_name=org)["webhook_id"]


def _spare_webhook(world: World, org: str) -> str:
    """The organisation's spare webhook, a new one once the last was deleted."""
    from registry.models import WebhookEndpoint

    registry = world.app.state.registry
    with registry.db.reading() as session:
        spare = session.get(WebhookEndpoint, world.spare_webhooks.get(org, ""))
        if spare is None or spare.deleted_at is not None:
            world.spare_webhooks[org] = _webhook(registry, org)
    return world.spare_webhooks[org]


def _manifest_label(world: World, work_id: str) -> str:
    from registry.models import Manifest, WorkVersion

    with world.app.state.registry.db.reading() as session:
        return session.exec(select(Manifest.label).join(WorkVersion, WorkVersion.id == Manifest.version_id)
                            .where(WorkVersion.work_id == work_id)).one()


def _call(world: World, method: str, path: str, caller: str, obj: str):  # type: ignore[no-untyped-def]
    target = obj if obj != "-" else "own"
    values = {
        "work_id": world.works[target], "amendment_id": world.amendments[target], "entry_id": world.entries[target],
        "party": world.parties[target], "key_id": world.spare_keys[target], "claim_id": world.claims[target],
        "webhook_id": world.webhooks[target], "delivery_id": world.deliveries[target],
        "job_id": world.jobs[caller if target == "own" and caller in world.jobs else "editor_b"],
        "index": 0, "path:path": "0/000.p/1", "number": 1,
    }
    if "{manifest_id}" in path:
        values["manifest_id"] = _manifest_label(world, world.works[target])
    if path == "/api/v1/works/{work_id}/publication" and obj == "unpublished":  # a fresh one: publishing changes it
        values["work_id"] = _register(world.client("editor_b"), world.unique_article(), unpublished="true")
    if path.startswith(("/api/v1/webhooks/{webhook_id}", "/account/webhooks/{webhook_id}")):  # a live one to delete
        values["webhook_id"] = _spare_webhook(world, OBJECT_ORG[target])
    url = path
    for name, value in values.items():
        url = url.replace("{" + name + "}", str(value))
    client = world.client(caller)
    article = {"file": ("s.txt", world.unique_article(), "text/plain")}
    bodies = {
        ("POST", "/api/v1/works"): {"files": article, "data": {"model": "m"}},
        ("POST", "/api/v1/matches"): {"files": article},
        ("POST", "/api/v1/verifications"): {"files": article},
        ("POST", "/c2pa/v1/matches/byBinding"): {"json": {"alg": "org.aigc-registry.text-winnow-v2",
                                                          "value": "AAAAAAAAAAA="}},
        ("POST", "/c2pa/v1/matches/byContent"): {"content": article["file"][1],
                                                 "headers": {"Content-Type": "text/plain"}},
        ("POST", "/api/v1/parties"): {"json": {"name": f"party {next(world.counter)}"}},
        ("POST", "/api/v1/works/{work_id}/sheet/amendments"): {
            "json": {"parties": [{"party": world.parties[target], "role": "creator", "share": "1/1"}],
                     "effective_from": (steady_utc_today() + timedelta(days=60)).isoformat()}},
        ("POST", "/api/v1/amendments/{amendment_id}/signatures"): {"json": {"party": world.parties[target]}},
        ("POST", "/amendments/{amendment_id}/signatures"): {"data": {"party": world.parties[target]}},
        ("PUT", "/api/v1/works/{work_id}/terms"): {"json": {"parents": {}, "resale_royalty_bps": 100}},
        ("POST", "/api/v1/works/{work_id}/revenue"): {"json": {"amount": "1.00", "currency": "USD", "earned_on": TODAY}},
        ("POST", "/api/v1/works/{work_id}/resales"): {
            "json": {"price": "5.00", "currency": "USD", "seller": world.parties[target], "sold_on": TODAY}},
        ("POST", "/api/v1/ledger/{entry_id}/reversal"): {"json": {"reason": "matrix test"}},
        ("POST", "/api/v1/keys"): {"json": {"role": "viewer"}},
        ("POST", "/api/v1/claims"): {"files": article},
        ("POST", "/api/v1/claims/{claim_id}/decision"): {"json": {"action": "confirm"}},
        ("POST", "/api/v1/claims/{claim_id}/dispute"): {"json": {"statement": "matrix dispute"}},
        ("POST", "/claims"): {"files": article},
        # POST /claims/{claim_id}/action is sent no action (a 422 page): past the policy, act_on_claim refuses
        # a viewer's action itself (a 403 page, tests/web/test_pages_claims.py)
        ("POST", "/api/v1/session"): {"json": {"email": "nobody@example.org", "password": "x" * 12}},
        ("POST", "/login"): {"data": {"email": "nobody@example.org", "password": "x" * 12}},
        ("POST", "/register"): {"files": article, "data": {"model": "m"}},
        ("POST", "/account/keys"): {"data": {"role": "viewer"}},
        ("POST", "/account/keys/{key_id}/revocation"): {"data": {"confirm": "yes"}},
        ("POST", "/api/v1/webhooks"): {"json": {"url": "https://receiver.invalid/hook"}},
        ("POST", "/account/webhooks"): {"data": {"url": "https://receiver.invalid/hook"}},
        ("POST", "/account/webhooks/{webhook_id}/deletion"): {"data": {"confirm": "yes"}},
        ("POST", "/account/organisation"): {"data": {"org": "Alpha"}},
    }
    params = {"/api/v1/parties/{party}/statement": {"from": TODAY, "to": TODAY},
              "/api/v1/log/inclusion": {"index": 0}, "/api/v1/log/consistency": {"old": 1},
              "/c2pa/v1/matches/byBinding": {"alg": "org.aigc-registry.text-winnow-v2", "value": "AAAAAAAAAAA="}}
    return client.request(method, url, params=params.get(path), **bodies.get((method, path), {}))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("matrix")
    with database_for(request.param, folder) as url:
        settings = Settings(data_dir=folder / "data", database_url=url, load_samples=False,
                            rate_limit_writes="off", rate_limit_matches="off")
        app = create_app(settings)
        with TestClient(app):  # runs the app's lifespan around the module
            yield _build_world(app)


@pytest.mark.parametrize(("method", "path", "caller", "obj"), CASES)
def test_matrix(world, method, path, caller, obj):
    promised = expected(method, path, POLICY[(method, path)], caller, obj)
    response = _call(world, method, path, caller, obj)
    if promised == ALLOWED:
        # signing in with an unknown email is refused by the use case, after the policy let it through
        refused_sign_in = path in ("/api/v1/session", "/login") and method == "POST" and response.status_code == 401
        # a 404 past the policy is about something else than the object ("an article has no signed copy")
        hidden = response.status_code == 404 and "unknown" in response.json()["error"]["message"]
        assert response.status_code not in (401, 403) and not hidden or refused_sign_in, response.text
        if refused_sign_in:
            assert "wrong email or password" in response.text
    else:
        assert response.status_code == promised, response.text


def test_every_route_has_a_policy_row_and_every_row_a_route(world):
    assert api_routes(world.app) == sorted(POLICY)


def test_a_route_without_a_rule_refuses_to_start(settings):
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/api/v1/undeclared")
    def undeclared() -> dict:
        return {}

    with pytest.raises(RuntimeError, match="GET /api/v1/undeclared"):
        check_every_route_has_a_rule(app)


def test_unpublished_reads_from_outside_are_audited(world):
    registry = world.app.state.registry
    before = len(manage.audit_events(registry))
    assert world.client("admin").get(f"/api/v1/works/{world.works['unpublished']}").status_code == 200
    events = manage.audit_events(registry)[before:]
    assert [e["action"] for e in events] == ["read-unpublished"]
    assert events[0]["target"] == f"work:{world.works['unpublished']}" and "admin" in events[0]["actor"]
    # its own organisation's reads are not audited
    assert world.client("editor_b").get(f"/api/v1/works/{world.works['unpublished']}").status_code == 200
    assert len(manage.audit_events(registry)) == before + 1


def test_unpublished_ids_answer_exactly_as_unknown_ones(world):
    client = world.client("editor")
    hidden = client.get(f"/api/v1/works/{world.works['unpublished']}")
    missing = client.get("/api/v1/works/01ZZZZZZZZZZZZZZZZZZZZZZZZ")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"] == "unknown_work"


def test_listing_shows_published_works_and_your_own(world):
    def listed(caller: str) -> set[str]:
        return {w["work_id"] for w in world.client(caller).get("/api/v1/works", params={"limit": 500}).json()}

    assert world.works["unpublished"] not in listed("anonymous") | listed("editor")
    assert world.works["unpublished"] in listed("editor_b") & listed("admin")
    assert world.works["own"] in listed("anonymous")


def test_matches_against_unpublished_works_say_only_that_one_exists(world):
    registry = world.app.state.registry
    text = ARTICLES[2].read_bytes()  # the unpublished work's article
    found = world.client("reviewer").post("/api/v1/matches", files={"file": ("s.txt", text)}).json()["matches"]
    hit = next(m for m in found if m["work_id"] == world.works["unpublished"])
    assert hit["restricted"] is True and "title" not in hit and "passages" not in hit
    assert registry.settings.contact in hit["note"]
    mine = world.client("editor_b").post("/api/v1/matches", files={"file": ("s.txt", text)}).json()["matches"]
    assert next(m for m in mine if m["work_id"] == world.works["unpublished"])["passages"]
    report = world.client("anonymous").post("/api/v1/verifications", files={"file": ("s.txt", text)}).json()
    assert report["registration"]["restricted"] is True and "title" not in report["registration"]
