"""The whole registry with its blobs in an S3 bucket (a real S3-API server on loopback), on SQLite
and PostgreSQL: an article and a video registered through the HTTP app, their content, manifest
and signed copy served back byte for byte, a copy matched and verified, a claim's evidence kept,
and nothing written to the data folder's blobs/; `aigc-registry blobs gc` on the bucket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
from fastapi.testclient import TestClient

from web.app import create_app

from ..conftest import SAMPLES
from .conftest import bearer, issue_key, post_work

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = sorted((SAMPLES / "articles").glob("*.txt"))[0]
VIDEO = SAMPLES / "media" / "harbour-drone-pass.mp4"


def _objects(bucket_url: str) -> list[str]:
    bucket = bucket_url.removeprefix("s3://").split("/", 1)[0]
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_registered_works_live_in_the_bucket(settings, s3_bucket):
    app = create_app(settings.model_copy(update={"blobs": s3_bucket, "webhook_sender": False}))
    with TestClient(app, headers=bearer(issue_key(app))) as client:
        article = client.post("/api/v1/works", files={"file": ("a.txt", ARTICLE.read_bytes())},
                              data={"model": "m"}).json()
        video = post_work(client, VIDEO).json()
        assert client.get(f"/api/v1/works/{article['work_id']}/content").content == ARTICLE.read_bytes()
        assert client.get(f"/api/v1/works/{video['work_id']}/content").content == VIDEO.read_bytes()
        signed = client.get(f"/api/v1/works/{video['work_id']}/signed")
        assert signed.status_code == 200 and len(signed.content) > len(VIDEO.read_bytes())
        assert client.get(f"/api/v1/works/{article['work_id']}/manifest").status_code == 200

        (match,) = client.post("/api/v1/matches", files={"file": ("v.mp4", VIDEO.read_bytes())}).json()["matches"][:1]
        assert match["work_id"] == video["work_id"]
        report = client.post("/api/v1/verifications", files={"file": ("s.mp4", signed.content)}).json()
        assert report["verdict"] == "authentic", report
        filed = client.post("/api/v1/claims", files={"file": ("s.txt", b"Copied.\n\n" + ARTICLE.read_bytes())})
        assert filed.status_code == 200 and filed.json()["claims"]

    keys = _objects(s3_bucket)
    assert len(keys) >= 6 and all(key.startswith("blobs/") for key in keys)  # content, manifests, signed, suspect
    assert not (settings.data_dir / "blobs").exists() or not any((settings.data_dir / "blobs").rglob("*"))


def test_blobs_gc_on_the_bucket_from_the_command_line(settings, s3_bucket, tmp_path):
    app = create_app(settings.model_copy(update={"blobs": s3_bucket, "webhook_sender": False}))
    with TestClient(app, headers=bearer(issue_key(app))) as client:
        assert client.post("/api/v1/works", files={"file": ("a.txt", ARTICLE.read_bytes())},
                           data={"model": "m"}).status_code == 201
    app.state.registry.blobs.put(b"an orphan")
    environment = {"AIGC_REGISTRY_BLOBS": s3_bucket, "AIGC_REGISTRY_DATABASE_URL": settings.effective_database_url,
                   "PATH": "/usr/bin:/bin", **{k: v for k, v in os.environ.items() if k.startswith("AWS_")}}
    ran = subprocess.run([sys.executable, "-m", "web.cli", "blobs", "gc", "--data-dir", str(settings.data_dir),
                          "--dry-run", "--json"], capture_output=True, text=True, env=environment, cwd=ROOT, timeout=120)
    assert ran.returncode == 0, ran.stderr
    counted = json.loads(ran.stdout)
    assert (counted["stored"], counted["referenced"], counted["young"], counted["deleted"]) == (3, 2, 1, 0)


def test_a_video_index_snapshot_in_the_bucket_is_opened_by_another_process(settings, s3_bucket, tmp_path):
    from registry.registration.media import match_media, register_media
    from registry.requests import RegistrationRequest
    from registry.service import Registry

    in_bucket = settings.model_copy(update={"blobs": s3_bucket, "webhook_sender": False,
                                            "keys_path": tmp_path / "keys"})
    builder = Registry.open(in_bucket)
    try:
        work_id = register_media(builder, VIDEO, RegistrationRequest(model="veo")).work_id
        built = builder.video_index.build_snapshot(builder.db)
    finally:
        builder.close()
    assert any(key.replace("/", "").endswith(built.sha256) for key in _objects(s3_bucket))
    elsewhere = in_bucket.model_copy(update={"data_dir": tmp_path / "other"})  # its own folder, the same bucket
    other = Registry.open(elsewhere)
    try:
        assert other.video_index.snapshot_frames == built.frames and other.video_index.memory_frames == 0
        assert (tmp_path / "other" / "video-index" / f"{built.sha256}.avix").exists()  # mapped from its own copy
        assert [m.work_id for m in match_media(other, VIDEO)] == [work_id]
    finally:
        other.close()
