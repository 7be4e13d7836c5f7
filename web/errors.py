"""The one place that turns registry errors into HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from registry.errors import (
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


def install_error_handlers(app: FastAPI) -> None:
    async def registry_error(_request: Request, exc: Exception) -> JSONResponse:
        status, body = error_parts(exc)
        return JSONResponse(body, status_code=status, headers=error_headers(exc))

    app.add_exception_handler(RegistryError, registry_error)
    app.add_exception_handler(LogError, registry_error)
