"""The registration page and the account page (issue 13): editors register through the form without
JavaScript (a redirect to the new work's page, or the form again with the reason and a 4xx), the
script that uploads with progress is served and referenced; owners see members and keys, issue a key
whose secret is shown once and works as a bearer, and revoke it; a session's posts need the CSRF
token; Chinese through the catalogue, nothing from another host. Through the real app on SQLite and
PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from registry.accounts import manage
from web.app import create_app

from ..conftest import SAMPLES
from .conftest import bearer, csrf_of, issue_key
from .test_pages import _links

ARTICLE = SAMPLES / "articles" / "calder-valley-storm.txt"
PASSWORD = "correct horse battery"


@pytest.fixture
def app(settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


def _signed_in(app, role: str, email: str | None = None) -> TestClient:  # type: ignore[no-untyped-def]
    """A browser signed in (session cookie) as a new member of the default organisation in `role`."""
    email = email or f"{role}@local.example"
    manage.add_member(app.state.registry, email, PASSWORD, org_name=app.state.registry.settings.default_registrant,
                      role=role)
    browser = TestClient(app, follow_redirects=False)
    signed_in = browser.post("/login", data={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 303, signed_in.text
    return browser


@pytest.fixture
def editor(app):  # type: ignore[no-untyped-def]
    with _signed_in(app, "editor") as browser:
        yield browser


@pytest.fixture
def owner(app):  # type: ignore[no-untyped-def]
    with _signed_in(app, "owner") as browser:
        yield browser


def _alert(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.DOTALL)
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("&#39;", "'") if found else ""


@pytest.mark.parametrize(("who", "status"), [
    ("editor", 200),  # the policy mirrors POST /api/v1/works: editors, owners, admins
    ("owner", 200),
    ("viewer", 403),  # signed in, but may not register
    ("anonymous", 401),
], ids=["editor", "owner", "viewer", "anonymous"])
def test_the_register_page_is_for_editors(app, who, status):
    with (TestClient(app) if who == "anonymous" else _signed_in(app, who)) as browser:
        page = browser.get("/register")
    assert page.status_code == status, page.text[:500]
    if status == 200:
        html = page.text
        assert '<script src="/assets/register.js" defer></script>' in html
        assert f'data-csrf="{csrf_of(html)}"' in html  # the script's token for X-CSRF-Token
        assert 'name="file"' in html and "multiple" in html and "<progress" in html
        assert 'href="/register"' in html and 'href="/account"' in html  # the nav, signed in


def test_the_script_is_served(editor):
    script = editor.get("/assets/register.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    # the API it posts to, the session's token, a video as a job, per-file upload progress, the job's poll
    for needed in ("/api/v1/works", "X-CSRF-Token", "respond-async", "xhr.upload.addEventListener", "poll(item, url)"):
        assert needed in script.text, needed


def test_the_form_without_javascript_registers_an_article(editor):
    token = csrf_of(editor.get("/register").text)
    posted = editor.post("/register", files={"file": ("storm.txt", ARTICLE.read_bytes(), "text/plain")}, data={
        "csrf_token": token, "model": "veo", "model_version": "3", "title": "Storm over Calder",
        "datasets": "https://example.org/set CC-BY-4.0\r\n\r\nhttps://example.org/other",
        "editors": "Ada Editor", "edit_actions": "c2pa.cropped", "training_mining": "allowed", "unpublished": "true"})
    assert posted.status_code == 303, posted.text[:2000]
    work_id = posted.headers["location"].rsplit("/", 1)[1]
    assert posted.headers["location"] == f"/works/{work_id}"
    details = editor.get(f"/api/v1/works/{work_id}").json()
    assert details["title"] == "Storm over Calder" and details["kind"] == "article"
    assert editor.get(posted.headers["location"]).status_code == 200
    with TestClient(editor.app) as anonymous:  # unpublished: its organisation's only
        assert anonymous.get(f"/works/{work_id}").status_code == 404


@pytest.mark.parametrize(("upload", "fields", "status", "words"), [
    # bytes that are no article, video or image
    (("paper.pdf", b"%PDF-1.7\n\x00\x01\x02 binary"), {"model": "veo"}, 422, "PDF document"),
    # a dataset line that is no URI
    (("storm.txt", ARTICLE.read_bytes()), {"model": "veo", "datasets": "not a uri"}, 422, "form.datasets.0"),
    # no file chosen
    (("", b""), {"model": "veo"}, 422, "choose a file to register"),
], ids=["wrong-type", "bad-dataset", "no-file"])
def test_a_refused_registration_is_the_form_with_its_reason(editor, upload, fields, status, words):
    token = csrf_of(editor.get("/register").text)
    page = editor.post("/register", files={"file": upload}, data={"csrf_token": token, **fields})
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert words in _alert(page.text), page.text[:2000]
    assert 'id="register-form"' in page.text and 'value="veo"' in page.text  # the form again, filled in


@pytest.mark.parametrize("url", ["/register", "/account/keys"], ids=["register", "issue-key"])
def test_a_session_post_without_the_csrf_token_is_refused(owner, url):
    refused = owner.post(url, files={"file": ("storm.txt", ARTICLE.read_bytes())}, data={"model": "veo",
                                                                                         "role": "viewer"})
    assert refused.status_code == 403 and "CSRF" in refused.text


def test_the_account_page_lists_members_and_keys_for_an_owner(app, owner):
    manage.add_member(app.state.registry, "ed@local.example", PASSWORD,
                      org_name=app.state.registry.settings.default_registrant, role="editor")
    existing = manage.issue_api_key(app.state.registry, org_name=app.state.registry.settings.default_registrant,
                                    role="editor", name="the cms")
    page = owner.get("/account")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert "owner@local.example" in html and "ed@local.example" in html
    assert existing["key_id"] in html and "the cms" in html and existing["key"] not in html
    assert f'action="/account/keys/{existing["key_id"]}/revocation"' in html


def test_a_viewer_sees_only_their_own_membership_and_no_keys(app, owner):
    with _signed_in(app, "viewer") as viewer:
        page = viewer.get("/account")
    assert page.status_code == 200 and "viewer@local.example" in page.text
    assert "owner@local.example" not in page.text and 'action="/account/keys"' not in page.text


def test_an_issued_key_is_shown_once_works_and_stops_when_revoked(owner):
    token = csrf_of(owner.get("/account").text)
    issued = owner.post("/account/keys", data={"csrf_token": token, "role": "editor", "name": "robot"})
    assert issued.status_code == 201, issued.text[:2000]
    key = re.search(r'<pre class="secret"><code>(aigc_[^<]+)</code></pre>', issued.text).group(1)  # type: ignore[union-attr]
    key_id = key.split("_")[1]
    afterwards = owner.get("/account").text
    assert key_id in afterwards and key not in afterwards  # listed, never shown again
    with TestClient(owner.app, headers=bearer(key)) as program:
        assert program.get("/api/v1/whoami").json()["role"] == "editor"
        unconfirmed = owner.post(f"/account/keys/{key_id}/revocation", data={"csrf_token": token})
        assert unconfirmed.status_code == 422 and "tick the box" in _alert(unconfirmed.text)
        revoked = owner.post(f"/account/keys/{key_id}/revocation", data={"csrf_token": token, "confirm": "yes"})
        assert revoked.status_code == 303 and revoked.headers["location"] == "/account"
        refused = program.get("/api/v1/whoami")
        assert refused.status_code == 401 and "revoked" in refused.text


def test_an_owner_cannot_issue_an_admin_key_from_the_page(owner):
    token = csrf_of(owner.get("/account").text)
    page = owner.post("/account/keys", data={"csrf_token": token, "role": "admin"})
    assert page.status_code == 403 and "only an admin" in _alert(page.text)


def test_another_organisations_key_cannot_be_revoked(app, owner):
    registry = app.state.registry
    manage.create_organisation(registry, "Elsewhere", "creator")
    foreign = manage.issue_api_key(registry, org_name="Elsewhere", role="viewer")
    token = csrf_of(owner.get("/account").text)
    refused = owner.post(f"/account/keys/{foreign['key_id']}/revocation", data={"csrf_token": token, "confirm": "yes"})
    assert refused.status_code == 404
    assert [k["state"] for k in manage.api_keys(registry, org_name="Elsewhere")] == ["active"]


@pytest.mark.parametrize(("url", "chinese"), [
    ("/register", "登记作品"),
    ("/account", "API 密钥"),
], ids=["register", "account"])
def test_each_page_in_chinese(owner, url, chinese):
    page = owner.get(url, params={"lang": "zh"})
    assert page.status_code == 200 and '<html lang="zh-Hans">' in page.text and chinese in page.text
    assert ">登记</a>" in page.text and ">账户</a>" in page.text  # the nav links


def test_the_nav_hides_register_and_account_from_anonymous_callers(app):
    with TestClient(app) as anonymous:
        html = anonymous.get("/works").text
    assert 'href="/register"' not in html and 'href="/account"' not in html


def test_the_pages_work_with_a_bearer_key(app):
    with TestClient(app, headers=bearer(issue_key(app)), follow_redirects=False) as program:
        assert program.get("/account").status_code == 200
        posted = program.post("/register", files={"file": ("storm.txt", ARTICLE.read_bytes())}, data={"model": "veo"})
    assert posted.status_code == 303 and posted.headers["location"].startswith("/works/")


def test_no_page_references_another_host(owner):
    token = csrf_of(owner.get("/account").text)
    issued = owner.post("/account/keys", data={"csrf_token": token, "role": "viewer"})
    refused = owner.post("/register", files={"file": ("a.pdf", b"%PDF-1.7\n\x00")}, data={"csrf_token": token})
    pages = [issued, refused] + [owner.get(url) for url in ("/register", "/account", "/register?lang=zh",
                                                             "/account?lang=zh")]
    for page in pages:
        assert page.status_code < 500, page.url
        for link in _links(page.text).urls:
            assert link.startswith(("/", "?", "#")) and not link.startswith("//"), (page.url, link)
