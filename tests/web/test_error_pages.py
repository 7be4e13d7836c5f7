"""A browser asking a page gets errors as pages (the site's layout and language); the API, the
log's files and the assets keep the JSON error shape whatever the client accepts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from web.app import create_app

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def browser(settings):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings.model_copy(update={"max_json_bytes": 1024}))) as client:
        yield client


def test_an_unknown_work_page_is_a_404_page(browser):
    page = browser.get("/works/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "unknown work" in page.text and '<link rel="stylesheet" href="/assets/registry.css">' in page.text


def test_the_error_page_speaks_the_chosen_language(browser):
    page = browser.get("/works/01ARZ3NDEKTSV4RRFFQ69G5FAV?lang=zh", headers=HTML)
    assert page.status_code == 404 and "请求被拒绝" in page.text and "返回作品列表" in page.text


@pytest.mark.parametrize("path", ["/api/v1/works/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/log/tile/9/999", "/assets/none.css"])
def test_the_api_and_files_keep_json_errors(browser, path):
    response = browser.get(path, headers=HTML)
    assert response.status_code >= 400 and response.json()["error"]["code"]


def test_without_html_in_accept_a_page_error_stays_json(browser):
    response = browser.get("/works/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_work"


def test_a_form_post_over_the_limit_is_a_413_page(browser):
    page = browser.post("/login", content=b"email=" + b"x" * 5000, headers={
        **HTML, "Content-Type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "the limit is 1,024 bytes" in page.text and "<h1>" in page.text
