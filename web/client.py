"""The registry over HTTP: what `aigc-registry --server URL` talks to instead of a data folder.

`RegistryClient` turns the registry's use cases into calls of its HTTP API and answers with the
dicts the local use cases answer, so the command line prints both alike. It sends the API key as
`Authorization: Bearer KEY`. Uploads stream from the file (a video is never read whole into
memory) and may wait a long time for the server's answer; a call given `progress` asks
`Prefer: respond-async` and polls the job, reporting its stage and share as local mode does.

Errors are the registry's: the server's JSON `{"error": {"code", "message", ...}}` becomes a
`RemoteError` whose message is the server's; a 401 is a `CredentialError` saying to set
AIGC_REGISTRY_API_KEY; a server that cannot be reached is an `UnreachableError` naming its URL.

>>> client = RegistryClient("http://127.0.0.1:8000", api_key=None)
>>> client.url
'http://127.0.0.1:8000'
>>> RegistryClient("127.0.0.1:8000")
Traceback (most recent call last):
...
registry.errors.InvalidInputError: --server wants the registry's base URL, e.g. http://127.0.0.1:8000, got '127.0.0.1:8000'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from registry.errors import InvalidInputError, RegistryError

SERVER_ENV = "AIGC_REGISTRY_SERVER"
API_KEY_ENV = "AIGC_REGISTRY_API_KEY"

#: Answers to plain calls come fast; an upload is fingerprinted, signed and logged before the answer.
TIMEOUT = httpx.Timeout(30.0)
UPLOAD_TIMEOUT = httpx.Timeout(30.0, read=3600.0, write=3600.0)
POLL_SECONDS = (0.05, 1.0)  # the first wait between polls of a job, doubling up to the longest

Progress = Callable[[str, float], None]


class RemoteError(RegistryError):
    """The server refused or failed a call; `status` is its HTTP status (None: no answer)."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "remote_error", **details: object):
        super().__init__(message, **details)
        self.status, self.code = status, code


class CredentialError(RemoteError):
    """401: no API key, or one the server does not accept (unknown, revoked, expired)."""


class UnreachableError(RemoteError):
    """No answer from the server: refused, unresolvable, timed out."""


def segment(value: object) -> str:
    """One path segment, escaped: `segment("a/b") == "a%2Fb"`."""
    return quote(str(value), safe="")


class RegistryClient:
    def __init__(self, url: str, api_key: str | None = None, *, transport: httpx.BaseTransport | None = None):
        if not url.startswith(("http://", "https://")):
            raise InvalidInputError(f"--server wants the registry's base URL, e.g. http://127.0.0.1:8000, got {url!r}")
        self.url = url.rstrip("/")
        self._sent_key = bool(api_key)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=TIMEOUT, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- works, matches, verifications --------------------------------------------------------
    def register(self, path: Path, form: Mapping[str, Any], *, progress: Progress | None = None) -> dict:
        """POST /api/v1/works: the registration result (work_id, kind, ..., receipt, prior_art)."""
        return self._upload("/api/v1/works", path, form, progress=progress)

    def match(self, path: Path, *, progress: Progress | None = None, verdict: str | None = None) -> list[dict]:
        """POST /api/v1/matches: the matches, best first (only text matches of `verdict`, if given)."""
        query = f"?verdict={verdict}" if verdict else ""
        return self._upload(f"/api/v1/matches{query}", path, {}, progress=progress)["matches"]

    def verify(self, path: Path, *, sidecar: bytes | None = None, receipt: str | None = None,
               progress: Progress | None = None) -> dict:
        """POST /api/v1/verifications: the report (verdict, manifest, registration, log, problems)."""
        extra: dict[str, tuple] = {}
        if sidecar is not None:
            extra["manifest"] = ("manifest.c2pa", sidecar, "application/c2pa")
        if receipt is not None:
            extra["receipt"] = ("receipt.txt", receipt.encode("utf-8"), "text/plain")
        report = self._upload("/api/v1/verifications", path, {}, extra_files=extra, progress=progress)
        report.pop("file", None)  # the server knows the upload's name only; the caller names the file
        return report

    def history(self, work_id: str) -> dict:
        return self.get(f"/api/v1/works/{segment(work_id)}/history")

    def segments(self, work_id: str) -> dict:
        """A video's segments with their inclusion proofs (`registry.works.work_segments`)."""
        return self.get(f"/api/v1/works/{segment(work_id)}/segments")

    def manifest(self, work_id: str) -> bytes:
        """The C2PA manifest store (an article's detached sidecar)."""
        return self._send("GET", f"/api/v1/works/{segment(work_id)}/manifest").content

    def save_signed_copy(self, work_id: str, destination: Path) -> None:
        """Stream a video or image's signed copy (its manifest embedded) to `destination`."""
        target = f"/api/v1/works/{segment(work_id)}/signed"
        try:
            with self._http.stream("GET", target, timeout=UPLOAD_TIMEOUT) as response:
                if response.is_error:
                    response.read()
                    raise self._refusal(response)
                with open(destination, "wb") as handle:
                    for chunk in response.iter_bytes(1 << 20):
                        handle.write(chunk)
        except httpx.TransportError as e:
            raise self._unreachable(e) from e

    # -- JSON calls ---------------------------------------------------------------------------
    def get(self, target: str, **params: object) -> Any:
        return self._send("GET", target, params={k: v for k, v in params.items() if v is not None}).json()

    def text(self, target: str, **params: object) -> str:
        return self._send("GET", target, params={k: v for k, v in params.items() if v is not None}).text

    def post(self, target: str, body: object = None) -> Any:
        return self._send("POST", target, json=body).json()

    def put(self, target: str, body: object) -> Any:
        return self._send("PUT", target, json=body).json()

    # -- plumbing -----------------------------------------------------------------------------
    def _upload(self, target: str, path: Path, form: Mapping[str, Any], *,
                extra_files: Mapping[str, tuple] | None = None, progress: Progress | None = None) -> dict:
        """A multipart upload of `path` as `file`, streamed; with `progress`, as a job to poll."""
        fields = {name: value for name, value in form.items() if value not in (None, "", [], ())}
        headers = {"Prefer": "respond-async"} if progress is not None else {}
        try:
            handle = open(path, "rb")
        except OSError as e:
            raise RegistryError(str(e.strerror)) from e
        with handle:
            files = {"file": (path.name, handle, "application/octet-stream"), **(extra_files or {})}
            response = self._send("POST", target, data=fields, files=files, headers=headers, timeout=UPLOAD_TIMEOUT)
        if response.status_code != 202:
            return response.json()
        return self._wait_for(response.headers.get("location") or response.json()["url"], progress)

    def _wait_for(self, job_url: str, progress: Progress | None) -> dict:
        """Poll GET /api/v1/jobs/{id} until the job is done (its result) or failed (its error)."""
        wait, longest = POLL_SECONDS
        while True:
            job = self.get(job_url)
            if progress is not None and job.get("stage"):
                progress(job["stage"], float(job.get("progress") or 0.0))
            if job["state"] == "done":
                return job["result"]
            if job["state"] == "failed":
                raise self._error(job.get("status"), {"error": job.get("error") or {}}, f"job {job_url}")
            time.sleep(wait)
            wait = min(wait * 2, longest)

    def _send(self, method: str, target: str, **options: Any) -> httpx.Response:
        try:
            response = self._http.request(method, target, **options)
        except httpx.TransportError as e:
            raise self._unreachable(e) from e
        if response.is_error:
            raise self._refusal(response)
        return response

    def _unreachable(self, error: httpx.TransportError) -> UnreachableError:
        if isinstance(error, httpx.TimeoutException):
            return UnreachableError(f"the registry at {self.url} did not answer in time ({type(error).__name__})")
        return UnreachableError(f"cannot reach the registry at {self.url}: {error or type(error).__name__}")

    def _refusal(self, response: httpx.Response) -> RemoteError:
        try:
            body = response.json()
        except ValueError:
            body = None
        what = f"{response.request.method} {response.request.url.path}"
        return self._error(response.status_code, body, what)

    def _error(self, status: int | None, body: object, what: str) -> RemoteError:
        """The server's `{"error": {"code", "message", ...}}` as a RemoteError (its message, its code)."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            return RemoteError(f"{what} at {self.url} answered HTTP {status} without a registry error", status=status)
        details = {k: v for k, v in error.items() if k not in ("code", "message")}
        if status == 401:
            hint = ("set AIGC_REGISTRY_API_KEY to a valid API key" if self._sent_key else
                    "set AIGC_REGISTRY_API_KEY to an API key (from `aigc-registry admin key issue`)")
            return CredentialError(f"{error['message']}; {hint}", status=status, code=str(error.get("code")), **details)
        return RemoteError(error["message"], status=status, code=str(error.get("code", "remote_error")), **details)
