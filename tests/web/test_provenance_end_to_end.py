"""Provenance end to end: signed copies, edit history trees, verification of any file, key rotation."""

from __future__ import annotations

import json
import time

import pytest

from registry.accounts.manage import create_organisation

from ..conftest import SAMPLES
from ..fingerprint.video_media import TRANSFORMS, clip
from .conftest import bearer, issue_key, post_work

MEDIA = SAMPLES / "media"
VIDEO, OTHER_VIDEO, STILL = MEDIA / "harbour-drone-pass.mp4", MEDIA / "market-street-walk.mp4", MEDIA / "market-street-still.jpg"


def _verify(client, name: str, data: bytes, **files):
    response = client.post("/api/v1/verifications", files={"file": (name, data, "application/octet-stream"), **files})
    assert response.status_code == 200, response.text
    return response.json()


def test_http_signed_copy_history_and_verification(client, tmp_path):
    first = post_work(client, VIDEO, title="Harbour").json()
    second = post_work(client, OTHER_VIDEO, parent=[first["work_id"]], edit_action=["c2pa.color_adjustments"]).json()
    still = post_work(client, STILL, kind="image", parent=[second["work_id"], first["work_id"]],
                       training_mining="allowed")
    assert still.status_code == 201, still.text
    still = still.json()

    # the history tree, to any depth
    tree = client.get(f"/api/v1/works/{still['work_id']}/history").json()
    assert [(p["work_id"], p["relationship"]) for p in tree["parents"]] == [
        (second["work_id"], "parentOf"), (first["work_id"], "componentOf")]
    assert tree["parents"][0]["parents"][0]["work_id"] == first["work_id"]
    assert tree["parents"][0]["edit_actions"] == ["c2pa.color_adjustments"]

    # the signed copy carries the manifest; verifying it is authentic, with the ingredient tree
    signed = client.get(f"/api/v1/works/{still['work_id']}/signed")
    assert signed.status_code == 200 and signed.headers["content-type"] == "image/jpeg"
    assert f'{still["work_id"]}.jpg' in signed.headers["content-disposition"]
    report = _verify(client, "signed.jpg", signed.content)
    assert report["verdict"] == "authentic" and report["manifest_source"] == "embedded"
    manifest = report["manifest"]
    assert manifest["state"] == "Trusted" and manifest["time_source"] == "timestamp"
    assert manifest["training_mining"]["entries"]["cawg.ai_training"] == {"use": "allowed"}
    assert manifest["implicit_label"]["ProduceID"] == still["work_id"]
    opened = manifest["tree"]["ingredients"][0]
    assert opened["validated"] and opened["manifest"]["work_id"] == second["work_id"]
    assert opened["manifest"]["ingredients"][0]["manifest"]["work_id"] == first["work_id"]
    assert report["registration"]["copy"] == "signed" and report["log"]["content_matches"]

    # the upload as registered: authentic, its manifest is the registry's (over the signed copy)
    original = _verify(client, "original.jpg", STILL.read_bytes())
    assert original["verdict"] == "authentic" and original["registration"]["copy"] == "original"
    assert original["manifest"] is None and original["registered_manifest"]["state"] == "Trusted"

    # an unrelated clip, with no manifest: unregistered
    unrelated = clip(tmp_path, "unrelated.mp4", 0, 0.0, 3.0)
    report = _verify(client, "unrelated.mp4", unrelated.read_bytes())
    assert report["verdict"] == "unregistered" and report["manifest"] is None


def test_http_stripped_and_re_encoded_copies_lead_to_the_original_manifest(client, tmp_path):
    source = clip(tmp_path, "source.mp4", 51, 0.0, 8.0)
    work = post_work(client, source).json()
    reencoded = clip(tmp_path, "copy.mp4", 51, 1.0, 5.0, fps=15.0, transform=TRANSFORMS["flip"])
    accepted = client.post("/api/v1/verifications", headers={"Prefer": "respond-async"},
                           files={"file": ("copy.mp4", reencoded.read_bytes(), "video/mp4")})
    assert accepted.status_code == 202, accepted.text  # a long video: a job to poll
    for _ in range(600):
        job = client.get(accepted.json()["url"]).json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["state"] == "done" and job["progress"] == 1.0, job
    report = job["result"]
    assert report["verdict"] == "modified-copy" and report["manifest"] is None
    assert report["registration"]["work_id"] == work["work_id"] and report["registration"]["found_by"] == "fingerprint"
    assert report["registered_manifest"]["state"] == "Trusted"
    assert report["registered_manifest"]["work_id"] == work["work_id"]
    assert report["registration"]["signed_url"] == f"/api/v1/works/{work['work_id']}/signed"


def test_http_tampered_signed_copy_is_tampered(client):
    work = post_work(client, STILL, kind="image").json()
    data = bytearray(client.get(f"/api/v1/works/{work['work_id']}/signed").content)
    data[-200] ^= 0xFF
    report = _verify(client, "altered.jpg", bytes(data))
    assert report["verdict"] == "tampered" and report["manifest"]["state"] == "Invalid"


@pytest.mark.parametrize(("parent", "status", "code"), [
    ("01UNKNOWNWORK0000000000000", 404, "unknown_work"),
    ("theirs", 403, "forbidden"),
], ids=["unknown-parent", "another-registrants-parent"])
def test_http_bad_parents_are_refused(client, parent, status, code):
    if parent == "theirs":  # a published work of another organisation
        create_organisation(client.app.state.registry, "someone else", "creator")
        theirs = client.post("/api/v1/works", files={"file": (VIDEO.name, VIDEO.read_bytes())}, data={"model": "veo"},
                             headers=bearer(issue_key(client.app, "editor", "someone else")))
        parent = theirs.json()["work_id"]
    response = post_work(client, STILL, kind="image", parent=[parent])
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_http_articles_have_no_signed_copy(client):
    article = SAMPLES / "articles" / "bolan-lantern-festival.txt"
    work = client.post("/api/v1/works", files={"file": (article.name, article.read_bytes(), "text/plain")},
                       data={"model": "m"}).json()
    response = client.get(f"/api/v1/works/{work['work_id']}/signed")
    assert response.status_code == 404 and "detached" in response.json()["error"]["message"]


def test_cli_history_verify_and_rotation(cli, tmp_path):
    video = tmp_path / "harbour.mp4"
    video.write_bytes(VIDEO.read_bytes())
    first = json.loads(cli("register", str(video), "--model", "veo", "--write-sidecars", "--json").stdout)
    signed = tmp_path / "harbour.signed.mp4"
    assert signed.exists()
    done = cli("verify", str(signed))
    assert "authentic" in done.stdout and "Trusted" in done.stdout and "(timestamp)" in done.stdout

    rotated = json.loads(cli("keys", "rotate").stdout)
    assert rotated["serial"] != rotated["retired_serial"]
    still = tmp_path / "still.jpg"
    still.write_bytes(STILL.read_bytes())
    second = json.loads(cli("register", str(still), "--model", "imagen", "--parent", first["work_id"],
                            "--dataset", "https://example.org/stills CC-BY-4.0", "--json").stdout)
    history = cli("history", second["work_id"]).stdout
    assert second["work_id"] in history and f"parentOf {first['work_id']}" in history

    # the manifest signed before the rotation still verifies, beside the one signed after
    assert "authentic" in cli("verify", str(signed)).stdout
    report = json.loads(cli("verify", str(still), "--json").stdout)
    assert report["verdict"] == "authentic"
    assert report["registered_manifest"]["record"]["dataset_sources"] == [
        {"uri": "https://example.org/stills", "licence": "CC-BY-4.0"}]

    cli("register", str(still), "--model", "m", "--parent", "nope", expect=1)
