"""Accounts over HTTP: who am I, API keys (issue, list, revoke), sign-in sessions, the audit log,
and the sign-in page."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import Field

from registry.accounts import manage
from registry.accounts.principal import Principal
from registry.errors import RegistryError

from .auth import SESSION_COOKIE, PrincipalDep
from .deps import RegistryDep
from .schema_types import StrictBody, integer
from .templating import render

router = APIRouter(prefix="/api/v1", tags=["accounts"])
pages = APIRouter(include_in_schema=False)


class KeyIn(StrictBody):
    role: Literal["owner", "editor", "reviewer", "viewer", "admin"]
    name: str = Field(default="", max_length=200)
    expires_days: integer(ge=1, le=3650) | None = None  # type: ignore[valid-type]
    org: str | None = Field(default=None, description="admins only: the organisation (default: yours)")


class SignIn(StrictBody):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    org: str | None = Field(default=None, max_length=200)


@router.get("/whoami", summary="The caller as its credential proves it")
def whoami(registry: RegistryDep, principal: PrincipalDep) -> dict:
    return manage.describe_principal(registry, principal)


@router.get("/keys", summary="API keys of your organisation (admins: every key)")
def keys(registry: RegistryDep, principal: PrincipalDep, org: str | None = None) -> list[dict]:
    return manage.api_keys(registry, org_name=org, principal=principal)


@router.post("/keys", status_code=201, summary="Issue an API key: the key is in this answer only")
def issue(registry: RegistryDep, principal: PrincipalDep, body: KeyIn) -> dict:
    return manage.issue_api_key(registry, org_name=body.org, role=body.role, name=body.name,
                                expires_days=body.expires_days, principal=principal)


@router.delete("/keys/{key_id}", summary="Revoke an API key")
def revoke(registry: RegistryDep, principal: PrincipalDep, key_id: str) -> dict:
    return manage.revoke_api_key(registry, key_id, principal=principal)


@router.get("/audit", summary="The audit log (admins)")
def audit(registry: RegistryDep, _principal: PrincipalDep, since: str | None = None) -> list[dict]:
    return manage.audit_events(registry, since=since)


def _set_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        max_age=12 * 3600, path="/")


@router.post("/session", summary="Sign in with email and password: sets the HttpOnly session cookie")
async def session(request: Request, registry: RegistryDep, _principal: PrincipalDep, body: SignIn) -> JSONResponse:
    signed = await run_in_threadpool(manage.start_session, registry, body.email, body.password, body.org)
    response = JSONResponse({"csrf_token": signed.csrf_token, **manage.describe_principal(registry, signed.principal)})
    _set_cookie(request, response, signed.token)
    return response


@router.delete("/session", status_code=204, summary="Sign out")
def sign_out(request: Request, registry: RegistryDep, _principal: PrincipalDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        manage.end_session(registry, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _login_page(request: Request, principal: Principal, message: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "login.html", principal, status_code=status_code, message=message)


@pages.get("/login", response_class=HTMLResponse)
def login_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    return _login_page(request, principal)


@pages.post("/login")
async def login(request: Request, registry: RegistryDep, principal: PrincipalDep,
                email: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)],
                org: Annotated[str | None, Form(max_length=200)] = None) -> Response:
    try:
        signed = await run_in_threadpool(manage.start_session, registry, email, password, org or None)
    except RegistryError as e:
        return _login_page(request, principal, str(e), status_code=401)
    response = RedirectResponse("/", status_code=303)
    _set_cookie(request, response, signed.token)
    return response


@pages.post("/logout")
def logout(request: Request, registry: RegistryDep, _principal: PrincipalDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        manage.end_session(registry, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
