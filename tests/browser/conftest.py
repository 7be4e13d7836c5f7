"""Browser tests in real headless Chromium (Debian's `chromium`, driven by Playwright), against the
registry served by uvicorn on a free port. Every page a journey passes is saved as a screenshot under
`test-artifacts/browser/<test>/`, checked with axe-core (no serious or critical violation) and every
request it makes must go to the registry itself.

Chromium is found at AIGC_REGISTRY_CHROMIUM, else /usr/bin/chromium or on the PATH; without it these
tests skip, except in CI (CI=true), where they fail: `.ci/run` installs it."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest


ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artifacts" / "browser"
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_path() -> str | None:
    for candidate in (os.environ.get("AIGC_REGISTRY_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


# Per module, not per session: while it is open, Playwright's sync API keeps an asyncio loop running in
# this thread, and every later asyncio.run() (tests that drive the ASGI app directly) would fail.
@pytest.fixture(scope="module")
def chromium():  # type: ignore[no-untyped-def]
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:  # the test extras install it
        if os.environ.get("CI"):
            raise
        pytest.skip(f"playwright is not installed: {e}")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Chromium for the browser tests (apt-get install chromium; .ci/run does it)")
        pytest.skip("no Chromium here (set AIGC_REGISTRY_CHROMIUM or install Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@dataclass
class LiveServer:
    url: str
    app: object

    @property
    def registry(self):  # type: ignore[no-untyped-def]
        return self.app.state.registry  # type: ignore[attr-defined]


@pytest.fixture
def live_server(tmp_path: Path, serve) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    from registry.settings import Settings
    from web.app import create_app

    app = create_app(Settings(data_dir=tmp_path / "data", load_samples=False, rate_limit_writes="off",
                              rate_limit_matches="off"))
    with serve(app) as url:
        yield LiveServer(url, app)


@dataclass
class Journey:
    """A browser tab on the live server: `visit` and `step` screenshot and axe-check each page."""

    page: object
    server: LiveServer
    folder: Path
    count: int = 0
    foreign_requests: list[str] = field(default_factory=list)

    def watch(self, page) -> None:  # type: ignore[no-untyped-def]
        """Record every request `page` makes to another host than the registry."""
        host = urlsplit(self.server.url).netloc

        def seen(request) -> None:  # type: ignore[no-untyped-def]
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != host:
                self.foreign_requests.append(request.url)

        page.on("request", seen)

    def new_tab(self, browser_context) -> object:  # type: ignore[no-untyped-def]
        """Continue the journey in a tab of another browser context (another person), watched too."""
        self.page = browser_context.new_page()
        self.watch(self.page)
        return self.page

    def visit(self, path: str) -> object:
        self.page.goto(self.server.url + path)  # type: ignore[attr-defined]
        return self.check(path)

    def check(self, name: str) -> object:
        """Screenshot the page as it is now and fail on serious or critical accessibility problems."""
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "page"
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{slug}.png"), full_page=True)  # type: ignore[attr-defined]
        results = Axe().run(self.page)
        blocking = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                    for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, f"{name}: accessibility violations: {blocking}"
        return self.page


@pytest.fixture
def journey(chromium, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Journey]:
    folder = ARTEFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = chromium.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    trip = Journey(page, live_server, folder)
    trip.watch(page)
    yield trip
    context.close()
    assert not trip.foreign_requests, f"pages asked another host: {trip.foreign_requests}"
