"""Authentication and the one authorization gate every route passes (see web/policy.py).

A caller is authenticated by `Authorization: Bearer KEY` (programs) or by the session cookie the
sign-in sets (the pages); a cookie-authenticated request that changes anything must carry the
session's CSRF token (header `X-CSRF-Token` or form field `csrf_token`). `authorize` then looks
up the route's rule: the caller's role must be allowed, the path's object must pass the rule's
object-level check, and a write or a match counts against the caller's rate limit.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from registry.accounts.access import can_see, read_from_outside
from registry.accounts.audit import record_audit
from registry.accounts.object_rules import OBJECT_RULES
from registry.accounts.principal import ANONYMOUS, Principal
from registry.accounts.sessions import session_principal
from registry.errors import ForbiddenError, NotFoundError, UnauthenticatedError
from registry.jobs import job_owner
from registry.models import Work
from registry.service import Registry

from .policy import ANON, Rule, rule_for

SESSION_COOKIE = "aigc_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Signing in replaces whatever session the browser had: its old cookie is not asked for a CSRF token
#: (a cross-site sign-in post is still refused by its Origin, and SameSite keeps the cookie home)
SIGN_IN = frozenset({("POST", "/login"), ("POST", "/api/v1/session")})


def _credential(registry: Registry, request: Request) -> tuple[Principal, str | None]:
    """The caller and, for a session, its CSRF token. A credential that is sent must be good."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise UnauthenticatedError("send the API key as 'Authorization: Bearer KEY'")
        return registry.key_authenticator.authenticate(registry.db, value.strip()), None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with registry.db.reading() as session:
            return session_principal(session, token)
    return ANONYMOUS, None


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise ForbiddenError("this form post needs the session's CSRF token (field csrf_token or header X-CSRF-Token)")


def _object_check(registry: Registry, principal: Principal, rule: Rule, value: str) -> None:
    check = OBJECT_RULES[rule.object_rule]  # type: ignore[index]
    with registry.db.reading() as session:
        audited = check(session, principal, value)
        if rule.object_rule == "work_visible":
            registry.work_facts.put(session.get(Work, value))  # passed: the next read needs no query
    if audited is not None:
        with registry.db.writing() as session:
            record_audit(session, principal, "read-unpublished", target=f"work:{audited.id}")


def _seen_recently(registry: Registry, principal: Principal, rule: Rule, value: str) -> bool:
    """A work_visible check answered from the facts cache: only when it lets the caller through
    without an audit (anything else takes the full check)."""
    if rule.object_rule != "work_visible":
        return False
    facts = registry.work_facts.get(value)
    return facts is not None and can_see(principal, facts) and not read_from_outside(principal, facts)


def _caller_key(principal: Principal, request: Request) -> str:
    return principal.actor if principal.authenticated else f"ip:{request.client.host if request.client else '?'}"


#: Declares the scheme in the OpenAPI document (so /docs can send a key); `_credential` reads the header.
BEARER = HTTPBearer(auto_error=False, scheme_name="apiKey", bearerFormat="aigc_<key id>_<secret>",
                    description="An API key from `aigc-registry admin key issue` or POST /api/v1/keys")


async def authorize(request: Request,
                    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None) -> Principal:
    """The app-wide dependency: authenticate, then apply the route's declared rule."""
    registry: Registry = request.app.state.registry
    route = request.scope.get("route")
    rule = rule_for(request.method, getattr(route, "path", ""))
    if rule is None:  # never: create_app refuses routes without a rule
        raise ForbiddenError(f"no authorization rule for {request.method} {getattr(route, 'path', '?')}")
    header = request.headers.get("authorization", "")
    remembered = registry.key_authenticator.from_memory(header[7:]) if header[:7].lower() == "bearer " else None
    if remembered is not None:  # checked moments ago: no database, no thread hop
        principal, csrf = remembered, None
    elif not header and (SESSION_COOKIE not in request.cookies or (request.method, route.path) in SIGN_IN):  # type: ignore[union-attr]
        principal, csrf = ANONYMOUS, None  # no credential at all: nothing to look up
    else:
        principal, csrf = await run_in_threadpool(_credential, registry, request)
    if csrf is not None and request.method not in SAFE_METHODS:
        await _check_csrf(request, csrf)
    request.state.csrf_token = csrf  # a page's forms carry it (None: no session, nothing to forge)
    role = principal.role or ANON  # a signed-in user of no organisation may do what anyone may
    if not principal.authenticated and rule.public and registry.settings.require_key_for_public:
        raise UnauthenticatedError("this registry requires a credential for every request: send Authorization: Bearer KEY")
    if role not in rule.roles:
        if not principal.authenticated:
            raise UnauthenticatedError(f"{request.method} {route.path} needs a credential: "  # type: ignore[union-attr]
                                       "send Authorization: Bearer KEY")
        raise ForbiddenError(f"{principal.describe()} may not {request.method} {route.path}: "  # type: ignore[union-attr]
                             f"it needs one of the roles {', '.join(sorted(rule.roles - {ANON}))}")
    if rule.limit:
        request.app.state.rate_limits.hit(rule.limit, _caller_key(principal, request))
    if rule.object_rule == "job_owner":
        job_id = str(request.path_params["job_id"])
        owner = await run_in_threadpool(job_owner, registry, job_id)
        if owner is not None and owner != principal.actor and not principal.is_admin:
            raise NotFoundError(f"unknown job {job_id[:40]!r}")
    elif rule.object_rule is not None:
        value = str(request.path_params[rule.path_param])  # type: ignore[index]
        if not _seen_recently(registry, principal, rule, value):
            await run_in_threadpool(_object_check, registry, principal, rule, value)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(authorize)]
