"""The account page: the signed-in caller's organisation and memberships (with a switcher to act for
another of them), the organisation's members and roles (all of them for owners), its API keys, which
owners issue (the secret shown once, on the answer to the issuing post) and revoke (a confirm
checkbox in the form), and its webhooks with their delivery log. Thin: each action is a use case of
`registry.accounts.manage` or `registry.webhooks`, as in web/api_accounts.py and web/api_webhooks.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registry import webhooks
from registry.accounts import manage
from registry.accounts.principal import ORG_ROLES, Principal
from registry.errors import InvalidInputError, RegistryError
from registry.service import Registry

from .auth import SESSION_COOKIE, PrincipalDep
from .deps import RegistryDep
from .errors import error_parts
from .templating import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, registry: Registry, principal: Principal, *, issued: dict | None = None,
          added: dict | None = None, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    manages = principal.is_admin or principal.at_least("owner")
    hooks = manages and principal.org_id is not None  # an admin without an organisation uses the API, naming one
    return render(request, "account.html", principal, status_code=status_code,
                  me=manage.describe_principal(registry, principal),
                  members=manage.organisation_members(registry, principal=principal),
                  keys=manage.api_keys(registry, principal=principal) if manages else None,
                  webhooks=webhooks.list_endpoints(registry, principal) if hooks else None,
                  deliveries=webhooks.list_deliveries(registry, principal, limit=30) if hooks else None,
                  events=webhooks.EVENTS, roles=ORG_ROLES, issued=issued, added=added, error=error)


def _refused(request: Request, registry: Registry, principal: Principal, e: RegistryError) -> HTMLResponse:
    status, _ = error_parts(e)
    return _page(request, registry, principal, error=str(e), status_code=status)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, registry: RegistryDep, principal: PrincipalDep) -> HTMLResponse:
    return _page(request, registry, principal)


@router.post("/account/keys", response_class=HTMLResponse)
async def issue_key(request: Request, registry: RegistryDep, principal: PrincipalDep) -> HTMLResponse:
    """A new key of the caller's organisation: its secret is on this answer and nowhere else."""
    form = await request.form()
    role, name, days = (str(form.get(field) or "").strip() for field in ("role", "name", "expires_days"))
    try:
        if days and not (days.isdigit() and len(days) <= 4):
            raise InvalidInputError(f"expiry must be a number of days, got {days[:20]!r}")
        issued = manage.issue_api_key(registry, org_name=None, role=role, name=name[:200],
                                      expires_days=int(days) if days else None, principal=principal)
    except RegistryError as e:
        return _refused(request, registry, principal, e)
    return _page(request, registry, principal, issued=issued, status_code=201)


@router.post("/account/keys/{key_id}/revocation", response_class=HTMLResponse)
async def revoke_key(request: Request, registry: RegistryDep, principal: PrincipalDep, key_id: str) -> Response:
    """Revoke a key once the form's confirm box is ticked; then back to the account page."""
    form = await request.form()
    try:
        if form.get("confirm") != "yes":
            raise InvalidInputError(f"tick the box to confirm revoking key {key_id}")
        manage.revoke_api_key(registry, key_id, principal=principal)
    except RegistryError as e:
        return _refused(request, registry, principal, e)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/organisation", response_class=HTMLResponse)
async def switch_organisation(request: Request, registry: RegistryDep, principal: PrincipalDep) -> Response:
    """Act for another organisation the signed-in user belongs to (the session's own, not a key's)."""
    form = await request.form()
    token = request.cookies.get(SESSION_COOKIE)
    try:
        if principal.kind != "session" or not token:
            raise InvalidInputError("an API key acts for its own organisation: only a sign-in switches")
        manage.switch_session_org(registry, token, str(form.get("org") or "")[:200])
    except RegistryError as e:
        return _refused(request, registry, principal, e)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/webhooks", response_class=HTMLResponse)
async def add_webhook(request: Request, registry: RegistryDep, principal: PrincipalDep) -> HTMLResponse:
    """A new webhook of the caller's organisation: its signing secret is on this answer and nowhere else."""
    form = await request.form()
    events = [str(e) for e in form.getlist("events")] or None
    try:
        added = webhooks.create_endpoint(registry, principal, url=str(form.get("url") or "").strip(),
                                         events=events, description=str(form.get("description") or "")[:200])
    except RegistryError as e:
        return _refused(request, registry, principal, e)
    return _page(request, registry, principal, added=added, status_code=201)


@router.post("/account/webhooks/{webhook_id}/deletion", response_class=HTMLResponse)
async def delete_webhook(request: Request, registry: RegistryDep, principal: PrincipalDep,
                         webhook_id: str) -> Response:
    form = await request.form()
    try:
        if form.get("confirm") != "yes":
            raise InvalidInputError("tick the box to confirm deleting the webhook")
        webhooks.delete_endpoint(registry, principal, webhook_id)
    except RegistryError as e:
        return _refused(request, registry, principal, e)
    return RedirectResponse("/account#webhooks", status_code=303)


@router.post("/account/webhook-deliveries/{delivery_id}/retry", response_class=HTMLResponse)
async def retry_delivery(request: Request, registry: RegistryDep, principal: PrincipalDep,
                         delivery_id: str) -> Response:
    try:
        webhooks.retry_delivery(registry, principal, delivery_id)
    except RegistryError as e:
        return _refused(request, registry, principal, e)
    return RedirectResponse("/account#deliveries", status_code=303)
