"""Full C2SP tiles mirrored into a folder or an S3 bucket: byte for byte what the API serves, only
full tiles, each once, with the size recorded after them; the API redirects to the mirror's public
URL for what is mirrored and serves the rest itself."""

from __future__ import annotations

import boto3
import pytest
from fastapi.testclient import TestClient

from registry.tile_mirror import IMMUTABLE, MARKER, full_tiles_between, mirror_tiles, open_tile_mirror
from registry.tlog.tiles import TILE_WIDTH, TilePath, format_tile_path
from web.app import create_app

E, W = None, TILE_WIDTH  # an entry bundle's level; a full tile's width


@pytest.mark.parametrize(("old", "new", "expected"), [
    (0, 255, []),
    (0, 256, [TilePath(E, 0, W), TilePath(0, 0, W)]),
    (256, 511, []),
    (255, 768, [TilePath(E, 0, W), TilePath(E, 1, W), TilePath(E, 2, W), TilePath(0, 0, W), TilePath(0, 1, W),
                TilePath(0, 2, W)]),
    (65_535, 65_536, [TilePath(E, 255, W), TilePath(0, 255, W), TilePath(1, 0, W)]),
    (65_536, 65_536 + 300, [TilePath(E, 256, W), TilePath(0, 256, W)]),
])
def test_the_tiles_a_growing_tree_fills(old, new, expected):
    assert full_tiles_between(old, new) == expected


def test_full_tiles_between_covers_every_full_tile_once():
    steps = [0, 1, 255, 256, 700, 65_535, 65_536, 70_000, 140_000]
    seen = [tile for old, new in zip(steps, steps[1:]) for tile in full_tiles_between(old, new)]
    assert len(seen) == len(set(seen)) == len(full_tiles_between(0, steps[-1]))


def _grow(registry, leaves: int) -> int:  # type: ignore[no-untyped-def]
    """Append raw leaves to the log and sign a checkpoint (tiles do not care what leaves say)."""
    with registry.db.writing() as session:
        registry.log.lock(session)
        start = registry.log.size(session)
        registry.log.append(session, [f"leaf {start + i}".encode() for i in range(leaves)])
        return registry.log.publish_checkpoint(session).size


@pytest.fixture(params=["folder", "s3"])
def mirror_location(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "folder":
        return str(tmp_path / "tiles")
    bucket = request.getfixturevalue("s3_bucket")
    return bucket.rsplit("/", 1)[0] + "/log"


def _read(location: str, key: str) -> bytes | None:
    if location.startswith("s3://"):
        bucket, prefix = location.removeprefix("s3://").split("/", 1)
        try:
            got = boto3.client("s3").get_object(Bucket=bucket, Key=f"{prefix}/{key}")
        except Exception:
            return None
        assert key == MARKER or got["CacheControl"] == IMMUTABLE
        return got["Body"].read()
    from pathlib import Path

    path = Path(location) / key
    return path.read_bytes() if path.exists() else None


def test_mirrored_tiles_are_what_the_api_serves(settings, mirror_location):
    app = create_app(settings.model_copy(update={"tiles": mirror_location, "webhook_sender": False}))
    with TestClient(app) as client:
        registry = app.state.registry
        size = _grow(registry, 600)
        first = mirror_tiles(registry, registry.tile_mirror)
        assert (first.from_size, first.to_size, first.tiles) == (0, 600, 4)  # 2 bundles, 2 level-0 tiles
        assert _read(mirror_location, MARKER) == b"600\n"
        for tile in full_tiles_between(0, size):
            path = format_tile_path(*tile)
            served = client.get(f"/log/{path}")
            assert served.status_code == 200 and served.headers["cache-control"] == IMMUTABLE
            assert _read(mirror_location, path) == served.content
        assert _read(mirror_location, "tile/0/002.p/88") is None  # partial tiles stay with the API
        assert mirror_tiles(registry, registry.tile_mirror).tiles == 0  # nothing new: nothing written

        _grow(registry, 200)  # 800: a third bundle and level-0 tile fill
        again = mirror_tiles(registry, registry.tile_mirror)
        assert (again.from_size, again.to_size, again.tiles) == (600, 800, 2)
        assert _read(mirror_location, "tile/0/002") == client.get("/log/tile/0/002").content


def test_the_api_redirects_mirrored_full_tiles_to_the_public_url(settings, tmp_path):
    app = create_app(settings.model_copy(update={"tiles": str(tmp_path / "tiles"), "webhook_sender": False,
                                                 "tiles_public_url": "https://tiles.example/log/"}))
    with TestClient(app, follow_redirects=False) as client:
        registry = app.state.registry
        _grow(registry, 300)
        assert client.get("/log/tile/0/000").status_code == 200  # not mirrored yet: served here
        mirror_tiles(registry, registry.tile_mirror)
        registry.mirrored_size._read_at = float("-inf")  # as if its 10 s had passed
        moved = client.get("/log/tile/0/000")
        assert moved.status_code == 302 and moved.headers["location"] == "https://tiles.example/log/tile/0/000"
        assert client.get("/log/tile/entries/000").headers["location"].endswith("/log/tile/entries/000")
        partial = client.get("/log/tile/0/001.p/44")
        assert partial.status_code == 200 and partial.headers["cache-control"] == "no-store"


def test_the_command_line_mirrors_and_says_what_it_did(settings, tmp_path, monkeypatch, capsys):
    from registry.service import Registry
    from web.cli import main as cli

    registry = Registry.open(settings)
    try:
        _grow(registry, 520)
    finally:
        registry.close()
    monkeypatch.setenv("AIGC_REGISTRY_DATABASE_URL", settings.effective_database_url)
    folder = ["--data-dir", str(settings.data_dir)]
    assert cli(["log", "mirror-tiles", *folder]) == 1  # no mirror configured: one line saying what to set
    assert "AIGC_REGISTRY_TILES" in capsys.readouterr().err
    monkeypatch.setenv("AIGC_REGISTRY_TILES", str(tmp_path / "tiles"))
    assert cli(["log", "mirror-tiles", *folder]) == 0
    assert "4 full tiles copied, tree size 0 to 520" in capsys.readouterr().out
    assert (tmp_path / "tiles" / "tile" / "entries" / "001").stat().st_size > 0
