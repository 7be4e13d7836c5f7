"""The one place that turns registry errors into HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.errors import (
    BadQueryError,
    ConflictError,
    ForbiddenError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    RegistryError,
    UnauthenticatedError,
    UnsupportedMediaError,
)
from registry.tlog.errors import LogError

STATUS_BY_ERROR: list[tuple[type[Exception], int]] = [
    (UnauthenticatedError, 401),
    (RateLimitedError, 429),
    (PayloadTooLargeError, 413),
    (UnsupportedMediaError, 415),
    (InvalidInputError, 422),
    (BadQueryError, 400),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ForbiddenError, 403),
    (IntegrityError, 503),
    (RegistryError, 400),
    (LogError, 400),
]


def error_body(code: str, message: str, **details: object) -> dict:
    return {"error": {"code": code, "message": message, **details}}


def error_parts(exc: Exception) -> tuple[int, dict]:
    """(HTTP status, JSON body) for an error; anything unexpected is a 500 that says little."""
    status = next((code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls)), None)
    if status is None:
        return 500, error_body("internal_error", "the server failed; the request stored nothing")
    code = getattr(exc, "code", "log_error")
    details = getattr(exc, "details", {})
    return status, error_body(code, str(exc), **details)


def error_headers(exc: Exception) -> dict[str, str]:
    """RFC 6750's challenge on a 401; how long to wait on a 429."""
    if isinstance(exc, UnauthenticatedError):
        return {"WWW-Authenticate": 'Bearer realm="aigc-registry"'}
    if isinstance(exc, RateLimitedError):
        return {"Retry-After": str(exc.details.get("retry_after", 1))}
    return {}


_HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 408: "request_timeout", 413: "payload_too_large", 415: "unsupported_media",
               422: "invalid_input", 429: "rate_limited"}


def _validation_message(errors: list) -> str:
    """`query.offset: Input should be less than or equal to 2147483647; body.name: ...`"""
    parts = []
    for error in errors[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """RFC 9110 15.5.6: a 405 lists every method the target resource supports. Starlette answers
    with the methods of the first route whose path matched, but GET and POST on one path are two
    routes here, so the list is gathered from every route whose template matches the path."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import compile_path

    table = getattr(app.state, "route_methods", None)
    if table is None:
        table = [(compile_path(c.path)[0], frozenset(c.methods or ())) for c in iter_route_contexts(app.routes)]
        app.state.route_methods = table
    return sorted({method for regex, methods in table if regex.match(path) for method in methods})


def install_error_handlers(app: FastAPI) -> None:
    """Every error in one shape, `{"error": {"code", "message", ...}}`: the registry's, and the
    framework's own (unknown routes, wrong methods, requests that fail their schema)."""
    from .error_pages import error_page, wants_page

    def page(request: Request) -> bool:
        return wants_page(request.url.path, request.headers.get("accept", ""))

    async def registry_error(request: Request, exc: Exception) -> Response:
        status, body = error_parts(exc)
        if page(request):
            return error_page(request, status, body["error"]["message"])
        return JSONResponse(body, status_code=status, headers=error_headers(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        code = _HTTP_CODES.get(exc.status_code, "error")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request.app, request.url.path))
        if page(request) and exc.status_code != 405:
            return error_page(request, exc.status_code, detail)
        return JSONResponse(error_body(code, detail), status_code=exc.status_code, headers=headers or None)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if page(request):
            return error_page(request, 422, _validation_message(exc.errors()))
        problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()[:20]]
        return JSONResponse(error_body("invalid_input", _validation_message(exc.errors()), problems=problems),
                            status_code=422)

    app.add_exception_handler(RegistryError, registry_error)
    app.add_exception_handler(LogError, registry_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
