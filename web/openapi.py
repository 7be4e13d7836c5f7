"""The OpenAPI document says what the server does: every operation lists the error statuses the
declared policy and the route can answer (in the one error shape), binary answers their media
types, an operation anyone may call says its credential is optional, and a multipart form has no
`null` (a field left out is how a query or a form says none). Built once, from `web/policy.py`, over
FastAPI's own document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .policy import ANON, POLICY, Rule

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
    "/c2pa/v1/manifests/{manifest_id}": ["application/c2pa"],
    "/log/tile/{path}": ["application/octet-stream"],
}


def _rule_of(method: str, path: str) -> Rule | None:
    return POLICY.get((method, path)) or POLICY.get((method, path.replace("{path}", "{path:path}")))


def _errors_of(method: str, path: str, has_body: bool) -> list[int]:
    rule = _rule_of(method, path)
    statuses = {400, 401, 403, 404, 422, 503}  # 401: a bad credential is refused even where anyone may call
    if rule is not None and rule.limit:
        statuses.add(429)
    if method in ("POST", "PUT"):
        statuses |= {409, 413, 408}
        if has_body:
            statuses.add(415)
    return sorted(statuses)


def _credential_optional(rule: Rule | None, key_for_public: bool) -> bool:
    """Anonymous callers may call it (and the registry does not require a key for public reads)."""
    return rule is not None and ANON in rule.roles and not (rule.public and key_for_public)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, {"type": "null"}]` as X: a multipart field is text or a file, never null."""
    options = [option for option in schema.get("anyOf", ()) if option.get("type") != "null"]
    if "anyOf" not in schema or len(options) != 1:
        return schema
    return {**{k: v for k, v in schema.items() if k != "anyOf"}, **options[0]}


def _forms_without_null(document: dict[str, Any]) -> None:
    """Query strings and multipart forms carry text (and files), so an optional field is left out, not null."""
    schemas = document.get("components", {}).get("schemas", {})
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                parameter["schema"] = _without_null(parameter["schema"])
            form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
            if form is None:
                continue
            name = form["schema"].get("$ref", "").rsplit("/", 1)[-1]
            body = schemas.get(name, form["schema"])
            body["properties"] = {field: _without_null(schema) for field, schema in body.get("properties", {}).items()}
            for field, schema in body["properties"].items():  # a JSON part: its object schema, sent as JSON
                if schema.get("contentMediaType") == "application/json" and "contentSchema" in schema:
                    body["properties"][field] = {"description": schema.get("description", ""), **schema["contentSchema"]}
                    form.setdefault("encoding", {})[field] = {"contentType": "application/json"}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        key_for_public = app.state.registry.settings.require_key_for_public
        _forms_without_null(document)
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                if "security" in operation and _credential_optional(_rule_of(method.upper(), path), key_for_public):
                    operation["security"] = [*operation["security"], {}]  # {}: no credential at all
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
