"""HTML and Markdown articles through the HTTP app: registered as their text, matched by it, with
passages placed in the markup sent; markup with no text is a 422 naming it."""

from __future__ import annotations

import html

from ..conftest import SAMPLES

WORK = SAMPLES / "articles" / "calder-valley-storm.txt"


def _paragraphs() -> list[str]:
    return [p for p in WORK.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def _as_html(paragraphs: list[str]) -> str:
    body = "".join(f'<p class="story">{html.escape(p)}</p>\n' for p in paragraphs)
    return (f"<!doctype html><html><head><title>Storm</title><style>.story{{margin:0}}</style>"
            f"<script>track('{'x' * 500}')</script></head><body><nav><a href='/'>Home</a></nav>"
            f"<article>{body}</article></body></html>")


def test_an_html_copy_is_found_and_its_passages_are_in_the_markup(client):
    work_id = client.post("/api/v1/works", files={"file": (WORK.name, WORK.read_bytes())},
                          data={"model": "m"}).json()["work_id"]
    page = _as_html(_paragraphs())
    (match,) = client.post("/api/v1/matches", files={"file": ("copy.html", page.encode())}).json()["matches"]
    assert (match["work_id"], match["verdict"]) == (work_id, "copy") and match["score"] >= 0.95
    for passage in match["passages"]:
        shown = page[passage["suspect_text_start"]:passage["suspect_text_end"]]
        assert "<script" not in shown and "track(" not in shown and len(shown) > 50


def test_markdown_is_registered_as_its_text(client):
    paragraphs = _paragraphs()
    markdown = "# Storm\n\n" + "\n\n".join(f"{p} [more](https://example.org/{n})" for n, p in enumerate(paragraphs))
    registered = client.post("/api/v1/works", files={"file": ("story.md", markdown.encode())},
                             data={"model": "m"}).json()
    content = client.get(f"/api/v1/works/{registered['work_id']}/content").text
    assert "https://example.org" not in content and content.startswith("# Storm\n\n")
    (match,) = client.post("/api/v1/matches", files={"file": ("plain.txt", WORK.read_bytes())}).json()["matches"]
    assert match["work_id"] == registered["work_id"] and match["verdict"] == "copy"


def test_markup_without_text_is_refused_by_name(client):
    only_script = b"<!doctype html><html><head><script>alert(1)</script></head><body><script>x()</script></body></html>"
    for route, data in (("/api/v1/matches", None), ("/api/v1/works", {"model": "m"})):
        answer = client.post(route, files={"file": ("page.html", only_script)}, data=data)
        assert answer.status_code == 422 and "holds no text" in answer.json()["error"]["message"], answer.text
    declared = client.post("/api/v1/matches", params={"format": "html"},
                           files={"file": ("page.txt", b"<p></p><style>p{}</style>")})
    assert declared.status_code == 422
