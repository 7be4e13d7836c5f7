"""Full C2SP tiles copied into a bucket (or a folder), for a CDN or a static web server to serve.

A full tile (256 hashes) or entry bundle (256 entries) never changes once the tree has filled it,
so it can be written once, under its own path (``PREFIX/tile/0/x001/234``, with
``Cache-Control: public, max-age=31536000, immutable``) and served by anything that serves files.
``AIGC_REGISTRY_TILES=s3://BUCKET/PREFIX`` (or a folder) names the mirror; `aigc-registry worker`
(every minute) or `aigc-registry log mirror-tiles` copies the tiles filled since the last run and
then records, in the object ``PREFIX/tile-mirror-size``, the tree size up to which every full tile
is there. With ``tiles_public_url`` set, the API answers a request for a mirrored full tile with a
redirect there; partial tiles, the checkpoint and everything else stay with the API (they change).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from .models import LogEntry, LogNode
from .tlog.tiles import TILE_HEIGHT, TILE_WIDTH, TilePath, entry_bundle, format_tile_path, tile_hashes

IMMUTABLE = "public, max-age=31536000, immutable"
MARKER = "tile-mirror-size"
TYPE = "application/octet-stream"


def tile_content(session: Session, tile: TilePath, tree_size: int, read_node) -> bytes:  # type: ignore[no-untyped-def]
    """A tile's bytes, for a tile the tree of `tree_size` serves: an entry bundle or node hashes."""
    if tile.level is None:
        first = tile.index * TILE_WIDTH
        rows = session.exec(select(LogEntry.leaf).where(col(LogEntry.index) >= first,
                                                        col(LogEntry.index) < first + tile.width)
                            .order_by(col(LogEntry.index))).all()
        return entry_bundle(list(rows))
    if tile.width == TILE_WIDTH:  # one query for the 256 complete nodes, not 256
        first = tile.index * TILE_WIDTH
        rows = session.exec(select(LogNode.hash).where(
            LogNode.level == TILE_HEIGHT * tile.level, col(LogNode.index) >= first,
            col(LogNode.index) < first + TILE_WIDTH).order_by(col(LogNode.index))).all()
        if len(rows) == TILE_WIDTH:
            return b"".join(rows)
    return tile_hashes(tile.level, tile.index, tile.width, tree_size, read_node)


def full_tiles_between(old_size: int, new_size: int) -> list[TilePath]:
    """The full tiles and entry bundles a tree growing from `old_size` to `new_size` fills."""
    filled = [TilePath(None, i, TILE_WIDTH) for i in range(old_size // TILE_WIDTH, new_size // TILE_WIDTH)]
    level = 0
    while (new_size >> (TILE_HEIGHT * level)) >= TILE_WIDTH:
        before, after = (size >> (TILE_HEIGHT * level) for size in (old_size, new_size))
        filled += [TilePath(level, i, TILE_WIDTH) for i in range(before // TILE_WIDTH, after // TILE_WIDTH)]
        level += 1
    return filled


class FolderTiles:
    """The mirror as files under a folder (for nginx or any static server)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def put(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, path)

    def get(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.exists() else None


class S3Tiles:
    """The mirror as objects in an S3-compatible bucket, each with an immutable Cache-Control."""

    def __init__(self, url: str) -> None:
        from .blobs.s3 import s3_location

        self.url = url
        self.client, self.bucket, self.prefix = s3_location(url, "tiles")

    def describe(self) -> str:
        return self.url

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=TYPE,
                               CacheControl=IMMUTABLE if key != MARKER else "no-store")

    def get(self, key: str) -> bytes | None:
        from .blobs.s3 import is_missing_object

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except Exception as e:
            if is_missing_object(e):
                return None
            raise


def open_tile_mirror(location: str | None) -> FolderTiles | S3Tiles | None:
    if not location:
        return None
    return S3Tiles(location) if location.startswith("s3://") else FolderTiles(Path(location))


def mirrored_size(mirror: FolderTiles | S3Tiles) -> int:
    marker = mirror.get(MARKER)
    return int(marker.decode().strip() or 0) if marker else 0


@dataclass(frozen=True)
class MirrorRun:
    mirror: str
    from_size: int
    to_size: int
    tiles: int
    seconds: float

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def mirror_tiles(registry, mirror: FolderTiles | S3Tiles) -> MirrorRun:  # type: ignore[no-untyped-def]
    """Copy every full tile filled since the mirror's recorded size, then record the new size."""
    started = time.perf_counter()
    done = mirrored_size(mirror)
    with registry.db.reading() as session:
        latest = registry.log.latest_checkpoint(session)
        size = latest.size if latest else 0
        filled = full_tiles_between(done, size) if size > done else []
        read_node = registry.log.reader(session)
        for tile in filled:
            mirror.put(format_tile_path(*tile), tile_content(session, tile, size, read_node))
    if size > done:
        mirror.put(MARKER, f"{size}\n".encode())  # after every tile it promises
    return MirrorRun(mirror.describe(), done, max(size, done), len(filled), round(time.perf_counter() - started, 3))


class MirroredSize:
    """The mirror's recorded size as the API sees it, read again at most every `seconds`."""

    def __init__(self, mirror: FolderTiles | S3Tiles, seconds: float = 10.0) -> None:
        self._mirror, self._seconds = mirror, seconds
        self._lock = threading.Lock()
        self._value, self._read_at = 0, float("-inf")

    def __call__(self) -> int:
        with self._lock:
            if time.monotonic() - self._read_at >= self._seconds:
                self._value, self._read_at = mirrored_size(self._mirror), time.monotonic()
            return self._value
