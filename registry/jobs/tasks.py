"""What a job does, by kind: the same use cases the synchronous routes call, given the input file,
the caller and the job's JSON parameters. A route calls `run_task` in its own thread when the client
waits, and a runner calls it when the client asked for a job (`registry.jobs.runner`)."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from pathlib import Path

from ..accounts.principal import Principal
from ..claims import file_claims
from ..errors import InvalidInputError, PayloadTooLargeError
from ..matching import match_article, with_verdict
from ..media import sniff_file
from ..registration.article import register_article
from ..registration.media import match_media, register_media
from ..requests import RegistrationRequest
from ..service import Registry
from ..verification import verify_file

Progress = Callable[[str, float], None]
KINDS = ("registration", "match", "verification", "claim")


def register_upload(registry: Registry, path: Path, request: RegistrationRequest, *, declared: str | None,
                    principal: Principal, progress: Progress | None = None, filename: str | None = None,
                    text_format: str | None = None) -> dict:
    """Register the file at `path`: an article (`declared`, or judged from the bytes) within
    `max_article_bytes`, else a video or an image."""
    media = sniff_file(path)
    if (declared or (media.kind if media else "article")) == "article":
        size = path.stat().st_size
        if size > registry.settings.max_article_bytes:
            raise PayloadTooLargeError(
                f"article is {size} bytes, the limit is {registry.settings.max_article_bytes} bytes")
        return register_article(registry, path.read_bytes(), request, principal=principal, filename=filename,
                                text_format=text_format).to_dict()
    return register_media(registry, path, request, progress=progress, principal=principal).to_dict()


def match_upload(registry: Registry, path: Path, principal: Principal, progress: Progress | None = None, *,
                 filename: str | None = None, text_format: str | None = None) -> list:
    media = sniff_file(path)
    if media is None or media.kind == "article":
        size, limit = path.stat().st_size, registry.settings.max_article_bytes
        if size > limit:
            raise PayloadTooLargeError(f"text is {size} bytes, the limit is {limit} bytes")
        return match_article(registry, path.read_bytes(), principal=principal, filename=filename,
                             text_format=text_format)
    return match_media(registry, path, progress=progress, principal=principal)


def request_to_params(request: RegistrationRequest) -> dict:
    return {field.name: list(value) if isinstance(value := getattr(request, field.name), tuple) else
            dict(value) if field.name in ("generation_parameters", "extra") else value
            for field in dataclasses.fields(request)}


def request_from_params(params: dict) -> RegistrationRequest:
    names = {field.name for field in dataclasses.fields(RegistrationRequest)}
    return RegistrationRequest(**{key: tuple(value) if isinstance(value, list) else value
                                  for key, value in params.items() if key in names})


def run_task(registry: Registry, kind: str, principal: Principal, path: Path, params: dict,
             progress: Progress | None = None) -> dict:
    """The job's result (JSON-able): what the synchronous route answers."""
    name = params.get("filename") or path.name
    if kind == "registration":
        return register_upload(registry, path, request_from_params(params["request"]), declared=params.get("declared"),
                               principal=principal, progress=progress, filename=params.get("filename"),
                               text_format=params.get("format"))
    if kind == "match":
        found = with_verdict(match_upload(registry, path, principal, progress, filename=params.get("filename"),
                                          text_format=params.get("format")), params.get("verdict"))
        return {"file": name, "matches": [m.to_dict() for m in found]}
    if kind == "verification":
        sidecar = base64.b64decode(params["sidecar"]) if params.get("sidecar") else None
        result = verify_file(registry, path, sidecar=sidecar, receipt_text=params.get("receipt"), progress=progress,
                             principal=principal)
        return {"file": name, **result.to_dict()}
    if kind == "claim":
        return file_claims(registry, principal, path, name)
    raise InvalidInputError(f"unknown job kind {kind!r}: one of {', '.join(KINDS)}")
