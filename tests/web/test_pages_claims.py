"""The claims pages (issue 13): the queue lists what an organisation filed and what is filed against
its works; uploading a suspect files claims and lists the weaker matches; a claim side by side with
its passages marked and numbered on both sides; actions through the page, with a session's CSRF
token and with a key, each shown only to the side and in the state that allow it; refusals as
pages with their status; a dispute statement with markup shown as text; a restricted claim without
its work; Chinese; nothing from another host. Through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from fingerprint.text import normalise_for_matching
from provenance.article import canonicalise_article
from registry.accounts import manage
from registry.claims.states import ACTIONS, STATES
from registry.models import Claim, utc_now
from web.app import create_app
from web.i18n import translations
from web.pages_claims import Piece, marked_pieces, timeline

from ..conftest import SAMPLES
from .conftest import bearer, issue_key
from .test_pages import _links

ARTICLE = min((SAMPLES / "articles").glob("*.txt"))
PASSWORD = "correct horse battery"


@pytest.fixture
def sides(settings):  # type: ignore[no-untyped-def]
    """Rights (a reviewer, a viewer) files claims; News (an editor) registered the work; Other sees nothing."""
    app = create_app(settings.model_copy(update={"rate_limit_writes": "off", "rate_limit_matches": "off"}))
    registry = app.state.registry
    for name, kind in (("Rights", "rights"), ("News", "newsroom"), ("Other", "creator")):
        manage.create_organisation(registry, name, kind)
    clients = {name: TestClient(app, headers=bearer(issue_key(app, role, org)), follow_redirects=False)
               for name, role, org in (("reviewer", "reviewer", "Rights"), ("viewer", "viewer", "Rights"),
                                       ("newsroom", "editor", "News"), ("other", "owner", "Other"))}
    with TestClient(app):
        yield app, clients


def _register(client: TestClient, text: bytes = ARTICLE.read_bytes(), **fields: str) -> str:
    response = client.post("/api/v1/works", files={"file": ("a.txt", text)}, data={"model": "m", **fields})
    assert response.status_code == 201, response.text
    return response.json()["work_id"]


def _suspect(original: bytes = ARTICLE.read_bytes()) -> bytes:
    return b"Reposted without permission.\n\n" + original + b"\n\nShare this story."


def _filed_claim(c: dict, **fields: str) -> dict:
    """A work of News, copied; the suspect uploaded through the page by Rights' reviewer."""
    _register(c["newsroom"], **fields)
    page = c["reviewer"].post("/claims", files={"file": ("suspect.txt", _suspect())})
    assert page.status_code == 200, page.text
    claim_id = re.search(r'href="/claims/([0-9A-Z]{26})"', page.text).group(1)  # type: ignore[union-attr]
    return c["reviewer"].get(f"/api/v1/claims/{claim_id}").json()


def _alert(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.DOTALL)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def _buttons(html: str) -> list[str]:
    """The actions the page offers: its review buttons, and "dispute" for the dispute form."""
    return re.findall(r'<button type="submit" name="action" value="(\w+)">', html) + (
        ["dispute"] if 'name="action" value="dispute"' in html else [])


def _act(client: TestClient, claim_id: str, action: str, note: str = "", **data: str):  # type: ignore[no-untyped-def]
    return client.post(f"/claims/{claim_id}/action", data={"action": action, "note": note, **data})


@pytest.mark.parametrize(("text", "spans", "expected"), [
    ("one two three", [(4, 7)], [Piece("one "), Piece("two", 1), Piece(" three")]),  # one passage inside
    ("abcdef", [(3, 6), (0, 2)], [Piece("ab", 2), Piece("c"), Piece("def", 1)]),  # numbered as given, cut in order
    ("abcdef", [(0, 4), (2, 6)], [Piece("abcd", 1), Piece("ef", 2)]),  # an overlap keeps what is left
    ("abc", [(0, 3), (1, 2)], [Piece("abc", 1), Piece("", 2)]),  # inside another: an empty mark for its anchor
    ("abc", [(1, 99)], [Piece("a"), Piece("bc", 1)]),  # offsets past the end are clipped
], ids=["inside", "order", "overlap", "nested", "clipped"])
def test_marked_pieces(text, spans, expected):
    assert marked_pieces(text, spans) == expected
    assert "".join(p.text for p in expected) == text


def test_timeline_puts_both_sides_on_one_scale():
    bars, scale = timeline([{"query_start": 0.0, "query_end": 5.0, "work_start": 10.0, "work_end": 20.0}])
    assert scale == 20.0
    assert (bars[0].left("query"), bars[0].width("query"), bars[0].left("work"), bars[0].width("work")) == \
        (0.0, 25.0, 50.0, 50.0)


def test_the_queue_lists_filed_and_received_claims(sides):
    _, c = sides
    claim = _filed_claim(c)
    link = f'href="/claims/{claim["claim_id"]}"'
    filed, received = c["reviewer"].get("/claims"), c["newsroom"].get("/claims")
    assert link in filed.text and "filed by us" in filed.text
    assert link in received.text and "against our work" in received.text
    assert link not in c["other"].get("/claims").text
    assert link in c["reviewer"].get("/claims?status=potential").text
    assert link not in c["reviewer"].get("/claims?status=confirmed").text
    refused = c["reviewer"].get("/claims?status=won")
    assert refused.status_code == 422 and "status must be one of" in _alert(refused.text)


def test_claims_is_in_the_nav_only_when_signed_in(sides):
    app, c = sides
    assert 'href="/claims"' in c["viewer"].get("/works").text
    with TestClient(app) as anonymous:
        assert 'href="/claims"' not in anonymous.get("/works").text
        assert anonymous.get("/claims").status_code == 401


def test_uploading_a_suspect_files_claims_and_lists_the_weaker_matches(sides):
    _, c = sides
    work_id = _register(c["newsroom"])
    strong = c["reviewer"].post("/claims", files={"file": ("suspect.txt", _suspect())})
    assert strong.status_code == 200 and "Filed from suspect.txt" in strong.text
    (claim,) = c["reviewer"].get("/api/v1/claims").json()
    assert claim["work_id"] == work_id and f'href="/claims/{claim["claim_id"]}"' in strong.text

    paragraph = max(ARTICLE.read_bytes().split(b"\n\n"), key=len)
    padding = b" ".join(b"filler%d" % i for i in range(3000))
    weak = c["reviewer"].post("/claims", files={"file": ("weak.txt", padding + b"\n\n" + paragraph + b"\n\n" + padding)})
    assert weak.status_code == 200 and "No match is strong enough to be claimed." in weak.text
    assert "Weaker matches, not claimed" in weak.text and f'href="/works/{work_id}"' in weak.text
    assert len(c["reviewer"].get("/api/v1/claims").json()) == 1

    empty = c["reviewer"].post("/claims", files={"file": ("empty.txt", b"")})
    assert empty.status_code == 422 and "empty.txt" in _alert(empty.text)
    assert c["viewer"].post("/claims", files={"file": ("suspect.txt", _suspect())}).status_code == 403


def test_the_side_by_side_page_marks_each_passage_on_both_sides(sides):
    _, c = sides
    claim = _filed_claim(c)
    passages = claim["passages"]
    html = c["newsroom"].get(f"/claims/{claim['claim_id']}").text
    assert html.count("<mark") == 2 * len(passages) and passages
    assert "shown as sent and as registered" in html  # passages placed in the texts themselves, to a word
    suspect = canonicalise_article(_suspect())
    original = canonicalise_article(ARTICLE.read_bytes())
    for n, passage in enumerate(passages, start=1):
        for side, other, text, start, end in (
                ("suspect", "work", suspect, "suspect_text_start", "suspect_text_end"),
                ("work", "suspect", original, "work_text_start", "work_text_end")):
            marked = re.search(rf'<mark id="{side}-{n}"><a class="passage-number" href="#{other}-{n}"[^>]*>{n}</a>'
                               r"([^<]*)</mark>", html)
            assert marked, (side, n)
            assert html_module.unescape(marked.group(1)) == text[passage[start]:passage[end]]
    assert "Reposted without permission." in html  # the suspect's own words, as sent, outside the passages


def test_actions_through_the_page_with_a_session_and_its_csrf_token(sides):
    app, c = sides
    claim = _filed_claim(c)
    manage.add_member(app.state.registry, "rev@rights.example", PASSWORD, org_name="Rights", role="reviewer")
    with TestClient(app, follow_redirects=False) as browser:
        assert browser.post("/login", data={"email": "rev@rights.example", "password": PASSWORD}).status_code == 303
        page = browser.get(f"/claims/{claim['claim_id']}")
        assert _buttons(page.text) == ["confirm", "dismiss", "escalate"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        refused = _act(browser, claim["claim_id"], "confirm")
        assert refused.status_code == 403 and "CSRF" in refused.text
        done = _act(browser, claim["claim_id"], "confirm", "a verbatim copy", csrf_token=token)
        assert done.status_code == 303 and done.headers["location"] == f"/claims/{claim['claim_id']}"
        shown = browser.get(done.headers["location"]).text
    assert 'status-confirmed">confirmed' in shown and "a verbatim copy" in shown and "rev@rights.example" in shown


def test_each_side_sees_and_takes_only_its_own_actions(sides):
    _, c = sides
    claim = _filed_claim(c)
    url = f"/claims/{claim['claim_id']}"
    assert _buttons(c["newsroom"].get(url).text) == [] and _buttons(c["viewer"].get(url).text) == []
    viewer = _act(c["viewer"], claim["claim_id"], "confirm")
    assert viewer.status_code == 403 and "needs a reviewer" in _alert(viewer.text) and "<html" in viewer.text
    not_its_side = _act(c["newsroom"], claim["claim_id"], "confirm")
    assert not_its_side.status_code == 403 and "only the organisation that filed the claim" in _alert(not_its_side.text)
    assert _act(c["reviewer"], claim["claim_id"], "confirm").status_code == 303

    respondent = c["newsroom"].get(url).text
    assert _buttons(respondent) == ["dispute"] and "You may dispute this claim until" in respondent
    assert _buttons(c["reviewer"].get(url).text) == []
    wrong_state = _act(c["reviewer"], claim["claim_id"], "escalate")
    assert wrong_state.status_code == 409 and "a confirmed claim cannot escalate" in _alert(wrong_state.text)
    no_statement = _act(c["newsroom"], claim["claim_id"], "dispute", "  ")
    assert no_statement.status_code == 409 and "needs a statement" in _alert(no_statement.text)
    assert c["other"].get(url).status_code == 404 and _act(c["other"], claim["claim_id"], "confirm").status_code == 404


def test_a_dispute_statement_with_markup_is_shown_as_text(sides):
    _, c = sides
    claim = _filed_claim(c)
    _act(c["reviewer"], claim["claim_id"], "confirm")
    statement = 'We licensed it. <script>alert("x")</script><b>bold</b>'
    assert _act(c["newsroom"], claim["claim_id"], "dispute", statement).status_code == 303
    html = c["reviewer"].get(f"/claims/{claim['claim_id']}").text
    assert "<script>alert" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert _buttons(html) == ["reinstate", "release"]


def test_a_dispute_after_its_deadline_is_a_409_page(sides):
    app, c = sides
    claim = _filed_claim(c)
    _act(c["reviewer"], claim["claim_id"], "confirm")
    with app.state.registry.db.writing() as session:
        row = session.get(Claim, claim["claim_id"])
        row.dispute_deadline = utc_now() - timedelta(minutes=1)
        session.add(row)
    late = _act(c["newsroom"], claim["claim_id"], "dispute", "too late?")
    assert late.status_code == 409 and "ended" in _alert(late.text) and "too late?" in late.text  # kept in the form


def test_a_restricted_claim_shows_only_that_a_work_matches(sides):
    _, c = sides
    claim = _filed_claim(c, unpublished="true", title="Secret <i>draft</i>")
    assert claim["restricted"] is True
    for html in (c["reviewer"].get(f"/claims/{claim['claim_id']}").text, c["reviewer"].get("/claims").text):
        assert "A registered work matches." in html and "Secret" not in html and "<mark" not in html
    assert f"{claim['score']:.2f}" in c["reviewer"].get(f"/claims/{claim['claim_id']}").text
    owner_view = c["newsroom"].get(f"/claims/{claim['claim_id']}").text  # its title, escaped, and both texts;
    assert "Secret &lt;i&gt;draft&lt;/i&gt;" in owner_view and "reposted without permission" in owner_view
    assert "No copied passages were recorded" in owner_view  # matching gave the claimant none to record


def test_the_claims_pages_in_chinese(sides):
    _, c = sides
    claim = _filed_claim(c)
    catalogue = translations("zh")
    for url in ("/claims", f"/claims/{claim['claim_id']}"):
        html = c["reviewer"].get(url, params={"lang": "zh"}).text
        assert '<html lang="zh-Hans">' in html and catalogue.gettext("Claims") in html
        assert catalogue.gettext("potential") in html
    assert catalogue.gettext("Side by side") in c["reviewer"].get(f"/claims/{claim['claim_id']}?lang=zh").text


def test_the_states_and_actions_shown_are_in_the_chinese_catalogue():
    catalogue = translations("zh")
    assert [m for m in (*STATES, *ACTIONS, "file") if catalogue.gettext(m) == m] == []


def test_no_claims_page_references_another_host(sides):
    _, c = sides
    claim = _filed_claim(c)
    pages = [c["reviewer"].get(url) for url in ("/claims", f"/claims/{claim['claim_id']}", "/claims?lang=zh")]
    pages.append(c["reviewer"].post("/claims", files={"file": ("suspect.txt", _suspect())}))
    for page in pages:
        assert page.status_code == 200, page.url
        for link in _links(page.text).urls:
            assert link.startswith(("/", "#")) and not link.startswith("//"), link


def test_a_video_claim_shows_its_segments_on_a_timeline_with_both_sides_frames(sides):
    _, c = sides
    video = SAMPLES / "media" / "harbour-drone-pass.mp4"
    _register(c["newsroom"], video.read_bytes(), kind="video")
    filed = c["reviewer"].post("/claims", files={"file": (video.name, video.read_bytes())})
    claim_id = re.search(r'href="/claims/([0-9A-Z]{26})"', filed.text).group(1)  # type: ignore[union-attr]
    claim = c["reviewer"].get(f"/api/v1/claims/{claim_id}").json()
    html = c["reviewer"].get(f"/claims/{claim_id}").text
    assert "<mark" not in html and html.count('<svg class="bar query"') == len(claim["segments"]) >= 1
    first = claim["segments"][0]
    assert f'{first["query_start"]} s – {first["query_end"]} s' in html
    assert f'{first["work_start"]} s – {first["work_end"]} s' in html

    # side by side: the suspect's frame (kept when the claim was filed) and the work's, per segment
    frames = claim["suspect_frames"]
    assert len(frames) == min(len(claim["segments"]), 6) and all(f["sha256"] for f in frames)
    assert f'src="/claims/{claim_id}/suspect-frames/1.jpg"' in html
    assert f'src="/works/{claim["work_id"]}/frame.jpg?at={frames[0]["work_at"]}&amp;width=320"' in html
    suspect = c["reviewer"].get(f"/claims/{claim_id}/suspect-frames/1.jpg")
    original = c["newsroom"].get(f"/works/{claim['work_id']}/frame.jpg", params={"at": frames[0]["work_at"]})
    assert suspect.status_code == original.status_code == 200
    assert suspect.content[:3] == original.content[:3] == b"\xff\xd8\xff"  # JPEG
    assert c["newsroom"].get(f"/claims/{claim_id}/suspect-frames/1.jpg").status_code == 200  # the other side
    assert c["other"].get(f"/claims/{claim_id}/suspect-frames/1.jpg").status_code == 404
    assert c["reviewer"].get(f"/claims/{claim_id}/suspect-frames/{len(frames) + 1}.jpg").status_code == 404
