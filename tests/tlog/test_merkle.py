"""RFC 9162 section 2 against a naive full-recompute reference, plus tampering and cost checks."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from registry.tlog.errors import LogError, ProofError
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    nodes_for_append,
    root_hash,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

# --- the naive reference: RFC 9162 2.1 read literally over the whole list of leaf hashes ------


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_root(hashes: list[bytes]) -> bytes:
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(naive_root(hashes[:k]), naive_root(hashes[k:]))


def naive_path(m: int, hashes: list[bytes]) -> list[bytes]:
    if len(hashes) == 1:
        return []
    k = _split(len(hashes))
    if m < k:
        return naive_path(m, hashes[:k]) + [naive_root(hashes[k:])]
    return naive_path(m - k, hashes[k:]) + [naive_root(hashes[:k])]


def naive_subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    if m == len(hashes):
        return [] if whole else [naive_root(hashes)]
    k = _split(len(hashes))
    if m <= k:
        return naive_subproof(m, hashes[:k], whole) + [naive_root(hashes[k:])]
    return naive_subproof(m - k, hashes[k:], False) + [naive_root(hashes[:k])]


def build(size: int) -> tuple[MemoryNodes, list[bytes]]:
    leaves = [f"leaf {i}".encode() for i in range(size)]
    return MemoryNodes(leaves), [leaf_hash(leaf) for leaf in leaves]


def flip_bit(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


sizes = st.integers(min_value=1, max_value=160)


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(size=sizes)
@example(size=1)
@example(size=128)
@example(size=160)
def test_every_inclusion_proof_matches_the_reference_and_verifies(size: int) -> None:
    tree, hashes = build(size)
    root = root_hash(size, tree.read_node)
    assert root == naive_root(hashes)
    for index in range(size):
        proof = inclusion_proof(index, size, tree.read_node)
        assert proof == naive_path(index, hashes)
        verify_inclusion(hashes[index], index, size, proof, root)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=2, max_value=160))
@example(size=129)
@example(size=160)
def test_every_older_root_is_consistent_with_the_newest(size: int) -> None:
    tree, hashes = build(size)
    new_root = root_hash(size, tree.read_node)
    for old_size in range(1, size + 1):
        proof = consistency_proof(old_size, size, tree.read_node)
        assert proof == (naive_subproof(old_size, hashes, True) if old_size < size else [])
        verify_consistency(old_size, size, root_hash(old_size, tree.read_node), new_root, proof)


def test_all_pairs_of_sizes_up_to_40_are_consistent() -> None:
    tree, _ = build(40)
    roots = [root_hash(n, tree.read_node) for n in range(41)]
    for new_size in range(1, 41):
        for old_size in range(1, new_size + 1):
            proof = consistency_proof(old_size, new_size, tree.read_node)
            verify_consistency(old_size, new_size, roots[old_size], roots[new_size], proof)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=sizes)
def test_tampered_inclusion_proofs_fail(data: st.DataObject, size: int) -> None:
    # Note: a claimed size is not always detectable on its own (leaf 0 of a 3-leaf tree has the
    # same path shape at size 4); a checkpoint binds size and root together for that reason.
    tree, hashes = build(size)
    root = root_hash(size, tree.read_node)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(index, size, tree.read_node)
    bit = data.draw(st.integers(0, 7), label="bit")
    tampered_cases = [
        (hashes[index], index, size, proof, flip_bit(root, bit)),  # other root
        (flip_bit(hashes[index], bit), index, size, proof, root),  # other leaf
        (hashes[index], index, size, [*proof, root], root),  # proof too long
    ]
    if size > 1:
        other_index = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other index")
        tampered_cases.append((hashes[index], other_index, size, proof, root))
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        changed = [*proof]
        changed[position] = flip_bit(changed[position], bit)
        tampered_cases.append((hashes[index], index, size, changed, root))
        tampered_cases.append((hashes[index], index, size, proof[:-1], root))  # proof too short
    for leaf, claimed_index, claimed_size, claimed_proof, claimed_root in tampered_cases:
        with pytest.raises(ProofError, match="expected"):
            verify_inclusion(leaf, claimed_index, claimed_size, claimed_proof, claimed_root)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(min_value=2, max_value=160))
def test_tampered_consistency_proofs_fail(data: st.DataObject, size: int) -> None:
    tree, _ = build(size)
    old_size = data.draw(st.integers(1, size - 1), label="old size")
    old_root, new_root = root_hash(old_size, tree.read_node), root_hash(size, tree.read_node)
    proof = consistency_proof(old_size, size, tree.read_node)
    position = data.draw(st.integers(0, len(proof) - 1), label="position")
    changed = [*proof]
    changed[position] = flip_bit(changed[position])
    tampered_cases = [
        (old_size, size, flip_bit(old_root), new_root, proof),
        (old_size, size, old_root, flip_bit(new_root), proof),
        (old_size, size, old_root, new_root, changed),
        (old_size, size, old_root, new_root, proof[:-1]),
        (old_size, size, old_root, new_root, [*proof, new_root]),
        (size, old_size, new_root, old_root, proof),
    ]
    if old_size > 1:
        tampered_cases.append((old_size - 1, size, old_root, new_root, proof))
    for case in tampered_cases:
        with pytest.raises(ProofError, match="expected"):
            verify_consistency(*case)


@settings(max_examples=30, deadline=None)
@given(size=st.integers(min_value=0, max_value=300))
def test_nodes_for_append_builds_the_reference_roots(size: int) -> None:
    nodes: dict[tuple[int, int], bytes] = {}
    hashes: list[bytes] = []
    for index in range(size):
        hashes.append(leaf_hash(index.to_bytes(4, "big")))
        created = nodes_for_append(index, hashes[-1], lambda level, i: nodes[(level, i)])
        assert created[0] == (0, index, hashes[-1])
        assert all((level, i) not in nodes for level, i, _ in created)
        nodes.update({(level, i): value for level, i, value in created})
        for level, i, value in created:
            assert value == naive_root(hashes[i << level : (i + 1) << level])
        assert root_hash(index + 1, lambda level, i: nodes[(level, i)]) == naive_root(hashes)
    # exactly the complete subtrees exist: 2*size - popcount(size) of them
    assert len(nodes) == 2 * size - size.bit_count()


# --- cost: O(log n) complete-node reads, never the leaves --------------------------------------


class CountingReader:
    """Pretends to hold every complete node of a huge tree and counts reads."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self, level: int, index: int) -> bytes:
        self.reads += 1
        return hashlib.sha256(f"{level}/{index}".encode()).digest()


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda read: root_hash(2**40 + 12345, read), id="root"),
        pytest.param(lambda read: inclusion_proof(2**39 + 777, 2**40 + 12345, read), id="inclusion"),
        pytest.param(lambda read: inclusion_proof(2**40 + 12344, 2**40 + 12345, read), id="inclusion-last-leaf"),
        pytest.param(lambda read: consistency_proof(2**38 + 3, 2**40 + 12345, read), id="consistency"),
        pytest.param(lambda read: subtree_hash(2**39, 2**40 + 12345, read), id="right-part"),
    ],
)
def test_reads_are_logarithmic(operation) -> None:  # type: ignore[no-untyped-def]
    reader = CountingReader()
    operation(reader)
    assert reader.reads <= 4 * 41


# --- edge cases and error messages -----------------------------------------------------------


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert root_hash(0, MemoryNodes().read_node) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda r: inclusion_proof(3, 3, r), "expected 0 <= index < size, got index 3, size 3", id="index-at-size"),
        pytest.param(lambda r: inclusion_proof(-1, 3, r), "expected 0 <= index < size", id="negative-index"),
        pytest.param(lambda r: inclusion_proof(0, 0, r), "expected 0 <= index < size", id="empty-tree"),
        pytest.param(lambda r: consistency_proof(4, 3, r), "expected 0 <= old_size <= new_size, got 4 and 3", id="shrinking"),
        pytest.param(lambda r: consistency_proof(0, 3, r), "from the empty tree", id="from-empty"),
        pytest.param(lambda r: root_hash(-1, r), "expected a tree size >= 0, got -1", id="negative-size"),
        pytest.param(lambda r: subtree_hash(2, 1, r), "expected 0 <= start <= end", id="reversed-range"),
        pytest.param(lambda r: nodes_for_append(3, b"short", r), "expected new leaf hash of 32 bytes, got 5 bytes", id="short-leaf"),
    ],
)
def test_bad_requests_say_what_was_expected(call, message: str) -> None:  # type: ignore[no-untyped-def]
    tree, _ = build(3)
    with pytest.raises(ProofError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(tree.read_node)


@pytest.mark.parametrize(
    "size, expected",
    [(0, []), (1, []), (2, [])],
    ids=["zero", "one", "two"],
)
def test_equal_sizes_need_no_proof(size: int, expected: list[bytes]) -> None:
    tree, _ = build(2)
    assert consistency_proof(size, size, tree.read_node) == expected
    verify_consistency(size, size, root_hash(size, tree.read_node), root_hash(size, tree.read_node), [])


def test_verify_inclusion_rejects_proof_hash_of_wrong_length() -> None:
    tree, hashes = build(4)
    proof = inclusion_proof(1, 4, tree.read_node)
    with pytest.raises(ProofError, match="expected proof hash 1 of 32 bytes, got 31 bytes"):
        verify_inclusion(hashes[1], 1, 4, [proof[0], proof[1][:31]], tree.root_hash())


def test_memory_nodes_reports_missing_nodes() -> None:
    with pytest.raises(LogError, match="expected a complete node at level 1, index 0, got none at tree size 1"):
        MemoryNodes([b"only"]).read_node(1, 0)


def test_memory_nodes_accepts_leaf_hashes() -> None:
    tree = MemoryNodes()
    assert tree.append_leaf_hash(leaf_hash(b"x")) == 0
    assert tree.append(b"y") == 1
    assert tree.root_hash() == node_hash(leaf_hash(b"x"), leaf_hash(b"y"))
    with pytest.raises(LogError, match="expected a leaf hash of 32 bytes, got 1 bytes"):
        tree.append_leaf_hash(b"x")
