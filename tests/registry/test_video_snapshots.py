"""Video index snapshots through the registry: built from the database, stored as a blob, opened
memory-mapped by another process, which keeps only later rows in memory and answers the same."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from registry.blobs.gc import referenced_blobs
from registry.models import VideoIndexSnapshot
from registry.registration.media import match_media, register_media
from registry.service import Registry
from registry.video_index import SNAPSHOTS_KEPT
from web.cli import main as cli

from ..fingerprint.video_media import TRANSFORMS, clip
from .test_register_media import REQUEST


def _snapshots(registry: Registry) -> list[VideoIndexSnapshot]:
    with registry.db.reading() as session:
        return list(session.exec(select(VideoIndexSnapshot).order_by(VideoIndexSnapshot.id)))


def test_another_process_opens_the_snapshot_and_keeps_only_later_rows(settings, tmp_path):
    settings = settings.model_copy(update={"video_snapshot_check_seconds": 0.0})
    builder = Registry.open(settings)
    try:
        assert builder.video_index.build_snapshot(builder.db) is None  # nothing registered yet
        first = register_media(builder, clip(tmp_path, "a.mp4", 41, 0.0, 10.0), REQUEST).work_id
        second = register_media(builder, clip(tmp_path, "b.mp4", 42, 0.0, 8.0), REQUEST).work_id
        built = builder.video_index.build_snapshot(builder.db)
        assert built is not None and (built.works, built.frames) == (2, builder.video_index.frames)
        assert builder.video_index.memory_frames == 0  # the builder itself now stands on the snapshot
        assert builder.video_index.build_snapshot(builder.db) is None  # nothing new since
        third = register_media(builder, clip(tmp_path, "c.mp4", 43, 0.0, 6.0), REQUEST).work_id
    finally:
        builder.close()

    other = Registry.open(settings)
    try:
        index = other.video_index
        assert index.snapshot_frames == built.frames and index.memory_frames == index.frames - built.frames > 0
        for seed, start, expected in ((41, 2.0, first), (42, 3.0, second), (43, 1.0, third)):
            query = clip(tmp_path, f"q{seed}.mp4", seed, start, 4.0, fps=15.0, transform=TRANSFORMS["flip"])
            assert [m.work_id for m in match_media(other, query)] == [expected]
        with other.db.reading() as session:
            assert built.sha256 in referenced_blobs(session)  # gc keeps it
        assert other.blobs.exists(built.sha256)
    finally:
        other.close()


def test_the_cli_writes_snapshots_and_keeps_the_newest_two(settings, tmp_path, capsys, monkeypatch):
    registry = Registry.open(settings)
    try:
        for seed in (51, 52, 53):
            register_media(registry, clip(tmp_path, f"{seed}.mp4", seed, 0.0, 5.0), REQUEST)
            registry.video_index.build_snapshot(registry.db)
        kept = _snapshots(registry)
        assert [s.works for s in kept] == [2, 3][-SNAPSHOTS_KEPT:]
        assert kept[-1].through_id > kept[0].through_id
    finally:
        registry.close()
    monkeypatch.setenv("AIGC_REGISTRY_DATABASE_URL", settings.effective_database_url)
    folder = ["--data-dir", str(settings.data_dir)]
    assert cli(["video-index", "snapshot", *folder, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["sha256"] is None and answer["works"] == 3  # nothing new: no snapshot written
    assert cli(["video-index", "snapshot", *folder]) == 0
    assert "nothing new since the newest snapshot (3 works" in capsys.readouterr().out


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_snapshot_that_cannot_be_read_is_named_and_the_rows_come_from_the_database(settings, tmp_path, damage,
                                                                                      caplog):
    registry = Registry.open(settings)
    try:
        work_id = register_media(registry, clip(tmp_path, "a.mp4", 61, 0.0, 6.0), REQUEST).work_id
        built = registry.video_index.build_snapshot(registry.db)
        path = registry.blobs.path_of(built.sha256)
    finally:
        registry.close()
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"AVIX" + bytes(60))
    reopened = Registry.open(settings)
    try:
        assert f"video index snapshot {built.sha256} cannot be opened" in caplog.text
        assert reopened.video_index.memory_frames == reopened.video_index.frames == built.frames
        query = clip(tmp_path, "q.mp4", 61, 1.0, 4.0, fps=12.0)
        assert [m.work_id for m in match_media(reopened, query)] == [work_id]
    finally:
        reopened.close()
