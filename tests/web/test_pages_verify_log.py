"""The verification page, the log page and the sign-in page (issue 13): a registered article shows its
state and its exact match, a tampered copy shows tampered, a refused upload says why with a 4xx, the
log page finds entries by index, sha256 and work id and links to its proofs, a session's form post
needs its CSRF token, Chinese through the catalogue, nothing from another host. Through the real app
on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from registry.accounts import manage
from web.app import create_app
from web.i18n import translations
from web.pages_verify import VERDICTS

from ..conftest import SAMPLES
from .conftest import bearer, issue_key, post_work
from .test_pages import _links

ARTICLE = SAMPLES / "articles" / "calder-valley-storm.txt"
OTHER_ARTICLE = SAMPLES / "articles" / "bolan-lantern-festival.txt"
STILL = SAMPLES / "media" / "market-street-still.jpg"


@pytest.fixture
def app(settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture
def owner(app):  # type: ignore[no-untyped-def]
    with TestClient(app, headers=bearer(issue_key(app))) as client:
        yield client


def _registered(client: TestClient, path=ARTICLE, **fields: str) -> dict:  # type: ignore[no-untyped-def]
    response = post_work(client, path, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def _verdict(html: str) -> str:
    found = re.search(r'<p class="verdict (\w+)" role="status">([^<]*)</p>', html)
    assert found, html[:2000]
    return found.group(1)


def _alert(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def test_a_registered_article_shows_its_state_and_the_exact_match(owner):
    work = _registered(owner)
    page = owner.post("/verify", files={"file": ("storm.txt", ARTICLE.read_bytes())})
    assert page.status_code == 200, page.text
    html = page.text
    assert _verdict(html) == "good" and "Authentic" in html
    assert "Validation state: <strong>Trusted</strong>" in html
    assert "exact sha256 match" in html and work["sha256"] in html
    assert f'href="/works/{work["work_id"]}"' in html
    assert "aigc-registry C2PA Signer" in html and "c2pa.actions.v2" in html  # signer, assertions
    assert f'href="/api/v1/log/inclusion?index={work["log_index"]}"' in html


@pytest.mark.parametrize("copy", ["article-against-its-manifest", "signed-image-one-byte-changed"])
def test_a_tampered_copy_shows_tampered(owner, copy):
    if copy == "article-against-its-manifest":
        work = _registered(owner)
        content = owner.get(f"/api/v1/works/{work['work_id']}/content").content
        sidecar = owner.get(f"/api/v1/works/{work['work_id']}/manifest").content
        files = {"file": ("storm.txt", content.replace(b"the", b"thy", 1)), "manifest": ("storm.c2pa", sidecar)}
    else:
        work = _registered(owner, STILL, kind="image")
        signed = bytearray(owner.get(f"/api/v1/works/{work['work_id']}/signed").content)
        signed[-200] ^= 0x01  # in the picture data, far from the manifest at the start
        files = {"file": ("still.jpg", bytes(signed))}
    page = owner.post("/verify", files=files)
    assert page.status_code == 200, page.text
    assert _verdict(page.text) == "bad" and "Tampered" in page.text
    assert "the content or the manifest was altered" in page.text


@pytest.mark.parametrize(("upload", "status", "words"), [
    # an article past max_article_bytes (the app below allows 2,000 bytes of text)
    ({"file": ("long.txt", b"word " * 1000)}, 413, "the limit is 2,000 bytes"),
    # bytes that are no article, video or image
    ({"file": ("paper.pdf", b"%PDF-1.7\n\x00\x01\x02 binary")}, 422, "PDF document"),
    # the form sent without a file chosen
    ({"file": ("", b"")}, 422, "choose a file to verify"),
], ids=["too-large", "wrong-type", "no-file"])
def test_a_refused_upload_is_the_page_with_its_reason(settings, upload, status, words):
    app = create_app(settings.model_copy(update={"max_article_bytes": 2000}))
    with TestClient(app) as anonymous:
        page = anonymous.post("/verify", files=upload)
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert words in _alert(page.text), page.text[:2000]
    assert '<form class="verify"' in page.text  # the form again, to try another file


@pytest.mark.parametrize("by", ["index", "sha256", "work-id"])
def test_the_log_page_shows_the_size_and_finds_an_entry(owner, by):
    works = [_registered(owner, path) for path in (ARTICLE, OTHER_ARTICLE)]
    wanted = works[1]
    query = {"index": str(wanted["log_index"]), "sha256": wanted["sha256"], "work-id": wanted["work_id"].lower()}[by]
    page = owner.get("/log", params={"entry": query})
    assert page.status_code == 200, page.text
    assert '<dd class="log-size">2</dd>' in page.text
    assert f'href="/works/{wanted["work_id"]}"' in page.text and wanted["sha256"] in page.text
    link = f'/api/v1/log/inclusion?index={wanted["log_index"]}'
    assert f'href="{link}"' in page.text
    proof = owner.get(link).json()
    assert proof["index"] == wanted["log_index"] and proof["tree_size"] == 2


@pytest.mark.parametrize(("entry", "status", "words"), [
    ("7", 404, "log has no entry 7"),
    ("0" * 64, 404, "no registered work"),
    ("not an id!", 422, "look up an entry by its index"),
], ids=["index-beyond", "unknown-sha256", "malformed"])
def test_a_log_lookup_that_finds_nothing_says_so(owner, entry, status, words):
    _registered(owner)
    page = owner.get("/log", params={"entry": entry})
    assert page.status_code == status and words in _alert(page.text), page.text[:2000]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("1", "3", "/api/v1/log/consistency?old=1&new=3"),
    ("2", "", "/api/v1/log/consistency?old=2&new=3"),  # no new size: the newest
    ("0", "3", "/api/v1/log/consistency?old=0&new=3"),
], ids=["between-two", "to-the-newest", "from-empty"])
def test_the_consistency_form_links_to_the_proof(owner, old, new, expected):
    for index in range(3):
        _registered(owner, sorted((SAMPLES / "articles").glob("*.txt"))[index])
    page = owner.get("/log", params={"old": old, "new": new})
    assert page.status_code == 200, page.text
    assert f'href="{expected.replace("&", "&amp;")}"' in page.text
    proof = owner.get(expected)
    assert proof.status_code == 200 and proof.json()["new_size"] == 3


@pytest.mark.parametrize(("old", "new", "words"), [
    ("3", "1", "at most the new size"),
    ("1", "9", "at most the log's size 1"),
    ("x", "", "must be a whole number"),
], ids=["old-above-new", "beyond-the-log", "not-a-number"])
def test_a_bad_consistency_request_says_why(owner, old, new, words):
    _registered(owner)
    page = owner.get("/log", params={"old": old, "new": new})
    assert page.status_code == 422 and words in _alert(page.text).replace("&#39;", "'"), page.text[:2000]


def test_the_log_page_offers_the_verifier_key_and_the_trust_anchor(owner):
    _registered(owner)
    html = owner.get("/log").text
    assert 'href="/log/key"' in html and 'href="/c2pa/trust-anchors.pem"' in html
    assert owner.get("/log/key").text.strip() == owner.app.state.registry.log_vkey
    anchors = owner.get("/c2pa/trust-anchors.pem")
    assert anchors.status_code == 200 and anchors.content == owner.app.state.registry.keys.trust_anchors_pem
    assert anchors.content.startswith(b"-----BEGIN CERTIFICATE-----")
    assert "attachment" in anchors.headers["content-disposition"]
    note = owner.get("/log/checkpoint").text
    assert note.splitlines()[2] in html  # the root hash of the signed note


def test_a_session_post_to_verify_needs_the_csrf_token(app):
    manage.add_member(app.state.registry, "ed@local.example", "correct horse battery",
                      org_name=app.state.registry.settings.default_registrant, role="viewer")
    with TestClient(app) as browser:
        signed_in = browser.post("/login", data={"email": "ed@local.example", "password": "correct horse battery"},
                                 follow_redirects=False)
        assert signed_in.status_code == 303
        form = browser.get("/verify").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        upload = {"file": ("storm.txt", ARTICLE.read_bytes())}
        refused = browser.post("/verify", files=upload)
        assert refused.status_code == 403 and "CSRF" in refused.text
        accepted = browser.post("/verify", files=upload, data={"csrf_token": token})
        assert accepted.status_code == 200 and _verdict(accepted.text) == "neutral"  # not registered here


@pytest.mark.parametrize(("url", "chinese"), [
    ("/verify", "验证文件"),
    ("/log", "透明日志"),
    ("/login", "电子邮箱"),
], ids=["verify", "log", "login"])
def test_each_new_page_in_chinese(owner, url, chinese):
    page = owner.get(url, params={"lang": "zh"})
    assert page.status_code == 200 and '<html lang="zh-Hans">' in page.text and chinese in page.text
    assert 'href="/verify"' in page.text and 'href="/log"' in page.text  # the nav links


def test_a_report_in_chinese(owner):
    _registered(owner)
    page = owner.post("/verify?lang=zh", files={"file": ("storm.txt", ARTICLE.read_bytes())})
    assert "真实" in page.text and "sha256 完全匹配" in page.text and "可信" in page.text


def test_the_verdict_headlines_and_states_are_in_the_chinese_catalogue():
    catalogue = translations("zh")
    dynamic = [headline for _, headline in VERDICTS.values()] + ["Trusted", "Valid", "Invalid",
                                                                   "sidecar", "registry", "embedded"]
    assert [m for m in dynamic if catalogue.gettext(m) == m] == []


def test_no_new_page_references_another_host(owner):
    work = _registered(owner)
    report = owner.post("/verify", files={"file": ("storm.txt", ARTICLE.read_bytes())})
    pages = [report] + [owner.get(url) for url in ("/verify", "/log", f"/log?entry={work['work_id']}",
                                                   "/log?old=0&new=1", "/login", "/verify?lang=zh")]
    for page in pages:
        assert page.status_code == 200, page.url
        for link in _links(page.text).urls:
            assert link.startswith(("/", "?", "#")) and not link.startswith("//"), (page.url, link)
    script = owner.get("/assets/verify.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
