"""Tiles and entry bundles (c2sp.org/tlog-tiles): one spelling per path, contents from complete nodes."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.tlog.errors import TileError
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import subtree_hash
from registry.tlog.tiles import (
    TilePath,
    entry_bundle,
    format_tile_path,
    parse_entry_bundle,
    parse_tile_path,
    tile_hashes,
    tile_paths_for_size,
    tile_width_at,
)


@pytest.mark.parametrize(
    "path, tile",
    [
        ("tile/0/000", TilePath(0, 0, 256)),
        ("tile/0/999", TilePath(0, 999, 256)),
        ("tile/0/x001/000", TilePath(0, 1000, 256)),
        ("tile/0/x001/x234/067", TilePath(0, 1234067, 256)),
        ("tile/1/x001/x234/067.p/8", TilePath(1, 1234067, 8)),
        ("tile/63/000.p/255", TilePath(63, 0, 255)),
        ("tile/entries/000.p/1", TilePath(None, 0, 1)),
        ("tile/entries/x018/x446/x744/x073/x709/x551/615", TilePath(None, 2**64 - 1, 256)),
    ],
)
def test_known_paths(path: str, tile: TilePath) -> None:
    assert parse_tile_path(path) == tile
    assert str(tile) == format_tile_path(*tile) == path


@given(
    level=st.none() | st.integers(0, 63),
    index=st.integers(0, 2**64 - 1),
    width=st.integers(1, 256),
)
def test_every_tile_path_round_trips(level: int | None, index: int, width: int) -> None:
    assert parse_tile_path(format_tile_path(level, index, width)) == (level, index, width)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("", id="empty"),
        pytest.param("tile/0/1234", id="four-digit-group"),
        pytest.param("tile/0/01", id="two-digit-group"),
        pytest.param("tile/0/x001", id="x-on-last-group"),
        pytest.param("tile/0/001/002", id="missing-x"),
        pytest.param("tile/0/x000/001", id="leading-zero-group"),
        pytest.param("tile/0/X001/002", id="capital-x"),
        pytest.param("tile/00/000", id="level-leading-zero"),
        pytest.param("tile/64/000", id="level-64"),
        pytest.param("tile/100/000", id="level-100"),
        pytest.param("tile/-1/000", id="negative-level"),
        pytest.param("tile/0/000.p/0", id="width-0"),
        pytest.param("tile/0/000.p/256", id="width-256"),
        pytest.param("tile/0/000.p/08", id="width-leading-zero"),
        pytest.param("tile/0/000.p/", id="width-missing"),
        pytest.param("tile/0/000.p", id="p-without-width"),
        pytest.param("tile/0/000.p/1/2", id="extra-element"),
        pytest.param("/tile/0/000", id="leading-slash"),
        pytest.param("tiles/0/000", id="tiles"),
        pytest.param("xtile/0/000", id="leading-junk"),
        pytest.param("tile/0/000/", id="trailing-slash"),
        pytest.param("tile/0//000", id="empty-element"),
        pytest.param("tile/0/000\n", id="trailing-newline"),
        pytest.param("tile/0/00a", id="letter"),
        pytest.param("tile/0/\u0660\u0660\u0660", id="arabic-digits"),
        pytest.param("tile/Entries/000", id="capital-entries"),
        pytest.param("tile/entry/000", id="entry"),
        pytest.param("tile/0", id="no-index"),
        pytest.param("tile/8/0/000", id="go-sumdb-height-segment"),
        pytest.param("tile/0/x018/x446/x744/x073/x709/x551/616", id="index-2-to-the-64"),
    ],
)
def test_malformed_paths_are_rejected(path: str) -> None:
    with pytest.raises(TileError, match="expected"):
        parse_tile_path(path)


@pytest.mark.parametrize(
    "level, index, width",
    [(64, 0, 256), (-1, 0, 256), (0, -1, 256), (0, 0, 0), (0, 0, 257), (0, 2**64, 256)],
)
def test_format_refuses_impossible_tiles(level: int, index: int, width: int) -> None:
    with pytest.raises(TileError, match="expected"):
        format_tile_path(level, index, width)


@pytest.fixture(scope="module")
def tree() -> MemoryNodes:
    return MemoryNodes(i.to_bytes(4, "big") for i in range(3 * 256 + 17))


def test_full_level_0_tile_is_the_leaf_hashes(tree: MemoryNodes) -> None:
    content = tile_hashes(0, 1, 256, tree.size, tree.read_node)
    assert content == b"".join(tree.read_node(0, i) for i in range(256, 512))
    assert len(content) == 8192


def test_partial_level_0_tile(tree: MemoryNodes) -> None:
    assert tile_hashes(0, 3, 17, tree.size, tree.read_node) == b"".join(tree.read_node(0, 768 + i) for i in range(17))


def test_level_1_tile_holds_hashes_of_full_level_0_tiles(tree: MemoryNodes) -> None:
    content = tile_hashes(1, 0, 3, tree.size, tree.read_node)
    assert content == b"".join(subtree_hash(i * 256, (i + 1) * 256, tree.read_node) for i in range(3))


def fake_node(level: int, index: int) -> bytes:
    return hashlib.sha256(f"{level}/{index}".encode()).digest()


def test_full_level_1_tile_reads_level_8_nodes() -> None:
    content = tile_hashes(1, 0, 256, 70_000, fake_node)
    assert content == b"".join(fake_node(8, i) for i in range(256))


@pytest.mark.parametrize(
    "level, index, width, message",
    [
        pytest.param(0, 3, 256, "expected a full tile", id="full-tile-not-yet-full"),
        pytest.param(0, 3, 18, "expected partial width 17", id="partial-too-wide"),
        pytest.param(0, 4, 1, "expected partial width 0", id="beyond-the-tree"),
        pytest.param(1, 0, 256, "expected a full tile", id="level-1-not-full"),
        pytest.param(2, 0, 1, "expected partial width 0", id="level-2-absent"),
        pytest.param(None, 0, 256, "entry bundles", id="entries-have-no-hashes"),
        pytest.param(64, 0, 256, "expected a tile level", id="level-64"),
    ],
)
def test_tiles_that_do_not_exist_at_the_size_are_refused(tree: MemoryNodes, level: int, index: int, width: int, message: str) -> None:
    with pytest.raises(TileError, match=message):
        tile_hashes(level, index, width, tree.size, tree.read_node)


@pytest.mark.parametrize(("index", "width", "wider"), [(3, 16, 17), (3, 1, 17), (2, 100, 256)],
                         ids=["narrower-partial", "first-partial", "partial-of-a-full-tile"])
def test_the_partial_tiles_of_smaller_sizes_stay_served(tree: MemoryNodes, index: int, width: int, wider: int) -> None:
    """A partial tile of width W is served as long as the tree has reached it: the hashes of an older
    size's tile, unchanged (a client holding that size's checkpoint asks for it)."""
    older = tile_hashes(0, index, width, tree.size, tree.read_node)
    assert older == tile_hashes(0, index, wider, tree.size, tree.read_node)[: 32 * width]
    assert older == tile_hashes(0, index, width, index * 256 + width, tree.read_node)  # as at that size


@pytest.mark.parametrize(
    "level, index, tree_size, width",
    [(0, 0, 0, 0), (0, 0, 255, 255), (0, 0, 256, 256), (0, 1, 256, 0), (1, 0, 256, 1), (None, 273, 70_000, 112), (2, 0, 70_000, 1)],
)
def test_tile_width_at(level: int | None, index: int, tree_size: int, width: int) -> None:
    assert tile_width_at(level, index, tree_size) == width


def test_tile_listing_of_small_trees() -> None:
    assert tile_paths_for_size(0) == []
    assert [str(t) for t in tile_paths_for_size(256)] == ["tile/0/000", "tile/1/000.p/1"]


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=256))
def test_entry_bundle_round_trip(entries: list[bytes]) -> None:
    assert parse_entry_bundle(entry_bundle(entries)) == entries


def test_entry_bundle_layout() -> None:
    assert entry_bundle([b"ab", b""]) == b"\x00\x02ab\x00\x00"


@pytest.mark.parametrize(
    "entries, message",
    [
        pytest.param([], "expected 1..256 entries", id="empty"),
        pytest.param([b"x"] * 257, "expected 1..256 entries", id="too-many"),
        pytest.param([b"x" * 65536], "expected entries of at most 65535 bytes", id="entry-too-large"),
    ],
)
def test_entry_bundle_refuses(entries: list[bytes], message: str) -> None:
    with pytest.raises(TileError, match=message):
        entry_bundle(entries)


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(b"", "at least one entry", id="empty"),
        pytest.param(b"\x00", "expected a 2-byte length", id="half-a-length"),
        pytest.param(b"\x00\x03ab", "expected an entry of 3 bytes at offset 2, got 2", id="cut-entry"),
        pytest.param(b"\x00\x00" * 257, "expected at most 256 entries", id="too-many"),
    ],
)
def test_malformed_entry_bundles_are_rejected(data: bytes, message: str) -> None:
    with pytest.raises(TileError, match=message):
        parse_entry_bundle(data)
