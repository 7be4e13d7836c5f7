"""The API documentation pages, offline: Swagger UI at /docs and ReDoc at /redoc, with their scripts,
styles and icon served by the registry itself under /static/docs, from the files the `fastapi-offline`
package ships (a dependency: nothing is fetched at run time, nothing is copied into this repository).

FastAPI's own helpers write the pages. Each page sends its own Content-Security-Policy: the app's
strict one, with the page's inline script allowed by its SHA-256 (a CSP hash source, not
'unsafe-inline'), and for ReDoc what it needs to run (`REDOC_NEEDS`). Nothing is loaded from another
host: ReDoc's "powered by" logo, the one outside URL in its script, is refused by img-src.

>>> import pathlib, tempfile
>>> from fastapi.testclient import TestClient
>>> from registry.settings import Settings
>>> from web.app import create_app
>>> client = TestClient(create_app(Settings(data_dir=pathlib.Path(tempfile.mkdtemp()), load_samples=False)))
>>> f'src="{ASSETS}/swagger-ui-bundle.js"' in client.get("/docs").text
True
>>> client.get(f"{ASSETS}/redoc.standalone.js").headers["content-type"]
'text/javascript; charset=utf-8'
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

#: Where the assets are served; the files are the `static` folder of the fastapi_offline package.
ASSETS = "/static/docs"
ASSET_PACKAGE = ("fastapi_offline", "static")
#: Swagger UI would show a badge from an online validator: off, the page stays on this host.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}

#: ReDoc styles the page from its script (inline styles) and builds its search index in a blob: worker.
REDOC_NEEDS = "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; "

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def script_hashes(page: str) -> list[str]:
    """The CSP hash source of every inline script of `page` (CSP Level 3, section 8.4: base64 SHA-256)."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
            for script in _INLINE_SCRIPT.findall(page)]


def docs_policy(page: str, needs: str = "") -> str:
    """The Content-Security-Policy of a documentation page: web/security.py's, opened just enough."""
    scripts = " ".join(["'self'", *script_hashes(page)])
    return (f"default-src 'self'; script-src {scripts}; {needs}img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def _with_policy(response: HTMLResponse, needs: str = "") -> HTMLResponse:
    response.headers["Content-Security-Policy"] = docs_policy(bytes(response.body).decode(), needs)
    return response


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    root = _root(request)
    return _with_policy(get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS}/favicon.png", swagger_ui_parameters=SWAGGER_UI_PARAMETERS))


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = _root(request)
    return _with_policy(get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js", redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
        with_google_fonts=False), REDOC_NEEDS)


def install_api_docs(app: FastAPI) -> None:
    """/docs and /redoc (rules in web/policy.py) and the assets they load (a mount: no rule, like /openapi.json)."""
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(packages=[ASSET_PACKAGE]), name="api-docs-assets")
