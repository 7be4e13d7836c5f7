"""The streaming rebuilder against the reference (MemoryNodes + nodes_for_append + root_hash), and the pure checker."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
from registry.tlog.errors import LogError
from registry.tlog.fsck import (
    CHECKPOINT_NOTE,
    CHECKPOINT_ROOT,
    ENTRY_INDEX,
    EXTRA_NODE,
    LEAF_HASH,
    MISSING_NODE,
    NODE,
    Disagreement,
    DisagreementError,
    LogChecker,
    TreeRebuilder,
    expected_node_count,
)
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import EMPTY_ROOT, leaf_hash, nodes_for_append, root_hash
from registry.tlog.note import NoteSigner, NoteVerifier, generate_note_key

ORIGIN = "example.com/log"


def leaves(count: int) -> list[bytes]:
    return [f"leaf {i}".encode() for i in range(count)]


# --- the rebuilder -------------------------------------------------------------------------------


def test_rebuilder_yields_the_nodes_and_roots_of_the_reference_for_every_size_up_to_300():
    tree, reference = TreeRebuilder(), MemoryNodes()
    assert tree.root(0) == EMPTY_ROOT
    for index, leaf in enumerate(leaves(300)):
        expected_nodes = nodes_for_append(index, leaf_hash(leaf), reference.read_node)
        reference.append(leaf)
        assert tree.add_leaf(index, leaf, leaf_hash(leaf)) == expected_nodes
        assert tree.size == reference.size == index + 1
        assert tree.root(tree.size) == reference.root_hash()


def test_every_complete_node_is_yielded_exactly_once():
    seen: list[tuple[int, int]] = []
    tree = TreeRebuilder()
    for index, leaf in enumerate(leaves(300)):
        seen.extend((level, node_index) for level, node_index, _ in tree.add_leaf(index, leaf))
    assert len(seen) == len(set(seen)) == expected_node_count(300)
    assert set(seen) == {(level, i) for level in range(9) for i in range(300 >> level)}


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=0, max_value=3000), data=st.data())
def test_streaming_roots_at_arbitrary_checkpoint_sizes_equal_root_hash(size, data):
    checkpoint_sizes = set(data.draw(st.lists(st.integers(min_value=0, max_value=size), max_size=12)))
    reference = MemoryNodes(leaves(size))
    tree, roots = TreeRebuilder(), {}
    if 0 in checkpoint_sizes:
        roots[0] = tree.root(0)
    for index, leaf in enumerate(leaves(size)):
        for level, node_index, value in tree.add_leaf(index, leaf):
            assert reference.read_node(level, node_index) == value
        if tree.size in checkpoint_sizes:
            roots[tree.size] = tree.root(tree.size)
    assert roots == {s: root_hash(s, reference.read_node) for s in checkpoint_sizes}


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.integers(min_value=0, max_value=200), max_size=12), data=st.data())
def test_add_leaves_in_any_chunks_equals_add_leaf_one_by_one(chunks, data):
    size = sum(chunks)
    root_sizes = set(data.draw(st.lists(st.integers(min_value=1, max_value=max(size, 1)), max_size=8)))
    one_by_one, reference, roots = TreeRebuilder(), {}, {}
    for index, leaf in enumerate(leaves(size)):
        reference.update({(level, i): value for level, i, value in one_by_one.add_leaf(index, leaf)})
        if one_by_one.size in root_sizes:
            roots[one_by_one.size] = one_by_one.root(one_by_one.size)
    chunked, rebuilt, chunk_roots = TreeRebuilder(), {}, {}
    first = 0
    for count in chunks:
        levels, found = chunked.add_leaves(first, leaves(first + count)[first:], root_sizes)
        end = first + count
        assert [len(hashes) for hashes in levels] == [
            (end >> level) - (first >> level) for level in range(len(levels))]
        for level, hashes in enumerate(levels):
            rebuilt.update({(level, (first >> level) + k): value for k, value in enumerate(hashes)})
        chunk_roots.update(found)
        first = end
        assert chunked.root(first) == root_hash(first, lambda level, i: reference[(level, i)])
    assert rebuilt == reference
    assert chunk_roots == roots


def test_add_leaves_refuses_a_chunk_that_does_not_start_at_the_size():
    tree = TreeRebuilder()
    tree.add_leaves(0, [b"a", b"b"])
    with pytest.raises(DisagreementError, match="expected entry index 2, got entry index 3"):
        tree.add_leaves(3, [b"d"])


@pytest.mark.parametrize(
    ("index", "stored", "kind", "message"),
    [
        # entry 2 is missing: the next one is 3
        (3, None, ENTRY_INDEX, "first disagreement: entry 2: expected entry index 2, got entry index 3"),
        # an entry that comes twice
        (1, None, ENTRY_INDEX, "first disagreement: entry 2: expected entry index 2, got entry index 1"),
        # the stored leaf hash is not SHA-256(0x00 || leaf)
        (2, bytes(32), LEAF_HASH, f"first disagreement: entry 2 leaf_hash: expected {leaf_hash(b'leaf 2').hex()}, "
                                  f"got {bytes(32).hex()}"),
    ],
    ids=["gap", "repeat", "leaf-hash"],
)
def test_add_leaf_refuses_and_leaves_the_tree_unchanged(index, stored, kind, message):
    tree = TreeRebuilder()
    tree.add_leaf(0, b"leaf 0")
    tree.add_leaf(1, b"leaf 1")
    root = tree.root(2)
    with pytest.raises(DisagreementError) as raised:
        tree.add_leaf(index, b"leaf 2", stored)
    assert raised.value.disagreement.kind == kind
    assert str(raised.value) == message
    assert (tree.size, tree.root(2)) == (2, root)


def test_root_is_only_known_at_the_current_size():
    tree = TreeRebuilder()
    tree.add_leaf(0, b"a")
    with pytest.raises(LogError, match="expected the root at the current size 1, got a request for size 0"):
        tree.root(0)


def test_disagreement_reads_as_expected_and_got():
    found = Disagreement(NODE, "node level 3 index 2", "ab", "cd")
    assert found.message == "first disagreement: node level 3 index 2: expected ab, got cd"
    assert found.to_dict() == {"kind": NODE, "where": "node level 3 index 2", "expected": "ab", "got": "cd",
                               "message": found.message}


@pytest.mark.parametrize(("size", "count"), [(0, 0), (1, 1), (2, 3), (3, 4), (7, 11), (8, 15), (300, 596)])
def test_expected_node_count(size, count):
    assert expected_node_count(size) == count


# --- the checker over rows held in memory (the database adapter feeds it the same shapes) ----------


@pytest.fixture(scope="module")
def log_key() -> tuple[NoteSigner, NoteVerifier]:
    skey, vkey = generate_note_key(ORIGIN)
    return NoteSigner.from_skey(skey), NoteVerifier.from_vkey(vkey)


class StoredLog:
    """The three tables of a 40-leaf log signed at sizes 0, 5, 16 and 40, as plain Python rows."""

    SIZE = 40
    CHECKPOINT_SIZES = (0, 5, 16, 40)

    def __init__(self, signer: NoteSigner) -> None:
        tree = MemoryNodes(leaves(self.SIZE))
        self.entries = {i: (i, leaf_hash(leaf), leaf) for i, leaf in enumerate(leaves(self.SIZE))}
        self.nodes = {(level, i): tree.read_node(level, i) for level in range(6) for i in range(self.SIZE >> level)}
        self.checkpoints = {}
        for size in self.CHECKPOINT_SIZES:
            root = root_hash(size, tree.read_node)
            self.checkpoints[size] = (root, sign_checkpoint(Checkpoint(ORIGIN, size, root), signer))

    def check(self, verifier: NoteVerifier, chunk: int) -> LogChecker:
        """Feed the rows chunk by chunk as `registry.log_fsck.fsck_log` does."""
        checker = LogChecker(verifier, ORIGIN)
        ordered = [self.entries[i] for i in sorted(self.entries)]
        first, lowest = 0, 0
        for start in range(0, len(ordered), chunk):
            rows = ordered[start:start + chunk]
            end = first + len(rows)
            nodes = [[self.nodes.get((level, i)) for i in range(first >> level, end >> level)]
                     for level in range(end.bit_length()) if first >> level < end >> level]
            cps = {s: value for s, value in self.checkpoints.items() if lowest <= s <= end}
            if checker.check_entries(rows, nodes, cps):
                return checker
            first, lowest = end, end + 1
        size = checker.tree.size
        later = [(s, *value) for s, value in sorted(self.checkpoints.items()) if s >= lowest]
        extra = [(level, i, value) for (level, i), value in sorted(self.nodes.items()) if i >= size >> level]
        checker.check_end(later, extra)
        return checker


def _flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def _break_leaf(log):
    index, hashed, leaf = log.entries[9]
    log.entries[9] = (index, hashed, leaf + b"!")


def _break_leaf_hash(log):
    index, hashed, leaf = log.entries[9]
    log.entries[9] = (index, _flip(hashed), leaf)


def _other_signer_note(log):
    root, _ = log.checkpoints[16]
    skey, _ = generate_note_key(ORIGIN)
    log.checkpoints[16] = (root, sign_checkpoint(Checkpoint(ORIGIN, 16, root), NoteSigner.from_skey(skey)))


def _note_of_another_size(log):
    log.checkpoints[16] = (log.checkpoints[16][0], log.checkpoints[5][1])


CORRUPTIONS = [
    # (id, corrupt(log), kind, where)
    ("leaf-bytes", _break_leaf, LEAF_HASH, "entry 9 leaf_hash"),
    ("leaf-hash", _break_leaf_hash, LEAF_HASH, "entry 9 leaf_hash"),
    ("level-0-node", lambda log: log.nodes.update({(0, 9): _flip(log.nodes[0, 9])}), NODE, "node level 0 index 9"),
    ("level-3-node", lambda log: log.nodes.update({(3, 2): _flip(log.nodes[3, 2])}), NODE, "node level 3 index 2"),
    ("missing-node", lambda log: log.nodes.pop((2, 5)), MISSING_NODE, "node level 2 index 5"),
    # a node past the tree: level 0 index 40 does not exist in a 40-leaf tree
    ("extra-node", lambda log: log.nodes.update({(0, 40): bytes(32)}), EXTRA_NODE, "node level 0 index 40"),
    ("missing-entry", lambda log: log.entries.pop(20), ENTRY_INDEX, "entry 20"),
    # the last entry is gone, but checkpoint 40 signs it
    ("missing-last-entry", lambda log: log.entries.pop(39), ENTRY_INDEX, "entry 39"),
    ("checkpoint-root", lambda log: log.checkpoints.update({16: (bytes(32), log.checkpoints[16][1])}),
     CHECKPOINT_ROOT, "checkpoint size 16"),
    ("empty-checkpoint-root", lambda log: log.checkpoints.update({0: (bytes(32), log.checkpoints[0][1])}),
     CHECKPOINT_ROOT, "checkpoint size 0"),
    ("checkpoint-signer", _other_signer_note, CHECKPOINT_NOTE, "checkpoint size 16 note"),
    # a genuine note, but for size 5: it does not sign what the row claims
    ("checkpoint-note-size", _note_of_another_size, CHECKPOINT_NOTE, "checkpoint size 16 note"),
]


@pytest.mark.parametrize("chunk", [1, 7, 16, 1000], ids=lambda c: f"chunk-{c}")
def test_a_sound_log_checks_clean_at_any_chunk_size(log_key, chunk):
    signer, verifier = log_key
    checker = StoredLog(signer).check(verifier, chunk)
    assert checker.first_disagreement is None
    assert (checker.entries_checked, checker.nodes_checked, checker.checkpoints_checked) == (
        40, expected_node_count(40), 4)


@pytest.mark.parametrize("chunk", [3, 1000], ids=lambda c: f"chunk-{c}")
@pytest.mark.parametrize(("corrupt", "kind", "where"), [row[1:] for row in CORRUPTIONS],
                         ids=[row[0] for row in CORRUPTIONS])
def test_the_first_disagreement_is_named(log_key, chunk, corrupt, kind, where):
    signer, verifier = log_key
    log = StoredLog(signer)
    corrupt(log)
    found = log.check(verifier, chunk).first_disagreement
    assert found is not None
    assert (found.kind, found.where) == (kind, where), found.message


def test_only_the_earliest_of_two_disagreements_is_reported(log_key):
    signer, verifier = log_key
    log = StoredLog(signer)
    log.nodes[(0, 30)] = bytes(32)
    log.nodes[(1, 3)] = bytes(32)
    checker = log.check(verifier, 1000)
    assert checker.first_disagreement.where == "node level 1 index 3"
    assert checker.entries_checked == 7  # leaf 7 completes node (1, 3); nothing after it is checked


def test_module_docstring_example_runs():
    import doctest

    import registry.tlog.fsck as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
