"""Browser safety: the usual security headers on every response, CORS closed unless the
`cors_allow_origins` setting opens it, and state-changing requests from another site's page
refused by their Origin header (a cross-origin form post never reaches a handler)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from registry.settings import Settings

from .errors import error_body

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # no-referrer would make browsers send `Origin: null` on our own form posts
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _same_origin(request: Request, origin: str) -> bool:
    host = request.headers.get("host", "")
    return origin in (f"{request.url.scheme}://{host}", f"http://{host}", f"https://{host}")


def install_browser_safety(app: FastAPI, settings: Settings) -> None:
    allowed = set(settings.cors_allow_origins)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        origin = request.headers.get("origin")
        if (request.method in _UNSAFE and origin is not None and origin != "null" and origin not in allowed
                and not _same_origin(request, origin)) or (request.method in _UNSAFE and origin == "null"):
            response = JSONResponse(error_body("forbidden", f"cross-origin request from {origin} refused: "
                                               "allow the origin with AIGC_REGISTRY_CORS_ALLOW_ORIGINS"),
                                    status_code=403)
        else:
            response = await call_next(request)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", _CSP)  # the docs pages send their own (web/api_docs.py)
        if request.url.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    if allowed:
        app.add_middleware(CORSMiddleware, allow_origins=sorted(allowed), allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Prefer", "X-CSRF-Token"],
                           expose_headers=["Location", "Retry-After"])
