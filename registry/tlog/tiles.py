"""Tiles and entry bundles of a tiled log, as in c2sp.org/tlog-tiles (tile height 8).

A tile at level L holds up to 256 consecutive hashes of tree level 8*L; a full tile has 256, a
partial one ``.p/<W>`` the W hashes that exist at some tree size. Entry bundles hold the leaves
themselves, each as a big-endian uint16 length and the bytes.

>>> parse_tile_path("tile/1/x001/x234/067.p/8")
TilePath(level=1, index=1234067, width=8)
>>> format_tile_path(None, 5, 256)
'tile/entries/005'
>>> [str(tile) for tile in tile_paths_for_size(300)]
['tile/0/000', 'tile/0/001.p/44', 'tile/1/000.p/1']
>>> parse_entry_bundle(entry_bundle([b"a", b"bc"]))
[b'a', b'bc']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from registry.tlog.errors import TileError
from registry.tlog.merkle import NodeReader

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_TILE_LEVEL = 63
MAX_TILE_INDEX = (1 << 64) - 1
MAX_TILE_PATH_LENGTH = 64
MAX_ENTRY_SIZE = 0xFFFF
ENTRIES = "entries"

_TILE_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


class TilePath(NamedTuple):
    """A tile: ``level`` (None for entry bundles), ``index`` within the level, ``width`` 1..256."""

    level: int | None
    index: int
    width: int

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    def __str__(self) -> str:
        return format_tile_path(self.level, self.index, self.width)


def _check_tile(level: int | None, index: int, width: int) -> None:
    if level is not None and not (isinstance(level, int) and 0 <= level <= MAX_TILE_LEVEL):
        raise TileError(f"expected a tile level in 0..{MAX_TILE_LEVEL} or None for entries, got {level!r}")
    if not isinstance(index, int) or not 0 <= index <= MAX_TILE_INDEX:
        raise TileError(f"expected a tile index in 0..2**64-1, got {index!r}")
    if not isinstance(width, int) or not 1 <= width <= TILE_WIDTH:
        raise TileError(f"expected a tile width in 1..{TILE_WIDTH}, got {width!r}")


def _encode_index(index: int) -> str:
    """1234067 -> 'x001/x234/067': zero-padded 3-digit groups, all but the last prefixed by x."""
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[start : start + 3] for start in range(0, len(digits), 3)]
    return "/".join([*("x" + group for group in groups[:-1]), groups[-1]])


def format_tile_path(level: int | None, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``, or ``tile/entries/<N>[.p/<W>]`` when level is None."""
    _check_tile(level, index, width)
    name = ENTRIES if level is None else str(level)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{name}/{_encode_index(index)}{suffix}"


def parse_tile_path(path: str) -> TilePath:
    """Parse a tile or entry-bundle path, accepting only its one canonical spelling."""
    if isinstance(path, str) and len(path) > MAX_TILE_PATH_LENGTH:  # the longest canonical path has 52 characters
        raise TileError(f"expected a tile path of at most {MAX_TILE_PATH_LENGTH} characters, got {len(path):,}")
    match = _TILE_PATH.fullmatch(path) if isinstance(path, str) else None
    if match is None:
        raise TileError(f"expected a path tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>], got {path!r}")
    level_text, index_text, width_text = match.group("level", "index", "width")
    level = None if level_text == ENTRIES else int(level_text)
    if level is not None and level > MAX_TILE_LEVEL:
        raise TileError(f"expected a tile level in 0..{MAX_TILE_LEVEL}, got {level} in {path!r}")
    index = int(index_text.replace("x", "").replace("/", ""))
    width = TILE_WIDTH if width_text is None else int(width_text)
    if width_text is not None and width >= TILE_WIDTH:
        raise TileError(f"expected a partial tile width in 1..{TILE_WIDTH - 1}, got {width} in {path!r}")
    if index > MAX_TILE_INDEX:
        raise TileError(f"expected a tile index below 2**64, got {index} in {path!r}")
    canonical = format_tile_path(level, index, width)
    if canonical != path:
        raise TileError(f"expected the canonical path {canonical!r}, got {path!r}")
    return TilePath(level, index, width)


def tile_width_at(level: int | None, index: int, tree_size: int) -> int:
    """How many hashes (or entries, for level None) tile ``index`` holds at ``tree_size``; 0 if none.

    The partial tile at level L of a tree of size s has ``floor(s / 256**L) mod 256`` hashes.
    """
    _check_tile(level, index, TILE_WIDTH)
    if tree_size < 0:
        raise TileError(f"expected a tree size >= 0, got {tree_size}")
    nodes_at_level = tree_size >> (TILE_HEIGHT * (level or 0))
    return max(0, min(TILE_WIDTH, nodes_at_level - index * TILE_WIDTH))


def require_tile_at_size(level: int | None, index: int, width: int, tree_size: int) -> None:
    """Raise TileError unless that exact tile (full, or partial of that width) exists at ``tree_size``."""
    _check_tile(level, index, width)
    available = tile_width_at(level, index, tree_size)
    if width == TILE_WIDTH and available < TILE_WIDTH:
        raise TileError(
            f"expected a full tile (256 hashes) at tree size {tree_size}, got {available} available "
            f"for {format_tile_path(level, index, width)}"
        )
    if width < TILE_WIDTH and available != width:
        raise TileError(
            f"expected partial width {available} for tile {index} at tree size {tree_size}, got width {width}"
        )


def tile_published_by(level: int | None, index: int, width: int, tree_size: int) -> bool:
    """Whether a log at ``tree_size`` serves that tile: a full one it has filled, or a partial one of
    any width it has reached. A partial tile of width W is the tile at every size whose tile holds W
    hashes (or entries); those hashes are of complete subtrees, so they never change as the tree
    grows, and a client holding an older checkpoint still gets the partial tile of its size."""
    _check_tile(level, index, width)
    available = tile_width_at(level, index, tree_size)
    return available == TILE_WIDTH if width == TILE_WIDTH else 1 <= width <= available


def tile_hashes(level: int, index: int, width: int, tree_size: int, read_node: NodeReader) -> bytes:
    """The tile's content: W node hashes of tree level 8*level, indexes index*256 .. index*256+W-1,
    for a tile the tree of ``tree_size`` serves (`tile_published_by`)."""
    if level is None:
        raise TileError("expected a hash tile level in 0..63, got None (entry bundles hold entries, not hashes)")
    if not tile_published_by(level, index, width, tree_size):
        require_tile_at_size(level, index, width, tree_size)  # raises, saying what the tree holds
    first = index * TILE_WIDTH
    return b"".join(read_node(TILE_HEIGHT * level, first + offset) for offset in range(width))


def tile_paths_for_size(tree_size: int) -> list[TilePath]:
    """Every hash tile of a tree of ``tree_size`` leaves: per level, the full tiles then the partial one."""
    tiles: list[TilePath] = []
    level = 0
    while tree_size >> (TILE_HEIGHT * level):
        nodes = tree_size >> (TILE_HEIGHT * level)
        tiles.extend(TilePath(level, index, TILE_WIDTH) for index in range(nodes // TILE_WIDTH))
        if nodes % TILE_WIDTH:
            tiles.append(TilePath(level, nodes // TILE_WIDTH, nodes % TILE_WIDTH))
        level += 1
    return tiles


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length followed by its bytes."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise TileError(f"expected 1..{TILE_WIDTH} entries in a bundle, got {len(entries)}")
    parts = []
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise TileError(f"expected entries of at most {MAX_ENTRY_SIZE} bytes, got {len(entry)} at {position}")
        parts.append(len(entry).to_bytes(2, "big") + bytes(entry))
    return b"".join(parts)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; TileError if it is empty or a length prefix or an entry is cut short."""
    if not data:
        raise TileError("expected an entry bundle of at least one entry, got 0 bytes")
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise TileError(f"expected a 2-byte length at offset {offset}, got {len(data) - offset} byte")
        size = int.from_bytes(data[offset : offset + 2], "big")
        start, offset = offset + 2, offset + 2 + size
        if offset > len(data):
            raise TileError(f"expected an entry of {size} bytes at offset {start}, got {len(data) - start}")
        entries.append(bytes(data[start:offset]))
    if len(entries) > TILE_WIDTH:
        raise TileError(f"expected at most {TILE_WIDTH} entries in a bundle, got {len(entries)}")
    return entries
