"""Bounded request bodies, whatever the headers say: an ASGI wrapper that counts the body's bytes
as they arrive and answers 413 once they pass the limit for the request's kind (uploads: the
largest upload any kind allows, as for a raw asset posted to `RAW_UPLOAD_PATHS`; JSON and forms
without files: `max_json_bytes`), and 408 when a
body stalls for `body_read_timeout_seconds`. A declared Content-Length over the limit is refused
before anything is read; a chunked or lying body is cut where it passes the limit, so no upload
is spooled in full before it is refused."""

from __future__ import annotations

import asyncio
import json

from registry.settings import Settings

from .errors import error_body

_SLACK = 64 * 1024  # multipart boundaries and form fields around the file
RAW_UPLOAD_PATHS = frozenset({"/c2pa/v1/matches/byContent"})  # the body is the asset itself


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def limits_of(settings: Settings) -> tuple[int, int]:
    """(upload limit, JSON limit) in bytes."""
    upload = min(settings.max_upload_bytes,
                 max(settings.max_article_bytes, settings.max_video_bytes, settings.max_image_bytes)) + _SLACK
    return upload, settings.max_json_bytes


class BodyLimit:
    def __init__(self, app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.upload_limit, self.json_limit = limits_of(settings)
        self.timeout = settings.body_read_timeout_seconds

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        multipart = (headers.get(b"content-type", b"").startswith(b"multipart/form-data")
                     or scope.get("path") in RAW_UPLOAD_PATHS)
        limit = self.upload_limit if multipart else self.json_limit
        what = "an upload" if multipart else "a request body (JSON or form)"
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, scope, _Refused(413, "payload_too_large",
                                         f"{what} of {int(declared):,} bytes; the limit is {limit:,} bytes"))
            return
        state = {"received": 0, "refused": None, "started": False}

        async def counted_receive():  # type: ignore[no-untyped-def]
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except asyncio.TimeoutError:
                state["refused"] = _Refused(408, "request_timeout",
                                            f"the request body stalled for {self.timeout:g} s: send it whole")
                raise state["refused"] from None
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["refused"] = _Refused(413, "payload_too_large",
                                                f"{what} larger than the limit of {limit:,} bytes")
                    raise state["refused"]
            return message

        async def guarded_send(message):  # type: ignore[no-untyped-def]
            if state["refused"] is not None and not state["started"]:
                return  # the app's own answer to the cut body (a 400 or 500) is replaced by ours below
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _Refused:
            pass
        except Exception:
            if state["refused"] is None:
                raise
        if state["refused"] is not None and not state["started"]:
            await _answer(send, scope, state["refused"])


async def _answer(send, scope, refused: _Refused) -> None:  # type: ignore[no-untyped-def]
    """The refusal: JSON, or a page in the site's layout for a browser posting a page's form."""
    from starlette.requests import Request

    from .error_pages import error_page, wants_page

    accept = dict(scope.get("headers") or ()).get(b"accept", b"").decode("latin-1")
    if wants_page(scope.get("path", ""), accept):
        page = error_page(Request(scope), refused.status, refused.message)
        body, content_type = page.body, b"text/html; charset=utf-8"
    else:
        body, content_type = json.dumps(error_body(refused.code, refused.message)).encode(), b"application/json"
    await send({"type": "http.response.start", "status": refused.status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
