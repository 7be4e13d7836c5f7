"""Videos and images end to end: through the real HTTP app and the `aigc-registry` command."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from web.app import create_app

from ..conftest import SAMPLES
from ..fingerprint.video_media import TRANSFORMS, clip, compose, crop
from .conftest import bearer, issue_key, post_work

MEDIA = SAMPLES / "media"


def test_http_register_and_match_a_video(client, tmp_path):
    registered = post_work(client, MEDIA / "harbour-drone-pass.mp4", title="Harbour")
    assert registered.status_code == 201, registered.text
    work = registered.json()
    assert (work["kind"], work["title"]) == ("video", "Harbour")
    details = client.get(f"/api/v1/works/{work['work_id']}").json()
    assert details["kind"] == "video"
    assert client.get(f"/api/v1/works/{work['work_id']}/content").content == (MEDIA / "harbour-drone-pass.mp4").read_bytes()
    assert client.get(f"/api/v1/works/{work['work_id']}/manifest").status_code == 200

    suspect = clip(tmp_path, "suspect.mp4", 11, 3.0, 4.0, fps=12.0, size=(320, 180),
                   transform=compose(crop(0.1, 0.15), TRANSFORMS["flip"]))
    response = client.post("/api/v1/matches", files={"file": ("suspect.mp4", suspect.read_bytes(), "video/mp4")})
    assert response.status_code == 200, response.text
    matches = response.json()["matches"]
    assert [m["work_id"] for m in matches] == [work["work_id"]]
    assert set(matches[0]) == {"work_id", "title", "kind", "score", "segments"}
    segment = matches[0]["segments"][0]
    assert set(segment) == {"query_start", "query_end", "work_start", "work_end", "work_segments"}
    assert abs(segment["work_start"] - segment["query_start"] - 3.0) <= 1.0

    # the work's segments: the matched range names those it overlaps, each proven into the
    # segments root its log statement commits to
    listing = client.get(f"/api/v1/works/{work['work_id']}/segments").json()
    assert details["segments_url"] == f"/api/v1/works/{work['work_id']}/segments"
    overlapping = [s["id"] for s in listing["segments"]
                   if s["start"] < segment["work_end"] and s["end"] > segment["work_start"]]
    assert segment["work_segments"] == overlapping and overlapping
    assert all(s["id"].startswith(work["work_id"] + "/s/") for s in listing["segments"])
    assert listing["segment_count"] == len(listing["segments"]) and len(listing["segments_root"]) == 64
    image = post_work(client, MEDIA / "market-street-still.jpg").json()
    missing = client.get(f"/api/v1/works/{image['work_id']}/segments")
    assert missing.status_code == 404 and "only videos have segments" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    ("name", "data", "fields", "status", "code"),
    [
        ("clip.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 2000, {}, 422, "invalid_input"),
        ("tool.mp4", b"MZ\x90\x00" + bytes(range(256)) * 4, {}, 422, "invalid_input"),  # the article path names it
        ("still.jpg", (MEDIA / "market-street-still.jpg").read_bytes(), {"kind": "video"}, 415, "unsupported_media"),
        ("x.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 500, {}, 415, "unsupported_media"),
    ],
    ids=["broken-mp4", "executable", "image-declared-video", "webm-not-registrable"],
)
def test_http_bad_media_is_4xx_and_stores_nothing(client, name, data, fields, status, code):
    before = client.get("/log/checkpoint").text
    response = client.post("/api/v1/works", files={"file": (name, data, "application/octet-stream")},
                           data={"model": "veo", **fields})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert client.get("/log/checkpoint").text == before
    assert client.get("/api/v1/works").json() == []


def test_http_refuses_a_huge_upload_by_its_declared_length(client):
    response = client.post("/api/v1/works", content=b"x" * 10,
                           headers={"content-type": "multipart/form-data; boundary=b",
                                    "content-length": str(2 * 1000**3)})
    assert response.status_code == 413
    assert "limit" in response.json()["error"]["message"]


def test_http_video_over_its_limit_is_413(settings, tmp_path):
    app = create_app(settings.model_copy(update={"max_video_bytes": 50_000}))
    with TestClient(app, headers=bearer(issue_key(app))) as small:
        response = post_work(small, MEDIA / "market-street-walk.mp4")
        assert response.status_code == 413, response.text
        assert small.get("/api/v1/works").json() == []


def test_cli_register_and_match_video_and_image(cli, tmp_path):
    video = json.loads(cli("register", str(MEDIA / "market-street-walk.mp4"), "--metadata",
                           str(MEDIA / "market-street-walk.json"), "--json").stdout)
    assert video["kind"] == "video"
    image = json.loads(cli("register", str(MEDIA / "market-street-still.jpg"), "--model", "imagen", "--json").stdout)
    assert image["kind"] == "image"

    suspect = clip(tmp_path, "suspect.mp4", 23, 2.0, 5.0, fps=10.0, transform=TRANSFORMS["letterbox"])
    done = cli("match", str(suspect), "--json")
    assert "fingerprint" in done.stderr  # progress on stderr
    found = json.loads(done.stdout)["matches"]
    assert [m["work_id"] for m in found] == [video["work_id"]]

    human = cli("match", str(suspect)).stdout
    assert video["work_id"] in human and "segments (s)" in human

    # a segment proven part of the registered video offline: its receipt, the log key, the segment
    listed = cli("segments", video["work_id"]).stdout
    assert f"{video['work_id']}/s/0" in listed and "root" in listed
    (tmp_path / "segment.json").write_text(cli("segments", video["work_id"], "--segment", "0").stdout)
    (tmp_path / "video.receipt").write_text(video["receipt"])
    vkey = next((tmp_path / "home" / "keys").glob("*.vkey")).read_text().strip()
    proven = json.loads(cli("log", "verify", str(tmp_path / "video.receipt"), "--key", vkey,
                            "--segment", str(tmp_path / "segment.json"), "--json").stdout)
    assert proven["segment"]["id"] == f"{video['work_id']}/s/0" and proven["segment"]["verified"]
    forged = json.loads((tmp_path / "segment.json").read_text())
    forged["leaf"] = forged["leaf"].replace(forged["fingerprint_sha256"], "0" * 64)
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = cli("log", "verify", str(tmp_path / "video.receipt"), "--key", vkey, "--segment",
                  str(tmp_path / "forged.json"), expect=1)
    assert refused.stderr.startswith("error: ") and "inclusion proof" in refused.stderr
    cli("segments", image["work_id"], expect=1)

    cli("register", str(tmp_path / "missing.mp4"), "--model", "x", expect=1)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100)
    failed = cli("register", str(bad), "--model", "x", expect=1)
    assert "bad.mp4" in failed.stderr


def test_http_async_registration_and_match_report_progress(client, tmp_path):
    import time

    def finished(url: str) -> dict:
        for _ in range(600):
            state = client.get(url).json()
            assert state["state"] in {"queued", "running", "done", "failed"}
            assert 0.0 <= state["progress"] <= 1.0
            if state["state"] in {"done", "failed"}:
                return state
            time.sleep(0.05)
        raise AssertionError("the job did not finish")

    path = MEDIA / "harbour-drone-pass.mp4"
    accepted = client.post("/api/v1/works", files={"file": (path.name, path.read_bytes(), "video/mp4")},
                           data={"model": "veo"}, headers={"Prefer": "respond-async"})
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["location"] == accepted.json()["url"]
    done = finished(accepted.json()["url"])
    assert done["state"] == "done" and done["progress"] == 1.0
    work_id = done["result"]["work_id"]

    suspect = clip(tmp_path, "s.mp4", 11, 2.0, 4.0)
    accepted = client.post("/api/v1/matches", files={"file": ("s.mp4", suspect.read_bytes(), "video/mp4")},
                           headers={"Prefer": "respond-async"})
    done = finished(accepted.json()["url"])
    assert [m["work_id"] for m in done["result"]["matches"]] == [work_id]

    broken = client.post("/api/v1/works", files={"file": ("b.mp4", b"\x00\x00\x00\x18ftypisom" + bytes(900), "video/mp4")},
                         data={"model": "veo"}, headers={"Prefer": "respond-async"})
    failed = finished(broken.json()["url"])
    assert (failed["state"], failed["status"], failed["error"]["code"]) == ("failed", 422, "invalid_input")
    assert client.get("/api/v1/jobs/nope").status_code == 404
