"""A work's page, its pictures and its C2PA report (issue 13), and the works search API, through the
real app on SQLite and PostgreSQL: a video shows a thumbnail and a strip of keyframes over its
length, each a JPEG of the width asked; an image a thumbnail; the registered manifest as any
verifier sees it, with its ingredient tree down to the parent; the log entry's leaf hash as the log
has it; the statements of the sheet's parties the caller may read, as CSV and JSON; an unpublished
work's pictures exist only for its organisation."""

from __future__ import annotations

import base64
import html
import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from web.app import create_app

from ..conftest import SAMPLES, steady_utc_today
from .conftest import bearer, issue_key, post_work

VIDEO = SAMPLES / "media" / "harbour-drone-pass.mp4"
STILL = SAMPLES / "media" / "market-street-still.jpg"
ARTICLES = sorted((SAMPLES / "articles").glob("*.txt"))
VIDEO_WIDTH = 320  # the sample's frames


@pytest.fixture
def app(settings):  # type: ignore[no-untyped-def]
    return create_app(settings.model_copy(update={"webhook_sender": False}))


@pytest.fixture
def owner(app):  # type: ignore[no-untyped-def]
    with TestClient(app, headers=bearer(issue_key(app))) as client:
        yield client


def _sources(page: str) -> list[str]:
    return [html.unescape(src) for src in re.findall(r'<img[^>]* src="([^"]+)"', page)]


def _jpeg_width(client: TestClient, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg", response.text[:300]
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "JPEG"
    return picture.width


def test_a_video_shows_a_thumbnail_and_keyframes_over_its_length(owner):
    work = post_work(owner, VIDEO).json()
    page = owner.get(f"/works/{work['work_id']}").text
    thumbnail, *strip = _sources(page)
    assert "width=640" in thumbnail and _jpeg_width(owner, thumbnail) == min(640, VIDEO_WIDTH)  # never scaled up
    moments = [float(re.search(r"at=([0-9.]+)", src).group(1)) for src in strip]
    assert len(strip) == 8 and moments == sorted(moments) and moments[0] > 0 and moments[-1] < 10.0
    assert {_jpeg_width(owner, src) for src in strip[:3]} == {160}
    first, last = owner.get(strip[0]).content, owner.get(strip[-1]).content
    assert first != last  # frames from different moments
    assert owner.get(f"/works/{work['work_id']}/frame.jpg?width=200").status_code == 422
    assert owner.get(f"/works/{work['work_id']}/frame.jpg?at=-1").status_code == 422
    assert owner.get(f"/works/{work['work_id']}/frame.jpg?at=9999").status_code == 200  # the last frame there is
    listing = owner.get(f"/api/v1/works/{work['work_id']}/segments").json()
    assert listing["segments"], "a registered video has segments"
    for segment in listing["segments"]:  # each segment's id, time range and digest on the page
        assert f'<tr id="segment-{segment["number"]}"><td><code>{segment["id"]}</code>' in page
        assert segment["fingerprint_sha256"] in page
    assert f"aigc-registry segments {work['work_id']} --segment 0" in page


def test_an_image_shows_a_thumbnail_and_an_article_has_no_pictures(owner):
    image = post_work(owner, STILL, kind="image").json()
    (thumbnail,) = _sources(owner.get(f"/works/{image['work_id']}").text)
    assert _jpeg_width(owner, thumbnail) == 640
    article = owner.post("/api/v1/works", files={"file": ("a.txt", ARTICLES[0].read_bytes())}, data={"model": "m"}).json()
    assert _sources(owner.get(f"/works/{article['work_id']}").text) == []
    assert owner.get(f"/works/{article['work_id']}/frame.jpg").status_code == 404


def test_an_unpublished_works_pictures_are_its_organisations_only(app, owner):
    work = post_work(owner, STILL, kind="image", unpublished="true").json()
    url = f"/works/{work['work_id']}/frame.jpg"
    mine = owner.get(url)
    assert mine.status_code == 200 and mine.headers["cache-control"].startswith("private")
    assert TestClient(app).get(url).status_code == 404  # anonymous (no lifespan of its own: the owner's runs)
    published = post_work(owner, VIDEO).json()
    assert owner.get(f"/works/{published['work_id']}/frame.jpg").headers["cache-control"].startswith("public")


def test_the_page_shows_the_c2pa_report_with_its_ingredient_tree_and_the_log_entry(owner):
    parent = owner.post("/api/v1/works", files={"file": ("p.txt", ARTICLES[0].read_bytes())},
                        data={"model": "m", "title": "The parent story"}).json()
    child = owner.post("/api/v1/works", files={"file": ("c.txt", ARTICLES[1].read_bytes())},
                       data={"model": "m", "title": "The follow-up", "parent": parent["work_id"]}).json()
    page = owner.get(f"/works/{child['work_id']}").text
    report = page[page.index('<section class="manifest">'):]
    report = report[:report.index("</section>")]
    assert "Trusted" in report and "aigc-registry C2PA Signer" in report and "from a timestamp authority" in report
    assert "The parent story" in report and "parentOf" in report and f"/works/{parent['work_id']}" in report
    assert "c2pa.actions.v2" in report and "cawg.training-mining" in report

    entry = owner.get(f"/api/v1/log/entries/{child['log_index']}")
    leaf_hash = base64.b64decode(entry.json()["leaf_hash"]).hex()
    assert f"<code>{leaf_hash}</code>" in page
    assert f'href="/api/v1/log/inclusion?index={child["log_index"]}"' in page
    proof = owner.get(f"/api/v1/log/inclusion?index={child['log_index']}")
    assert proof.status_code == 200


def test_statements_of_the_sheets_parties_download_as_csv_and_json(owner):
    work = owner.post("/api/v1/works", files={"file": ("a.txt", ARTICLES[2].read_bytes())}, data={"model": "m"}).json()
    proposed = owner.post(f"/api/v1/works/{work['work_id']}/sheet/amendments", json={
        "parties": [{"party": "local", "role": "creator", "share": "1/1"}], "effective_from": steady_utc_today().isoformat()})
    assert owner.post(f"/api/v1/amendments/{proposed.json()['amendment_id']}/signatures",
                      json={"party": "local"}).status_code in (200, 201)
    assert owner.post(f"/api/v1/works/{work['work_id']}/revenue", json={
        "amount": "12.34", "currency": "USD", "earned_on": steady_utc_today().isoformat()}).status_code in (200, 201)
    page = owner.get(f"/works/{work['work_id']}").text
    links = [html.unescape(u) for u in re.findall(r'href="(/api/v1/parties/[^"]+/statement[^"]+)"', page)]
    csv_url = next(u for u in links if u.endswith("format=csv"))
    json_url = next(u for u in links if u.endswith("format=json"))
    as_csv, as_json = owner.get(csv_url), owner.get(json_url)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv") and "12.34" in as_csv.text
    assert as_json.status_code == 200 and "12.34" in as_json.text


def test_the_works_search_api_filters_and_pages(owner):
    ids = [owner.post("/api/v1/works", files={"file": (f"{n}.txt", path.read_bytes())}, data={"model": "m"}).json()
           for n, path in enumerate(ARTICLES[:4])]
    post_work(owner, VIDEO)
    videos = owner.get("/api/v1/works/search", params={"kind": "video"}).json()
    assert [w["kind"] for w in videos["works"]] == ["video"] and videos["next_after"] is None
    first = owner.get("/api/v1/works/search", params={"kind": "article", "limit": 2}).json()
    second = owner.get("/api/v1/works/search", params={"kind": "article", "limit": 2,
                                                        "after": first["next_after"]}).json()
    assert [w["work_id"] for w in first["works"] + second["works"]] == [w["work_id"] for w in ids]
    word = ids[1]["title"].split()[-1]
    assert ids[1]["work_id"] in [w["work_id"] for w in owner.get("/api/v1/works/search", params={"q": word}).json()["works"]]
    by_sha = owner.get("/api/v1/works/search", params={"q": ids[2]["sha256"]}).json()["works"]
    assert [w["work_id"] for w in by_sha] == [ids[2]["work_id"]]
    iscc = owner.get(f"/api/v1/works/{ids[3]['work_id']}").json()["iscc"]
    for query in (iscc["code"], iscc["units"]["content"]):  # the ISCC-CODE, or its Text-Code alone
        by_iscc = owner.get("/api/v1/works/search", params={"q": query}).json()["works"]
        assert [(w["work_id"], w["iscc"]) for w in by_iscc] == [(ids[3]["work_id"], iscc["code"])], query
    page = owner.get(f"/works/{ids[3]['work_id']}").text
    assert f"<code>{iscc['code']}</code>" in page
    assert owner.get("/api/v1/works/search", params={"org": "nobody"}).json()["works"] == []
    assert owner.get("/api/v1/works/search", params={"from": "yesterday"}).status_code == 422
