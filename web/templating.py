"""Render the pages: Jinja2 templates under `web/templates/` (autoescaped: a title holding HTML shows
as text), the page's language and its catalogue, and the caller."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from registry.accounts.principal import Principal

from .i18n import LANGUAGE_COOKIE, LANGUAGES, choose_language, translations

ENVIRONMENT = Environment(loader=PackageLoader("web", "templates"), autoescape=select_autoescape(["html"]),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(request: Request, template: str, principal: Principal, *, status_code: int = 200,
           **context: object) -> HTMLResponse:
    """The page `template` in the caller's language (a `?lang=` choice is kept in a cookie)."""
    chosen = request.query_params.get("lang")
    language = choose_language(chosen, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    catalogue = translations(language)

    def with_query(**changes: object) -> str:
        """This page's URL with some query parameters changed (None removes one)."""
        params = {k: v for k, v in request.query_params.items() if k not in changes}
        params.update({k: str(v) for k, v in changes.items() if v is not None})
        return request.url.path + ("?" + urlencode(params) if params else "")

    html = ENVIRONMENT.get_template(template).render(
        _=catalogue.gettext, lang=language, languages=LANGUAGES, with_query=with_query, principal=principal,
        csrf_token=getattr(request.state, "csrf_token", None), **context)
    response = HTMLResponse(html, status_code=status_code)
    if chosen in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response
