"""The OpenAPI document says what the server does: every operation lists the error statuses the
declared policy and the route can answer (in the one error shape), and binary answers their
media types. Built once, from `web/policy.py`, over FastAPI's own document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .policy import POLICY

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                             "additionalProperties": True}},
}
_WHY = {400: "Malformed request (a tile path, a proof's sizes)", 401: "No credential where one is needed, or a bad one",
        403: "The caller's role or organisation may not do this", 404: "Unknown, or not yours to see",
        405: "Method not allowed", 408: "The request body stalled", 409: "Conflicts with what is stored",
        413: "Over the size limit", 415: "Not a kind the registry handles",
        422: "Invalid input", 429: "Too many requests (see Retry-After)", 503: "Stored state disagrees with itself"}
#: What the binary routes answer, by path: their media types instead of JSON.
BINARY = {
    "/api/v1/works/{work_id}/content": ["text/plain", "video/mp4", "video/quicktime", "video/x-msvideo", "image/jpeg",
                                        "image/png", "image/webp"],
    "/api/v1/works/{work_id}/signed": ["video/mp4", "video/quicktime", "video/x-msvideo", "image/jpeg", "image/png",
                                       "image/webp"],
    "/api/v1/works/{work_id}/manifest": ["application/c2pa"],
    "/log/tile/{path}": ["application/octet-stream"],
}


def _errors_of(method: str, path: str, has_body: bool) -> list[int]:
    rule = POLICY.get((method, path)) or POLICY.get((method, path.replace("{path}", "{path:path}")))
    statuses = {400, 401, 403, 404, 422, 503}  # 401: a bad credential is refused even where anyone may call
    if rule is not None and rule.limit:
        statuses.add(429)
    if method in ("POST", "PUT"):
        statuses |= {409, 413, 408}
        if has_body:
            statuses.add(415)
    return sorted(statuses)


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)  # FastAPI's HTTPValidationError: ours is the one error shape
                for status in _errors_of(method.upper(), path, "requestBody" in operation):
                    responses.setdefault(str(status), {"description": _WHY[status], "content": error})
                if path in BINARY and "200" in responses:
                    responses["200"]["content"] = {media: {"schema": {"type": "string", "format": "binary"}}
                                                   for media in BINARY[path]}
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]
