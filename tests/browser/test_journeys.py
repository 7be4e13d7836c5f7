"""The journeys of issue 13 in real headless Chromium: a newsroom editor signs in, finds a work and
checks its receipt offline with the CLI; anyone verifies a tampered file and sees it flagged; a
rights team files a claim, reviews it side by side and confirms it, the newsroom disputes it, the
rights team releases it; the interface switched to Chinese. Each page is screenshotted and
axe-checked (conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from registry.accounts import manage

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = sorted((ROOT / "samples" / "articles").glob("*.txt"))[0]
STILL = next(p for p in sorted((ROOT / "samples" / "media").iterdir()) if p.suffix == ".jpg")
EMAIL, PASSWORD = "editor@harbour.example", "correct horse battery staple"


def _newsroom(server) -> str:  # type: ignore[no-untyped-def]
    """An organisation with a signed-in-able editor; its API key."""
    manage.create_organisation(server.registry, "Harbour News", "newsroom")
    manage.add_member(server.registry, EMAIL, PASSWORD, org_name="Harbour News", role="editor")
    return manage.issue_api_key(server.registry, org_name="Harbour News", role="editor")["key"]


def _register(server, key: str, path: Path, **fields: str) -> dict:  # type: ignore[no-untyped-def]
    response = httpx.post(f"{server.url}/api/v1/works", headers={"Authorization": f"Bearer {key}"},
                          files={"file": (path.name, path.read_bytes())},
                          data={"model": "newsroom-llm", "model_version": "2", **fields}, timeout=120)
    assert response.status_code == 201, response.text
    return response.json()


def test_sign_in_find_a_work_and_check_its_receipt_offline(journey, tmp_path):
    work = _register(journey.server, _newsroom(journey.server), ARTICLE)
    page = journey.visit("/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    journey.check("signed in")
    assert "Harbour News" in page.inner_text("header")

    page = journey.visit("/works")
    page.fill("input[name=q]", work["title"].split()[1])
    page.click("form.search button[type=submit]")
    journey.check("works found")
    page.click(f"a[href='/works/{work['work_id']}']")
    journey.check("work page")
    assert page.inner_text("h1") == work["title"]

    with page.expect_download() as receipt_download:
        page.click(f"a[href='/api/v1/works/{work['work_id']}/receipt']")
    with page.expect_download() as key_download:
        page.click("a[href='/log/key']")
    receipt, key = tmp_path / "work.receipt", tmp_path / "log.vkey"
    receipt_download.value.save_as(receipt)
    key_download.value.save_as(key)
    content = tmp_path / "content.txt"
    content.write_bytes(httpx.get(f"{journey.server.url}/api/v1/works/{work['work_id']}/content").content)
    checked = subprocess.run([sys.executable, "-m", "web.cli", "log", "verify", "--key", str(key), "--file",
                              str(content), str(receipt)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert checked.returncode == 0, checked.stderr + checked.stdout


def test_the_verify_page_flags_a_tampered_file(journey, tmp_path):
    work = _register(journey.server, _newsroom(journey.server), STILL, kind="image")
    signed = bytearray(httpx.get(f"{journey.server.url}/api/v1/works/{work['work_id']}/signed").content)
    signed[-200] ^= 0x01  # in the picture data, far from the manifest at the start
    tampered = tmp_path / "tampered.jpg"
    tampered.write_bytes(bytes(signed))

    page = journey.visit("/verify")
    page.set_input_files("input[name=file]", str(tampered))
    page.click("form.verify button[type=submit]")
    journey.check("verify tampered")
    assert "Tampered" in page.inner_text("p.verdict")


def test_the_interface_in_chinese(journey):
    _register(journey.server, _newsroom(journey.server), ARTICLE)
    page = journey.visit("/works")
    page.click("nav.languages a[lang=zh-Hans]")
    journey.check("works in chinese")
    assert page.inner_text("h1") == "已登记作品"
    for path in ("/verify", "/log"):
        page = journey.visit(path)  # the switch is remembered
        assert page.locator("html").get_attribute("lang") == "zh-Hans", path


REVIEWER = "reviewer@rights.example"


def _rights_desk(server) -> None:  # type: ignore[no-untyped-def]
    """A rights team with a reviewer who signs in as REVIEWER."""
    manage.create_organisation(server.registry, "Rights Desk", "rights")
    manage.add_member(server.registry, REVIEWER, PASSWORD, org_name="Rights Desk", role="reviewer")


def _sign_in(journey, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page = journey.visit("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    journey.check(f"signed in as {email.split('@')[0]}")


def test_a_claim_reviewed_side_by_side_disputed_and_released(journey, chromium, tmp_path):
    server = journey.server
    work = _register(server, _newsroom(server), ARTICLE)
    _rights_desk(server)
    suspect = tmp_path / "reposted.txt"
    suspect.write_bytes(b"Seen on a content farm today.\n\n" + ARTICLE.read_bytes() + b"\n\nLike and share!")

    _sign_in(journey, REVIEWER, PASSWORD)  # the rights team files and confirms
    page = journey.visit("/claims")
    page.set_input_files("form.claim-upload input[name=file]", str(suspect))
    page.click("form.claim-upload button[type=submit]")
    journey.check("claims filed")
    page.click("table.filed-claims a[href^='/claims/']")
    journey.check("claim side by side")
    assert page.locator("mark").count() >= 2 and work["title"] in page.inner_text("main")
    claim_url = page.url
    page.click("form.claim-action button[value=confirm]")
    journey.check("claim confirmed")
    assert "confirmed" in page.inner_text("span.tag")

    newsroom = chromium.new_context(locale="en-GB")  # the newsroom disputes, in its own browser
    journey.new_tab(newsroom)
    _sign_in(journey, EMAIL, PASSWORD)
    page = journey.visit(claim_url.removeprefix(server.url))
    page.fill("form.dispute textarea[name=note]", "We licensed this story to the site <b>in writing</b>.")
    page.click("form.dispute button[type=submit]")
    journey.check("claim disputed")
    assert "<b>in writing</b>" in page.inner_text("blockquote.statement")  # shown as text
    newsroom.close()

    reviewer = chromium.new_context(locale="en-GB")
    journey.new_tab(reviewer)
    _sign_in(journey, REVIEWER, PASSWORD)
    page = journey.visit(claim_url.removeprefix(server.url))
    page.click("form.claim-action button[value=release]")
    journey.check("claim released")
    assert "released" in page.inner_text("span.tag")
    reviewer.close()


VIDEO = ROOT / "samples" / "media" / "harbour-drone-pass.mp4"


def test_register_an_article_and_a_video_watching_their_progress(journey, tmp_path):
    server = journey.server
    key = _newsroom(server)
    parent = _register(server, key, ARTICLE)  # the article's parent, found on the page by search
    derived = tmp_path / "follow-up.txt"
    derived.write_text("Follow-up: the morning after\n\nCrews worked through the night. " * 3 +
                       ARTICLE.read_text(encoding="utf-8")[:1500], encoding="utf-8")

    _sign_in(journey, EMAIL, PASSWORD)
    page = journey.visit("/register")
    page.fill("input[name=model]", "newsroom-llm")
    page.fill("input[name=model_version]", "2")
    page.fill("#parent-query", parent["title"].split()[0])
    page.click("#parent-find")
    page.wait_for_selector("#parent-results button")
    journey.check("parent found")
    page.click("#parent-results button")
    assert page.input_value("#register-parents") == parent["work_id"]
    page.fill("#register-parents", "")  # the video has no parent: register the two separately

    page.set_input_files("#register-files", [str(VIDEO)])
    page.click("#register-form button[type=submit]")
    page.wait_for_selector("#register-list li.upload .upload-job:not([hidden])", timeout=60_000)
    journey.check("video processing")  # its upload bar full, the job's stage and progress shown
    assert page.locator("#register-list .upload-progress").first.get_attribute("value") == "1"
    page.wait_for_selector("#register-list li.upload.good", timeout=180_000)
    journey.check("video registered")
    video_link = page.locator("#register-list li.good a").first.get_attribute("href")

    page = journey.visit("/register")
    page.fill("input[name=model]", "newsroom-llm")
    page.fill("#parent-query", parent["work_id"])
    page.press("#parent-query", "Enter")
    page.wait_for_selector("#parent-results button")
    page.click("#parent-results button")
    page.set_input_files("#register-files", [str(derived)])
    page.click("#register-form button[type=submit]")
    page.wait_for_selector("#register-list li.upload.good", timeout=60_000)
    journey.check("article registered")
    page.click("#register-list li.good a")
    journey.check("article's work page")
    assert f"/works/{parent['work_id']}" in page.content()  # its parent, linked

    page = journey.visit(video_link)
    assert page.inner_text("h1") and "video" in page.inner_text("main")


def test_the_account_page_issues_a_key_adds_a_webhook_and_switches_organisation(journey):
    server = journey.server
    _newsroom(server)
    manage.add_member(server.registry, "owner@harbour.example", PASSWORD, org_name="Harbour News", role="owner")
    manage.create_organisation(server.registry, "Harbour Studio", "creator")
    manage.add_member(server.registry, "owner@harbour.example", PASSWORD, org_name="Harbour Studio", role="editor")
    _sign_in(journey, "owner@harbour.example", PASSWORD)
    page = journey.visit("/account")
    page.fill("section.keys input[name=name]", "cms")
    page.click("section.keys form.search button[type=submit]")
    journey.check("key issued")
    key = page.inner_text("section.issued pre.secret").strip()
    assert key.startswith("aigc_")
    whoami = httpx.get(f"{server.url}/api/v1/whoami", headers={"Authorization": f"Bearer {key}"}).json()
    assert whoami["org"] == "Harbour News"

    page.fill("section.webhooks input[name=url]", "https://hooks.harbour.example/registry")
    page.check("section.webhooks input[value='work.registered']")
    page.click("section.webhooks form.search button[type=submit]")
    journey.check("webhook added")
    assert page.inner_text("section.issued pre.secret").strip().startswith("whsec_")
    editor_key = manage.issue_api_key(server.registry, org_name="Harbour News", role="editor")["key"]
    _register(server, editor_key, ARTICLE)  # announced to the webhook: a line in the delivery log
    page = journey.visit("/account#deliveries")
    assert "work.registered" in page.inner_text("section.deliveries")

    page.select_option("form.switcher select[name=org]", "Harbour Studio")
    page.click("form.switcher button[type=submit]")
    journey.check("switched organisation")
    assert "Harbour Studio" in page.inner_text("header")


def test_a_video_claim_shows_both_sides_frames(journey):
    server = journey.server
    work = _register(server, _newsroom(server), VIDEO, kind="video")
    _rights_desk(server)
    _sign_in(journey, REVIEWER, PASSWORD)
    page = journey.visit("/claims")
    page.set_input_files("form.claim-upload input[name=file]", str(VIDEO))
    page.click("form.claim-upload button[type=submit]")
    journey.check("video claim filed")
    page.click("table.filed-claims a[href^='/claims/']")
    journey.check("video claim side by side")
    frames = page.locator("table.timeline img.frame")
    assert frames.count() >= 2
    widths = frames.evaluate_all("images => images.map(image => image.naturalWidth)")
    assert all(width > 0 for width in widths), widths  # every frame loaded, from the registry itself
    page = journey.visit(f"/works/{work['work_id']}")
    widths = page.locator("ol.keyframes img").evaluate_all("images => images.map(image => image.naturalWidth)")
    assert len(widths) == 8 and all(width > 0 for width in widths), widths
