"""/docs and /redoc work on a machine without internet (issue 13): the pages reference only this
host, every asset they load is served by the registry (web/api_docs.py), anyone may read them, and
their Content-Security-Policy lets their one inline script run by its hash, not by 'unsafe-inline'."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from registry.settings import Settings
from web.api_docs import ASSETS, script_hashes
from web.app import create_app

PAGES = ("/docs", "/redoc")
#: what each asset must be: (its content type, its least size in bytes); the bundles are megabytes
ASSETS_EXPECTED = {
    f"{ASSETS}/swagger-ui-bundle.js": ("text/javascript", 500_000),
    f"{ASSETS}/swagger-ui.css": ("text/css", 50_000),
    f"{ASSETS}/redoc.standalone.js": ("text/javascript", 500_000),
    f"{ASSETS}/favicon.png": ("image/png", 1_000),
}


class _References(HTMLParser):
    """Every src and href of a page, and every spec-url (ReDoc's element)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module", params=[False, True], ids=["open-registry", "key-for-public-reads"])
def anonymous(request, tmp_path_factory) -> TestClient:  # type: ignore[no-untyped-def]
    """A caller without a credential, on a registry that does or does not require a key for public reads."""
    folder: Path = tmp_path_factory.mktemp("docs")
    app = create_app(Settings(data_dir=folder / "data", load_samples=False, require_key_for_public=request.param))
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("page", PAGES)
def test_page_is_html_that_references_only_this_host(anonymous, page):
    response = anonymous.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = references(response.text)
    assert urls, f"{page} references nothing: expected its script"
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{page} references another host: {url}"
        assert url.startswith("/"), f"expected a path on this host, got {url}"


@pytest.mark.parametrize("page", PAGES)
def test_every_asset_a_page_loads_is_served(anonymous, page):
    for url in references(anonymous.get(page).text):
        response = anonymous.get(url)
        assert response.status_code == 200, f"{page} loads {url}: expected 200, got {response.status_code}"
        if url in ASSETS_EXPECTED:
            content_type, least = ASSETS_EXPECTED[url]
            assert response.headers["content-type"].startswith(content_type), url
            assert len(response.content) >= least, f"{url}: expected at least {least} bytes, got {len(response.content)}"


@pytest.mark.parametrize(("page", "loads", "document"), [
    ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}, "url: '/openapi.json'"),  # in its script
    ("/redoc", {"redoc.standalone.js", "favicon.png"}, 'spec-url="/openapi.json"'),  # its element's attribute
])
def test_page_loads_its_ui_from_the_registry_and_reads_the_document(anonymous, page, loads, document):
    html = anonymous.get(page).text
    assert {f"{ASSETS}/{name}" for name in loads} <= set(references(html))
    assert document in html


@pytest.mark.parametrize("page", PAGES)
def test_inline_script_runs_by_its_hash_not_unsafe_inline(anonymous, page):
    response = anonymous.get(page)
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    for source in script_hashes(response.text):
        assert source in policy["script-src"].split()
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"


def test_swagger_ui_has_no_online_validator(anonymous):
    assert '"validatorUrl": null' in anonymous.get("/docs").text


def test_openapi_document_still_declares_the_bearer_scheme(anonymous):
    """The Authorize button of /docs sends `Authorization: Bearer KEY`: the document must declare it."""
    document = anonymous.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "/api/v1/works" in document["paths"]
    assert not {"/docs", "/redoc"} & set(document["paths"])  # the pages document the API, they are not in it


def test_unknown_asset_is_404(anonymous):
    assert anonymous.get(f"{ASSETS}/no-such-file.js").status_code == 404
