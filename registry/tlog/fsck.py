"""Checking a stored log against itself: rebuild the tree from the entries, compare every stored row.

The entries are the source of truth (the issue's ``aigc-registry log fsck``): streamed in index
order, each leaf is rehashed (RFC 9162 2.1.1, SHA-256(0x00 || leaf)) and every complete subtree
it finishes is recomputed from a stack of pending left siblings, one per set bit of the tree size,
so memory stays O(log n). Each recomputed node is compared with the stored one, and at every size
a checkpoint signs, the root is folded from that stack and compared with the checkpoint, whose
signed note must also verify and name the same origin, size and root. The first row that differs
is reported as a :class:`Disagreement`, and checking stops there.

Two ways to feed the same hashes: :meth:`TreeRebuilder.add_leaf`, one leaf at a time with every node
it completes, and :meth:`TreeRebuilder.add_leaves`, a chunk at a time, level by level, which
:class:`LogChecker` compares list against list and replays leaf by leaf only when something differs,
to name the first disagreement in the order a reader of the log would meet it.

>>> from registry.tlog.memory import MemoryNodes
>>> tree = TreeRebuilder()
>>> [(level, index) for level, index, _ in tree.add_leaf(0, b"a")]
[(0, 0)]
>>> [(level, index) for level, index, _ in tree.add_leaf(1, b"b")]  # leaf 1 completes the pair (1, 0)
[(0, 1), (1, 0)]
>>> _ = tree.add_leaf(2, b"c")
>>> tree.root(3) == MemoryNodes([b"a", b"b", b"c"]).root_hash()
True
>>> tree.add_leaf(3, b"d", stored_leaf_hash=bytes(32))
Traceback (most recent call last):
...
registry.tlog.fsck.DisagreementError: first disagreement: entry 3 leaf_hash: expected d070dc5b..., got 00000000...
>>> tree.add_leaf(4, b"e")
Traceback (most recent call last):
...
registry.tlog.fsck.DisagreementError: first disagreement: entry 3: expected entry index 3, got entry index 4
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from hashlib import sha256

from registry.tlog.checkpoint import open_checkpoint
from registry.tlog.errors import LogError
from registry.tlog.merkle import EMPTY_ROOT, LEAF_PREFIX, NODE_PREFIX
from registry.tlog.note import NoteVerifier

__all__ = [
    "CHECKPOINT_NOTE", "CHECKPOINT_ROOT", "ENTRY_INDEX", "EXTRA_NODE", "LEAF_HASH", "MISSING_NODE", "NODE",
    "Disagreement", "DisagreementError", "LogChecker", "Node", "TreeRebuilder", "expected_node_count",
]

Node = tuple[int, int, bytes]
"""``(level, index, hash)`` of a complete subtree, as ``nodes_for_append`` yields and ``log_node`` stores."""
Entries = Sequence[tuple[int, bytes, bytes]]
"""``(index, leaf_hash, leaf)`` rows in ascending index order, as ``log_entry`` stores them."""
StoredLevels = Sequence[Sequence[bytes | None]]
"""``stored_levels[L][k]``: the stored hash of node ``(L, (first >> L) + k)``, None where there is no row."""
SignedCheckpoints = Mapping[int, tuple[bytes, str]]
"""``size -> (root_hash, note)`` of stored checkpoints."""

# The kinds of disagreement, in the order they are looked for at each leaf.
ENTRY_INDEX = "entry_index"  # entries are not 0, 1, 2, ...: one is missing, or a checkpoint signs past the end
LEAF_HASH = "leaf_hash"  # a stored leaf hash is not SHA-256(0x00 || leaf)
NODE = "node"  # a stored complete-subtree hash is not the recomputed one
MISSING_NODE = "missing_node"  # a complete subtree has no stored row
EXTRA_NODE = "extra_node"  # a stored row names a subtree the tree of the entries does not complete
CHECKPOINT_ROOT = "checkpoint_root"  # a checkpoint's root is not the recomputed root at its size
CHECKPOINT_NOTE = "checkpoint_note"  # a checkpoint's note does not verify or names another origin, size or root


@dataclass(frozen=True)
class Disagreement:
    """The first stored row that differs from what the entries recompute: expected is recomputed, got is stored."""

    kind: str
    where: str
    expected: str
    got: str

    @property
    def message(self) -> str:
        return f"first disagreement: {self.where}: expected {self.expected}, got {self.got}"

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str]:
        return {**asdict(self), "message": self.message}


class DisagreementError(LogError):
    """Raised by :class:`TreeRebuilder` when an entry is out of order or its stored leaf hash is wrong."""

    def __init__(self, disagreement: Disagreement) -> None:
        super().__init__(disagreement.message)
        self.disagreement = disagreement


def _node_where(level: int, index: int) -> str:
    return f"node level {level} index {index}"


def expected_node_count(size: int) -> int:
    """How many complete subtrees a tree of ``size`` leaves has: size >> L at every level L."""
    count = 0
    while size:
        count += size
        size >>= 1
    return count


class TreeRebuilder:
    """Recomputes leaf hashes and every complete subtree hash as leaves stream in index order.

    ``_stack`` holds the hashes of the complete subtrees the current tree decomposes into, largest
    (leftmost) first: one per set bit of the size. Appending leaf ``n`` merges it with one pending
    left sibling per trailing one bit of ``n``, exactly the parents ``nodes_for_append`` creates.
    """

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """How many leaves have been added."""
        return self._size

    def add_leaf(self, index: int, leaf: bytes, stored_leaf_hash: bytes | None = None) -> list[Node]:
        """Add leaf ``index`` (which must be the current size); return the nodes it completes, bottom up.

        The first is the leaf hash itself at level 0. Raises DisagreementError when ``index`` is not the
        next one or ``stored_leaf_hash`` (when given) is not SHA-256(0x00 || leaf); the tree is then unchanged.
        """
        size = self._size
        if index != size:
            raise DisagreementError(Disagreement(ENTRY_INDEX, f"entry {size}", f"entry index {size}",
                                                 f"entry index {index}"))
        current = sha256(LEAF_PREFIX + leaf).digest()
        if stored_leaf_hash is not None and stored_leaf_hash != current:
            raise DisagreementError(Disagreement(LEAF_HASH, f"entry {index} leaf_hash", current.hex(),
                                                 bytes(stored_leaf_hash).hex()))
        completed = [(0, index, current)]
        stack, level = self._stack, 0
        while index & 1:
            current = sha256(NODE_PREFIX + stack.pop() + current).digest()
            level, index = level + 1, index >> 1
            completed.append((level, index, current))
        stack.append(current)
        self._size = size + 1
        return completed

    def add_leaves(
        self, first: int, leaves: Sequence[bytes], root_sizes: Iterable[int] = ()
    ) -> tuple[list[list[bytes]], dict[int, bytes]]:
        """Add leaves ``first, first + 1, ...`` at once: the same hashes as ``add_leaf``, computed level by level.

        Returns ``levels``, where ``levels[L][k]`` is node ``(L, (first >> L) + k)``: at level L the
        leaves complete the indexes ``[first >> L, end >> L)``. Also returns the root at each of
        ``root_sizes`` that falls in ``(first, end]``. Stored leaf hashes are not compared here (compare
        ``levels[0]``); raises DisagreementError when ``first`` is not the current size.
        """
        if first != self._size:
            raise DisagreementError(Disagreement(ENTRY_INDEX, f"entry {self._size}", f"entry index {self._size}",
                                                 f"entry index {first}"))
        end = first + len(leaves)
        before = self._stack_by_level()
        pending = dict(before)
        levels: list[list[bytes]] = []
        current = [sha256(LEAF_PREFIX + leaf).digest() for leaf in leaves]
        level = 0
        while current:
            levels.append(current)
            row = [pending.pop(level), *current] if (first >> level) & 1 else current  # starts on a left child
            if len(row) & 1:
                pending[level] = row[-1]  # node (level, (end >> level) - 1) waits for its right sibling
            current = [sha256(NODE_PREFIX + row[i] + row[i + 1]).digest() for i in range(0, len(row) - 1, 2)]
            level += 1
        self._stack = [pending[level] for level in sorted(pending, reverse=True)]
        self._size = end
        roots = {}
        for size in root_sizes:
            if first < size <= end:
                roots[size] = _fold([
                    levels[level][index - (first >> level)] if index >= first >> level else before[level]
                    for level, index in _decomposition(size)
                ])
        return levels, roots

    def root(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves (RFC 9162 2.1.1), folded right to left from the stack.

        Only the current size is answerable (earlier subtrees have been merged away): a caller that
        needs the roots at checkpoint sizes asks as the stream reaches each of them (or passes them
        as ``root_sizes`` to ``add_leaves``).
        """
        if size != self._size:
            raise LogError(f"expected the root at the current size {self._size}, got a request for size {size}")
        return _fold(self._stack)

    def _stack_by_level(self) -> dict[int, bytes]:
        return {level: value for (level, _), value in zip(_decomposition(self._size), self._stack)}

    def _save(self) -> tuple[int, list[bytes]]:
        return self._size, list(self._stack)

    def _restore(self, saved: tuple[int, list[bytes]]) -> None:
        self._size, self._stack = saved[0], list(saved[1])


def _decomposition(size: int) -> list[tuple[int, int]]:
    """The complete subtrees ``(level, index)`` a tree of ``size`` leaves splits into, largest first:
    one per set bit L of size, node ``(L, (size >> L) - 1)`` (RFC 9162 2.1.1 split at powers of two)."""
    return [(level, (size >> level) - 1) for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def _fold(subtrees: Sequence[bytes]) -> bytes:
    """The root over complete subtrees given largest first: MTH combines them right to left."""
    if not subtrees:
        return EMPTY_ROOT
    root = subtrees[-1]
    for left in reversed(subtrees[:-1]):
        root = sha256(NODE_PREFIX + left + root).digest()
    return root


class LogChecker:
    """Compares stored rows, fed chunk by chunk in index order, with what a :class:`TreeRebuilder` recomputes.

    Per chunk of entries the caller passes the stored nodes those entries complete, level by level
    (``stored_levels[L][k]`` is the stored hash of node ``(L, (first >> L) + k)``, None when there is
    no row), and the checkpoints whose size falls in the chunk; at the end, the checkpoints past the
    last entry and the stored nodes past the tree. A chunk is first compared whole, list against list;
    only if something differs is it replayed leaf by leaf to name the first disagreement, which is kept
    in ``first_disagreement``. Once there is one, nothing more is checked.
    """

    def __init__(self, verifier: NoteVerifier, origin: str) -> None:
        self.verifier = verifier
        self.origin = origin
        self.tree = TreeRebuilder()
        self.entries_checked = 0
        self.nodes_checked = 0
        self.checkpoints_checked = 0
        self.first_disagreement: Disagreement | None = None
        self._last_checkpoint_size = -1

    def check_entries(
        self, entries: Entries, stored_levels: StoredLevels, checkpoints: SignedCheckpoints
    ) -> Disagreement | None:
        """Check a chunk of entries, the stored nodes they complete and the checkpoints signed at their sizes."""
        if self.first_disagreement is not None:
            return self.first_disagreement
        tree = self.tree
        if tree.size in checkpoints and tree.size > self._last_checkpoint_size:  # the size-0 checkpoint
            if self._check_checkpoint(tree.size, *checkpoints[tree.size], tree.root(tree.size)):
                return self.first_disagreement
        if not entries:
            return None
        saved = tree._save()
        if self._whole_chunk_agrees(entries, stored_levels, checkpoints):
            return None
        tree._restore(saved)
        return self._first_disagreement_in(entries, stored_levels, checkpoints)

    def _whole_chunk_agrees(
        self, entries: Entries, stored_levels: StoredLevels, checkpoints: SignedCheckpoints
    ) -> bool:
        """The fast path: rebuild the chunk level by level and compare whole lists (no counting on failure)."""
        first = self.tree.size
        indexes, stored_leaf_hashes, leaves = zip(*entries)
        if list(indexes) != list(range(first, first + len(entries))):
            return False
        sizes = sorted(size for size in checkpoints if first < size <= first + len(entries))
        levels, roots = self.tree.add_leaves(first, leaves, sizes)
        if list(stored_leaf_hashes) != levels[0] or len(stored_levels) < len(levels):
            return False
        if any(list(stored_levels[level]) != hashes for level, hashes in enumerate(levels)):
            return False
        if any(self._checkpoint_disagreement(size, *checkpoints[size], roots[size]) for size in sizes):
            return False
        if sizes:
            self.checkpoints_checked += len(sizes)
            self._last_checkpoint_size = sizes[-1]
        self.entries_checked += len(entries)
        self.nodes_checked += sum(len(hashes) for hashes in levels)
        return True

    def _first_disagreement_in(
        self, entries: Entries, stored_levels: StoredLevels, checkpoints: SignedCheckpoints
    ) -> Disagreement | None:
        """The slow path: replay the chunk leaf by leaf, in the order a reader of the log would meet each row."""
        tree = self.tree
        first = tree.size
        try:
            for index, stored_leaf_hash, leaf in entries:
                for level, node_index, value in tree.add_leaf(index, leaf, stored_leaf_hash):
                    offset = node_index - (first >> level)
                    stored_level = stored_levels[level] if level < len(stored_levels) else ()
                    stored = stored_level[offset] if offset < len(stored_level) else None
                    if stored != value:
                        return self._node_disagreement(level, node_index, value, stored)
                    self.nodes_checked += 1
                self.entries_checked += 1
                if tree.size in checkpoints:
                    if self._check_checkpoint(tree.size, *checkpoints[tree.size], tree.root(tree.size)):
                        return self.first_disagreement
        except DisagreementError as error:
            return self._found(error.disagreement)
        return None

    def check_end(
        self, later_checkpoints: Iterable[tuple[int, bytes, str]], extra_nodes: Iterable[Node]
    ) -> Disagreement | None:
        """After the last entry: checkpoints not yet checked (only one at the final size may exist) and stored
        nodes the tree does not complete (none may exist)."""
        if self.first_disagreement is not None:
            return self.first_disagreement
        size = self.tree.size
        for checkpoint_size, root, note in later_checkpoints:
            if checkpoint_size == size and size > self._last_checkpoint_size:
                if self._check_checkpoint(checkpoint_size, root, note, self.tree.root(size)):
                    return self.first_disagreement
            elif checkpoint_size > size:
                return self._found(Disagreement(
                    ENTRY_INDEX, f"entry {size}", f"entry index {size} (checkpoint size {checkpoint_size} signs it)",
                    "the end of the log",
                ))
        for level, index, value in extra_nodes:
            return self._found(Disagreement(
                EXTRA_NODE, _node_where(level, index),
                f"no row (the tree of {size} leaves does not complete that subtree)",
                bytes(value).hex(),
            ))
        return None

    def _node_disagreement(self, level: int, index: int, value: bytes, stored: bytes | None) -> Disagreement:
        if stored is None:
            return self._found(Disagreement(MISSING_NODE, _node_where(level, index), value.hex(), "no row"))
        return self._found(Disagreement(NODE, _node_where(level, index), value.hex(), bytes(stored).hex()))

    def _check_checkpoint(self, size: int, stored_root: bytes, note: str, root: bytes) -> Disagreement | None:
        self.checkpoints_checked += 1
        self._last_checkpoint_size = size
        found = self._checkpoint_disagreement(size, stored_root, note, root)
        return None if found is None else self._found(found)

    def _checkpoint_disagreement(self, size: int, stored_root: bytes, note: str, root: bytes) -> Disagreement | None:
        """A checkpoint row agrees when its root is the recomputed one and its note verifies and signs the same."""
        where = f"checkpoint size {size}"
        if stored_root != root:
            return Disagreement(CHECKPOINT_ROOT, where, root.hex(), bytes(stored_root).hex())
        try:
            signed = open_checkpoint(note, self.verifier, origin=self.origin)
        except LogError as error:
            return Disagreement(CHECKPOINT_NOTE, f"{where} note", f"a note signed by {self.verifier.name}", str(error))
        if (signed.size, signed.root_hash) != (size, root):
            return Disagreement(CHECKPOINT_NOTE, f"{where} note", f"size {size}, root {root.hex()}",
                                f"size {signed.size}, root {signed.root_hash.hex()}")
        return None

    def _found(self, disagreement: Disagreement) -> Disagreement:
        self.first_disagreement = disagreement
        return disagreement
