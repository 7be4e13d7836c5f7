"""The one declared authorization policy: every route, who may call it, and its object-level rule.

`POLICY` maps (method, path template) to a `Rule`; `web.auth.authorize`, a dependency on the whole
app, looks up the route being called and applies its rule before the handler runs. A route without
a row is refused at start-up (`check_every_route_has_a_rule`), and the authorization matrix test
is generated from this table.

Callers: `anonymous` (no credential), the organisation roles `viewer` < `reviewer` < `editor` <
`owner`, and the registry-wide `admin`. Object rules (what the path's object must be to the caller):

| rule | the object | refused with |
|---|---|---|
| `work_visible` | a work the caller may see: published, or its organisation's, or any for an admin | 404 |
| `manifest_visible` | a manifest (by its label) of a work the caller may see | 404 |
| `work_own` | a work of the caller's organisation (admins: any) | 404 unseen, 403 another's |
| `sheet_reader` | a work the caller's organisation owns, or whose sheet names one of its parties | 404 / 403 |
| `amendment_party` | an amendment of a work the caller sees or whose parties include the caller's | 404 |
| `amendment_open` | an amendment the caller may see (who may withdraw it is the use case's rule) | 404 |
| `entry_owner` | a ledger entry of a work the caller's organisation owns (admins: any) | 404 / 403 |
| `party_speaker` | a party whose statement the caller may read: its user, its organisation, admins | 404 |
| `key_manager` | an API key of the caller's organisation (admins: any) | 404 |
| `job_owner` | a job started by the same credential (anonymous jobs: anyone holding the id) | 404 |
| `claim_party` | a claim the caller's organisation filed or that is against its work (admins: any) | 404 |
| `webhook_manager` | a live webhook of the caller's organisation (admins: any) | 404 |
| `delivery_manager` | a delivery of one of the organisation's webhooks (admins: any) | 404 |
"""

from __future__ import annotations

from dataclasses import dataclass

ANON = "anonymous"
VIEWER, REVIEWER, EDITOR, OWNER, ADMIN = "viewer", "reviewer", "editor", "owner", "admin"
CALLER_ROLES = (ANON, VIEWER, REVIEWER, EDITOR, OWNER, ADMIN)

EVERYONE = frozenset(CALLER_ROLES)
MEMBERS = frozenset({VIEWER, REVIEWER, EDITOR, OWNER, ADMIN})
MATCHERS = frozenset({REVIEWER, EDITOR, OWNER, ADMIN})
EDITORS = frozenset({EDITOR, OWNER, ADMIN})
ORG_EDITORS = frozenset({EDITOR, OWNER})  # the work's organisation only: no admin override
CLAIMANTS = frozenset({REVIEWER, EDITOR, OWNER})  # a claim is an organisation's: an admin has none
OWNERS = frozenset({OWNER, ADMIN})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    object_rule: str | None = None  # see the table above; None: no object in the path
    path_param: str | None = None  # the path parameter naming the object
    limit: str | None = None  # "write" or "match": counted against the caller's rate limit
    public: bool = False  # part of what a public registry gives anyone (a setting can require a key)


def _public(object_rule: str | None = None, path_param: str | None = None) -> Rule:
    return Rule(EVERYONE, object_rule, path_param, public=True)


POLICY: dict[tuple[str, str], Rule] = {
    # works
    ("POST", "/api/v1/works"): Rule(EDITORS, limit="write"),
    ("GET", "/api/v1/works"): _public(),
    ("GET", "/api/v1/works/search"): _public(),
    ("GET", "/api/v1/works/{work_id}"): _public("work_visible", "work_id"),
    ("GET", "/api/v1/works/{work_id}/history"): _public("work_visible", "work_id"),
    ("GET", "/api/v1/works/{work_id}/content"): _public("work_visible", "work_id"),
    ("GET", "/api/v1/works/{work_id}/signed"): _public("work_visible", "work_id"),
    ("GET", "/api/v1/works/{work_id}/manifest"): _public("work_visible", "work_id"),
    ("GET", "/api/v1/works/{work_id}/receipt"): _public("work_visible", "work_id"),
    ("GET", "/api/v1/works/{work_id}/segments"): _public("work_visible", "work_id"),
    ("POST", "/api/v1/works/{work_id}/publication"): Rule(EDITORS, "work_own", "work_id", limit="write"),
    # checks
    ("POST", "/api/v1/matches"): Rule(MATCHERS, limit="match"),
    ("POST", "/api/v1/verifications"): Rule(EVERYONE, limit="match", public=True),
    ("GET", "/api/v1/jobs/{job_id}"): Rule(EVERYONE, "job_owner", "job_id", public=True),
    # the C2PA Soft Binding Resolution API: what POST /api/v1/verifications gives anyone, in C2PA's terms
    ("GET", "/c2pa/v1/services/supportedAlgorithms"): _public(),
    ("GET", "/c2pa/v1/matches/byBinding"): Rule(EVERYONE, limit="match", public=True),
    ("POST", "/c2pa/v1/matches/byBinding"): Rule(EVERYONE, limit="match", public=True),
    ("POST", "/c2pa/v1/matches/byContent"): Rule(EVERYONE, limit="match", public=True),
    ("GET", "/c2pa/v1/manifests/{manifest_id}"): _public("manifest_visible", "manifest_id"),
    # claims: a side of the claim only (its claimant's organisation or the work's)
    ("POST", "/api/v1/claims"): Rule(CLAIMANTS, limit="match"),
    ("GET", "/api/v1/claims"): Rule(MEMBERS),
    ("GET", "/api/v1/claims/{claim_id}"): Rule(MEMBERS, "claim_party", "claim_id"),
    ("POST", "/api/v1/claims/{claim_id}/decision"): Rule(MATCHERS, "claim_party", "claim_id", limit="write"),
    ("POST", "/api/v1/claims/{claim_id}/dispute"): Rule(EDITORS, "claim_party", "claim_id", limit="write"),
    # parties, sheets, terms, revenue
    ("POST", "/api/v1/parties"): Rule(EDITORS, limit="write"),
    ("GET", "/api/v1/parties"): Rule(MEMBERS),
    ("GET", "/api/v1/works/{work_id}/sheet"): Rule(MEMBERS, "sheet_reader", "work_id"),
    ("POST", "/api/v1/works/{work_id}/sheet/amendments"): Rule(EDITORS, "work_own", "work_id", limit="write"),
    ("POST", "/api/v1/amendments/{amendment_id}/signatures"): Rule(MEMBERS, "amendment_party", "amendment_id",
                                                                   limit="write"),
    ("POST", "/api/v1/amendments/{amendment_id}/withdrawal"): Rule(EDITORS, "amendment_open", "amendment_id",
                                                                   limit="write"),
    ("PUT", "/api/v1/works/{work_id}/terms"): Rule(ORG_EDITORS, "work_own", "work_id", limit="write"),
    ("POST", "/api/v1/works/{work_id}/revenue"): Rule(EDITORS, "work_own", "work_id", limit="write"),
    ("POST", "/api/v1/works/{work_id}/resales"): Rule(EDITORS, "work_own", "work_id", limit="write"),
    ("GET", "/api/v1/ledger"): Rule(MEMBERS),
    ("POST", "/api/v1/ledger/{entry_id}/reversal"): Rule(OWNERS, "entry_owner", "entry_id", limit="write"),
    ("GET", "/api/v1/parties/{party}/statement"): Rule(MEMBERS, "party_speaker", "party"),
    # accounts
    ("GET", "/api/v1/whoami"): Rule(EVERYONE),
    ("GET", "/api/v1/keys"): Rule(OWNERS),
    ("POST", "/api/v1/keys"): Rule(OWNERS, limit="write"),
    ("DELETE", "/api/v1/keys/{key_id}"): Rule(OWNERS, "key_manager", "key_id", limit="write"),
    ("POST", "/api/v1/session"): Rule(EVERYONE, limit="write"),
    ("DELETE", "/api/v1/session"): Rule(EVERYONE),
    ("GET", "/api/v1/audit"): Rule(frozenset({ADMIN})),
    # operations: anyone may ask whether the registry is up and read its public figures
    ("GET", "/healthz"): Rule(EVERYONE),
    ("GET", "/readyz"): Rule(EVERYONE),
    ("GET", "/metrics"): Rule(EVERYONE),
    # webhooks: the organisation's owners (admins name the organisation)
    ("GET", "/api/v1/webhooks"): Rule(OWNERS),
    ("POST", "/api/v1/webhooks"): Rule(OWNERS, limit="write"),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Rule(OWNERS, "webhook_manager", "webhook_id", limit="write"),
    ("GET", "/api/v1/webhook-deliveries"): Rule(OWNERS),
    ("POST", "/api/v1/webhook-deliveries/{delivery_id}/retry"): Rule(OWNERS, "delivery_manager", "delivery_id",
                                                                     limit="write"),
    # pages
    ("GET", "/"): _public(),
    ("GET", "/works"): _public(),
    ("GET", "/works/{work_id}"): _public("work_visible", "work_id"),
    ("GET", "/works/{work_id}/frame.jpg"): _public("work_visible", "work_id"),
    ("POST", "/amendments/{amendment_id}/signatures"): Rule(MEMBERS, "amendment_party", "amendment_id", limit="write"),
    ("GET", "/verify"): _public(),
    ("POST", "/verify"): Rule(EVERYONE, limit="match", public=True),  # as POST /api/v1/verifications
    ("GET", "/log"): _public(),
    ("GET", "/c2pa/trust-anchors.pem"): _public(),
    ("GET", "/c2pa/tsa.pem"): _public(),
    ("GET", "/claims"): Rule(MEMBERS),
    ("POST", "/claims"): Rule(CLAIMANTS, limit="match"),  # as POST /api/v1/claims
    ("GET", "/claims/{claim_id}"): Rule(MEMBERS, "claim_party", "claim_id"),
    ("GET", "/claims/{claim_id}/suspect-frames/{number}.jpg"): Rule(MEMBERS, "claim_party", "claim_id"),
    # one form for every action: act_on_claim decides each (a viewer's is a 403 page)
    ("POST", "/claims/{claim_id}/action"): Rule(MEMBERS, "claim_party", "claim_id", limit="write"),
    ("GET", "/register"): Rule(EDITORS),  # as POST /api/v1/works
    ("POST", "/register"): Rule(EDITORS, limit="write"),
    ("GET", "/account"): Rule(MEMBERS),
    ("POST", "/account/keys"): Rule(OWNERS, limit="write"),  # as POST /api/v1/keys
    ("POST", "/account/keys/{key_id}/revocation"): Rule(OWNERS, "key_manager", "key_id", limit="write"),
    ("POST", "/account/organisation"): Rule(MEMBERS, limit="write"),  # the switcher: a session's organisation
    ("POST", "/account/webhooks"): Rule(OWNERS, limit="write"),  # as POST /api/v1/webhooks
    ("POST", "/account/webhooks/{webhook_id}/deletion"): Rule(OWNERS, "webhook_manager", "webhook_id", limit="write"),
    ("POST", "/account/webhook-deliveries/{delivery_id}/retry"): Rule(OWNERS, "delivery_manager", "delivery_id",
                                                                     limit="write"),
    ("GET", "/login"): Rule(EVERYONE),
    ("POST", "/login"): Rule(EVERYONE, limit="write"),
    ("POST", "/logout"): Rule(EVERYONE),
    # the API documentation (web/api_docs.py): open like /openapi.json, even where public reads need a key
    ("GET", "/docs"): Rule(EVERYONE),
    ("GET", "/redoc"): Rule(EVERYONE),
    # the transparency log: public by nature (a setting can still require a key)
    ("GET", "/log/checkpoint"): _public(),
    ("GET", "/log/key"): _public(),
    ("GET", "/log/tile/{path:path}"): _public(),
    ("GET", "/api/v1/log"): _public(),
    ("GET", "/api/v1/log/entries/{index}"): _public(),
    ("GET", "/api/v1/log/inclusion"): _public(),
    ("GET", "/api/v1/log/consistency"): _public(),
}


def rule_for(method: str, path: str) -> Rule | None:
    return POLICY.get((method, path))


def api_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every (method, path template) the app's own routes answer (not FastAPI's /docs and /openapi.json)."""
    from fastapi.routing import APIRoute

    try:  # FastAPI >= 0.16x includes routers lazily; iter_route_contexts flattens them
        from fastapi.routing import iter_route_contexts
        contexts = [(c.original_route, c.path, c.methods) for c in iter_route_contexts(app.routes)]
    except ImportError:
        contexts = [(r, r.path, getattr(r, "methods", None)) for r in app.routes]
    return sorted({(method, path) for route, path, methods in contexts if isinstance(route, APIRoute)
                   for method in (methods or ()) if method not in ("HEAD", "OPTIONS")})


def check_every_route_has_a_rule(app) -> None:  # type: ignore[no-untyped-def]
    """Refuse to build an app with a route the policy does not decide."""
    missing = [f"{method} {path}" for method, path in api_routes(app) if (method, path) not in POLICY]
    if missing:
        raise RuntimeError(f"routes without an authorization rule in web/policy.py: {', '.join(missing)}")
