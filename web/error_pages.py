"""Errors as pages for people: a browser asking a page for HTML gets the error in the site's layout
and language (a 404 for a work it may not see, a 413 for an upload over the limit), while the API,
the log's files and the assets keep the one JSON error shape."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from registry.accounts.principal import ANONYMOUS

from .templating import render

#: paths whose errors stay JSON whatever the client accepts (the API, the log's machine files, assets)
JSON_PREFIXES = ("/api/", "/log/", "/static/", "/assets/", "/c2pa/", "/openapi.json", "/docs", "/redoc")


def wants_page(path: str, accept: str) -> bool:
    return "text/html" in accept and not path.startswith(JSON_PREFIXES)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    principal = getattr(request.state, "principal", None) or ANONYMOUS
    return render(request, "error.html", principal, status_code=status, status=status, message=message)
