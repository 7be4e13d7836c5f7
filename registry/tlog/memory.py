"""An in-memory node store for tests and offline tools: a dict of complete Merkle nodes.

It keeps exactly what a database would keep, the rows :func:`~registry.tlog.merkle.nodes_for_append`
returns, so the proofs it serves exercise the same code paths as the real log.

>>> tree = MemoryNodes([b"first", b"second"])
>>> tree.append(b"third")
2
>>> tree.size
3
>>> tree.read_node(1, 0) == node_hash(leaf_hash(b"first"), leaf_hash(b"second"))
True
"""

from __future__ import annotations

from collections.abc import Iterable

from registry.tlog.errors import LogError
from registry.tlog.merkle import HASH_SIZE, leaf_hash, node_hash, nodes_for_append, root_hash  # noqa: F401 (the docstring example uses node_hash)

__all__ = ["MemoryNodes"]


class MemoryNodes:
    """Complete nodes ``(level, index) -> hash`` of an append-only tree held in a dict."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._size = 0
        for leaf_data in leaves:
            self.append(leaf_data)

    @property
    def size(self) -> int:
        """How many leaves the tree holds."""
        return self._size

    def append(self, leaf_data: bytes) -> int:
        """Append a leaf by its data (hashed with ``leaf_hash``); returns its index."""
        return self.append_leaf_hash(leaf_hash(leaf_data))

    def append_leaf_hash(self, new_leaf_hash: bytes) -> int:
        """Append a leaf by its 32-byte leaf hash; returns its index."""
        if len(new_leaf_hash) != HASH_SIZE:
            raise LogError(f"expected a leaf hash of {HASH_SIZE} bytes, got {len(new_leaf_hash)} bytes")
        index = self._size
        for level, node_index, value in nodes_for_append(index, bytes(new_leaf_hash), self.read_node):
            self._nodes[(level, node_index)] = value
        self._size += 1
        return index

    def read_node(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree at ``level`` and ``index`` (a ``NodeReader``)."""
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise LogError(
                f"expected a complete node at level {level}, index {index}, got none at tree size {self._size}"
            ) from None

    def root_hash(self) -> bytes:
        """The root of the whole tree (RFC 9162 2.1.1)."""
        return root_hash(self._size, self.read_node)
