"""The pages people use (issue 13, first slice): the works list (search, filters, paging that reaches
every work), a work's page, English and Chinese through one catalogue, escaped titles, nothing from
another host. Through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import doctest
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import web.i18n
from registry.accounts import manage
from registry.webhooks import EVENTS
from web.app import create_app
from web.i18n import LOCALE_DIR, translations

from ..conftest import steady_utc_today
from .conftest import bearer, issue_key

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
DYNAMIC_MESSAGES = ("article", "video", "image", "viewer", "reviewer", "editor", "owner", "admin",
                    "pending", "delivered", "failed", *EVENTS.values())


def _article(title: str, seed: int) -> bytes:
    words = " ".join(f"w{(seed * 7919 + i * 104729) % 100_003}" for i in range(120))
    return f"{title}\n\n{words}.\n".encode()


def _register(client: TestClient, title: str, seed: int, **fields: str) -> dict:
    response = client.post("/api/v1/works", files={"file": (f"{seed}.txt", _article(title, seed))},
                           data={"model": "page-model", "model_version": "3",
                                 "dataset": "https://commoncrawl.org/ CC-BY-4.0", **fields})
    assert response.status_code == 201, response.text
    return response.json()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.rel_next: str | None = None
        self.work_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src", "action"):
            if found.get(name):
                self.urls.append(found[name] or "")
        if tag == "a" and found.get("rel") == "next":
            self.rel_next = found.get("href")
        if tag == "a" and re.fullmatch(r"/works/[0-9A-Z]{26}", found.get("href") or ""):
            self.work_links.append((found["href"] or "").rsplit("/", 1)[1])


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


@pytest.fixture
def app(settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture
def owner(app):  # type: ignore[no-untyped-def]
    with TestClient(app, headers=bearer(issue_key(app))) as client:
        yield client


def test_paging_reaches_every_work_in_log_order(owner):
    registered = [_register(owner, f"Harbour report {i}", seed=i)["work_id"] for i in range(7)]
    seen, url = [], "/works?per_page=3"
    for _ in range(10):
        page = owner.get(url)
        assert page.status_code == 200, page.text
        links = _links(page.text)
        seen += links.work_links
        if links.rel_next is None:
            break
        url = links.rel_next
    assert seen == registered


@pytest.mark.parametrize("search", ["title-word", "sha256", "work-id", "kind", "organisation", "no-match-date"])
def test_search_and_filters(owner, search):
    storm = _register(owner, "Storm over the Calder valley", seed=1)
    other = _register(owner, "Budget vote delayed", seed=2)
    query, expected = {
        "title-word": ("q=calder", [storm["work_id"]]),
        "sha256": (f"q={other['sha256']}", [other["work_id"]]),
        "work-id": (f"q={storm['work_id'].lower()}", [storm["work_id"]]),
        "kind": ("kind=video", []),
        "organisation": ("org=local", [storm["work_id"], other["work_id"]]),
        "no-match-date": ("from=2001-01-01&to=2001-12-31", []),
    }[search]
    page = owner.get(f"/works?{query}")
    assert page.status_code == 200, page.text
    assert _links(page.text).work_links == expected


def test_a_title_with_markup_is_shown_as_text(owner):
    work = _register(owner, "<script>alert('x')</script> & <b>bold</b>", seed=3)
    for url in ("/works", f"/works/{work['work_id']}"):
        html = owner.get(url).text
        assert "<script>alert" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(" in html


def test_the_work_page_shows_provenance_and_the_receipt(owner):
    parent = _register(owner, "Original harbour story", seed=4)
    child = _register(owner, "Harbour story, edited", seed=5, parent=parent["work_id"], editor="Ann Editor")
    html = owner.get(f"/works/{child['work_id']}").text
    assert "Harbour story, edited" in html and child["sha256"] in html
    assert "page-model 3" in html and "https://commoncrawl.org/ (CC-BY-4.0)" in html and "Ann Editor" in html
    assert f'href="/works/{parent["work_id"]}"' in html
    assert f'href="/api/v1/works/{child["work_id"]}/receipt"' in html
    assert f"aigc-registry log verify --key log.vkey {child['work_id']}.receipt" in html and 'href="/log/key"' in html
    assert owner.get(f"/api/v1/works/{child['work_id']}/receipt").status_code == 200
    assert f'href="/works/{child["work_id"]}"' in owner.get(f"/works/{parent['work_id']}").text  # its derivative


def test_another_organisations_unpublished_work_is_not_shown(app, owner):
    hidden = _register(owner, "Embargoed investigation", seed=6, unpublished="true")
    manage.create_organisation(app.state.registry, "Beta", "newsroom")
    with TestClient(app, headers=bearer(issue_key(app, org="Beta"))) as beta, TestClient(app) as anonymous:
        for client in (beta, anonymous):
            assert hidden["work_id"] not in _links(client.get("/works").text).work_links
            assert client.get(f"/works/{hidden['work_id']}").status_code == 404
    assert hidden["work_id"] in _links(owner.get("/works").text).work_links
    assert owner.get(f"/works/{hidden['work_id']}").status_code == 200


def test_chinese_by_accept_language_and_by_the_switch(owner):
    _register(owner, "清川至云岭高速铁路正式开通", seed=7)
    chinese = owner.get("/works", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in chinese.text and "已登记作品" in chinese.text and "清川至云岭" in chinese.text
    english = owner.get("/works?lang=en", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in english.text and "Registered works" in english.text
    assert english.cookies.get("lang") == "en"
    switched = owner.get("/works?lang=zh")
    assert "已登记作品" in switched.text
    assert "已登记作品" in owner.get("/works").text  # the cookie keeps the choice


def test_a_bad_query_is_a_422_page_naming_it(owner):
    for query, words in (("after=abc", "after must be a log index"), ("kind=poem", "kind must be one of"),
                         ("from=yesterday", "from must be a date")):
        page = owner.get(f"/works?{query}")
        assert page.status_code == 422 and words in page.text, (query, page.text[:500])


def test_no_page_references_another_host(owner):
    work = _register(owner, "Self-contained page", seed=8)
    for url in ("/", "/works", f"/works/{work['work_id']}", "/works?lang=zh"):
        page = owner.get(url)
        for link in _links(page.text).urls:
            assert link.startswith(("/", "?", "#")) and not link.startswith("//"), (url, link)
    css = owner.get("/assets/registry.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_every_page_message_is_in_the_chinese_catalogue():
    used = set(DYNAMIC_MESSAGES)
    for template in TEMPLATES.glob("*.html"):
        used |= {a or b for a, b in re.findall(r"""_\((?:"([^"]*)"|'([^']*)')\)""", template.read_text())}
    catalogue = translations("zh")
    untranslated = sorted(m for m in used if catalogue.gettext(m) == m)
    assert not untranslated, f"add to {LOCALE_DIR / 'zh' / 'LC_MESSAGES' / 'messages.po'}: {untranslated}"


def test_the_i18n_docstring_examples_run():
    assert doctest.testmod(web.i18n).failed == 0


def test_the_work_page_shows_the_sheet_and_signs_an_amendment_for_its_own_party(app, owner):

    work = _register(owner, "Sheet story", seed=9)
    proposed = owner.post(f"/api/v1/works/{work['work_id']}/sheet/amendments", json={
        "parties": [{"party": "local", "role": "creator", "share": "1/1"}], "effective_from": steady_utc_today().isoformat()})
    assert proposed.status_code in (200, 201), proposed.text
    amendment = proposed.json()["amendment_id"]
    html = owner.get(f"/works/{work['work_id']}").text
    assert f'action="/amendments/{amendment}/signatures"' in html and "Sign for local" in html
    signed = owner.post(f"/amendments/{amendment}/signatures", data={"party": "local"}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == f"/works/{work['work_id']}#sheet"
    html = owner.get(f"/works/{work['work_id']}").text
    assert "Version 1, in force from" in html and f'action="/amendments/{amendment}/signatures"' not in html
    assert 'id="ledger"' in html
    with TestClient(app) as anonymous:
        public = anonymous.get(f"/works/{work['work_id']}").text
    assert 'id="sheet"' not in public and 'id="ledger"' not in public
