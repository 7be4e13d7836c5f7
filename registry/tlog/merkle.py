"""Merkle tree hashing, inclusion proofs and consistency proofs, as in RFC 9162 section 2.

The tree is read through a ``NodeReader``: ``read_node(level, index)`` returns the hash of the
*complete* subtree at that level and index (level 0 index i is leaf hash i; level L index i
covers leaves ``[i * 2**L, (i + 1) * 2**L)``). Storage only ever has to keep complete nodes,
which :func:`nodes_for_append` yields as leaves arrive; every function here reads O(log n) of them.

>>> from registry.tlog.memory import MemoryNodes
>>> tree = MemoryNodes([b"apple", b"banana", b"cherry"])
>>> root = root_hash(tree.size, tree.read_node)
>>> proof = inclusion_proof(1, tree.size, tree.read_node)
>>> verify_inclusion(leaf_hash(b"banana"), 1, tree.size, proof, root)  # None: it verifies
>>> old_root = root_hash(2, tree.read_node)
>>> verify_consistency(2, 3, old_root, root, consistency_proof(2, 3, tree.read_node))
>>> verify_inclusion(leaf_hash(b"durian"), 1, tree.size, proof, root)
Traceback (most recent call last):
...
registry.tlog.errors.ProofError: expected the inclusion proof to lead to root ..., got ...
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from registry.tlog.errors import ProofError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeReader = Callable[[int, int], bytes]
"""``read_node(level, index) -> hash`` of the complete subtree at that level and index."""


# --- hashing (RFC 9162 2.1.1) ---------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """MTH of a one-leaf list: SHA-256(0x00 || data) (RFC 9162 2.1.1)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node hash: SHA-256(0x01 || left || right) (RFC 9162 2.1.1)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 2.1.1: the largest power of two with k < n <= 2k (needs n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _complete_subtree_level(start: int, end: int) -> int | None:
    """The level of ``[start, end)`` if it is a complete, aligned subtree, else None."""
    width = end - start
    if width & (width - 1) == 0 and start % width == 0:
        return width.bit_length() - 1
    return None


def subtree_hash(start: int, end: int, read_node: NodeReader) -> bytes:
    """MTH(D[start:end]) (RFC 9162 2.1.1), read from complete nodes where the range is one.

    Otherwise the range is split at the largest power of two strictly below its width. Ranges
    that start on a multiple of that power (every range a root or proof needs) cost O(log n)
    reads; an arbitrary unaligned range has no stored nodes and costs one read per leaf.
    """
    if not 0 <= start <= end:
        raise ProofError(f"expected 0 <= start <= end, got start {start}, end {end}")
    if start == end:
        return EMPTY_ROOT
    level = _complete_subtree_level(start, end)
    if level is not None:
        return read_node(level, start >> level)
    middle = start + _largest_power_of_two_below(end - start)
    return node_hash(subtree_hash(start, middle, read_node), subtree_hash(middle, end, read_node))


def root_hash(size: int, read_node: NodeReader) -> bytes:
    """The root of the tree of the first ``size`` leaves; EMPTY_ROOT for size 0 (RFC 9162 2.1.1)."""
    if size < 0:
        raise ProofError(f"expected a tree size >= 0, got {size}")
    return subtree_hash(0, size, read_node)


def nodes_for_append(size: int, new_leaf_hash: bytes, read_node: NodeReader) -> list[tuple[int, int, bytes]]:
    """The complete nodes ``(level, index, hash)`` that appear when leaf number ``size`` is appended.

    First the leaf itself at level 0, then each parent it completes, bottom up. Persisting these
    rows keeps every complete node available to ``read_node``.
    """
    if size < 0:
        raise ProofError(f"expected a tree size >= 0, got {size}")
    _require_hash("new leaf hash", new_leaf_hash)
    level, index, current = 0, size, new_leaf_hash
    created = [(level, index, current)]
    while index & 1:
        current = node_hash(read_node(level, index - 1), current)
        level, index = level + 1, index >> 1
        created.append((level, index, current))
    return created


# --- proofs (RFC 9162 2.1.3.1, 2.1.4.1) -----------------------------------------------------


def inclusion_proof(index: int, size: int, read_node: NodeReader) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 2.1.3.1): sibling hashes from the leaf up to the root."""
    if not 0 <= index < size:
        raise ProofError(f"cannot build an inclusion proof: expected 0 <= index < size, got index {index}, size {size}")
    return _inclusion_path(index, 0, size, read_node)


def _inclusion_path(index: int, start: int, end: int, read_node: NodeReader) -> list[bytes]:
    """PATH(index - start, D[start:end]), recursing into the half that holds the leaf."""
    if end - start == 1:
        return []
    middle = start + _largest_power_of_two_below(end - start)
    if index < middle:
        return _inclusion_path(index, start, middle, read_node) + [subtree_hash(middle, end, read_node)]
    return _inclusion_path(index, middle, end, read_node) + [subtree_hash(start, middle, read_node)]


def consistency_proof(old_size: int, new_size: int, read_node: NodeReader) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) (RFC 9162 2.1.4.1); empty when the sizes are equal.

    A proof from the empty tree proves nothing (every tree extends it), so old_size 0 is refused
    unless new_size is 0 too.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(
            f"cannot build a consistency proof: expected 0 <= old_size <= new_size, got {old_size} and {new_size}"
        )
    if old_size == new_size:
        return []
    if old_size == 0:
        raise ProofError("cannot build a consistency proof from the empty tree: expected old_size > 0, got 0")
    return _subproof(old_size, 0, new_size, True, read_node)


def _subproof(old_size: int, start: int, end: int, is_whole_old_tree: bool, read_node: NodeReader) -> list[bytes]:
    """SUBPROOF(old_size - start, D[start:end], b) of RFC 9162 2.1.4.1."""
    if old_size == end:
        return [] if is_whole_old_tree else [subtree_hash(start, end, read_node)]
    middle = start + _largest_power_of_two_below(end - start)
    if old_size <= middle:
        return _subproof(old_size, start, middle, is_whole_old_tree, read_node) + [subtree_hash(middle, end, read_node)]
    return _subproof(old_size, middle, end, False, read_node) + [subtree_hash(start, middle, read_node)]


# --- verification (RFC 9162 2.1.3.2, 2.1.4.2) -----------------------------------------------


def _hex(value: bytes) -> str:
    return bytes(value).hex() or "(empty)"


def _require_hash(what: str, value: bytes) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        got = f"{len(value)} bytes" if isinstance(value, (bytes, bytearray)) else type(value).__name__
        raise ProofError(f"expected {what} of {HASH_SIZE} bytes, got {got}")


def _require_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        _require_hash(f"proof hash {position}", value)


def _shift_until_odd_or_zero(fn: int, sn: int) -> tuple[int, int]:
    while fn & 1 == 0 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[0:size]) has: the inner part below the point where the paths
    to ``index`` and ``size - 1`` meet, plus one hash per left sibling on the right border."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(old_size: int, new_size: int) -> int:
    """How many hashes PROOF(old_size, D[0:new_size]) has, for 0 < old_size < new_size."""
    last = old_size - 1
    inner = (last ^ (new_size - 1)).bit_length()
    border = (last >> inner).bit_count()
    shift = (old_size & -old_size).bit_length() - 1
    seed = 0 if old_size == 1 << shift else 1
    return seed + inner - shift + border


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    RFC 9162 2.1.3.2. Returns None on success; raises ProofError saying what did not match.
    """
    if not 0 <= index < size:
        raise ProofError(f"expected a leaf index below the tree size, got index {index} for size {size}")
    _require_hash("leaf hash", leaf_hash)
    _require_proof_hashes(proof)
    want = inclusion_proof_length(index, size)
    if len(proof) != want:
        raise ProofError(
            f"expected {want} hashes in the inclusion proof for index {index} at size {size}, got {len(proof)}"
        )
    fn, sn, computed = index, size - 1, bytes(leaf_hash)
    for sibling in proof:
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # unreachable after the length check; kept as the RFC's own final test
        raise ProofError(f"expected the inclusion proof to reach the root, got {sn} levels short")
    if computed != root:
        raise ProofError(f"expected the inclusion proof to lead to root {_hex(root)}, got {_hex(computed)}")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``old_size`` leaves with ``old_root`` is a prefix of the one of
    ``new_size`` leaves with ``new_root`` (RFC 9162 2.1.4.2). Returns None or raises ProofError.

    Edge cases: equal sizes need an empty proof and equal roots (size 0: both the empty-tree root);
    a proof from size 0 to a larger size is always refused, as it proves nothing.
    """
    if old_size < 0 or old_size > new_size:
        raise ProofError(f"expected 0 <= old size <= new size, got old size {old_size}, new size {new_size}")
    if old_size == new_size:
        _verify_same_tree(old_size, old_root, new_root, proof)
        return
    if old_size == 0:
        raise ProofError("expected an old size > 0: a consistency proof from the empty tree proves nothing, got 0")
    _require_proof_hashes(proof)
    want = consistency_proof_length(old_size, new_size)
    if len(proof) != want:
        raise ProofError(
            f"expected {want} hashes in the consistency proof from size {old_size} to {new_size}, got {len(proof)}"
        )
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_computed = new_computed = path[0]
    for node in path[1:]:
        if fn & 1 or fn == sn:
            old_computed = node_hash(node, old_computed)
            new_computed = node_hash(node, new_computed)
            fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            new_computed = node_hash(new_computed, node)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # unreachable after the length check; kept as the RFC's own final test
        raise ProofError(f"expected the consistency proof to reach the new root, got {sn} levels short")
    if old_computed != old_root:
        raise ProofError(
            f"expected the consistency proof to lead to old root {_hex(old_root)}, got {_hex(old_computed)}"
        )
    if new_computed != new_root:
        raise ProofError(
            f"expected the consistency proof to lead to new root {_hex(new_root)}, got {_hex(new_computed)}"
        )


def _verify_same_tree(size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Consistency of a tree with itself: no proof, one root (RFC 9162 2.1.4: PROOF(n, D[n]) is empty)."""
    if len(proof) != 0:
        raise ProofError(f"expected an empty consistency proof between equal sizes ({size}), got {len(proof)} hashes")
    if size == 0 and (old_root != EMPTY_ROOT or new_root != EMPTY_ROOT):
        raise ProofError(
            f"expected the empty-tree root {_hex(EMPTY_ROOT)} for size 0, got {_hex(old_root)} and {_hex(new_root)}"
        )
    if old_root != new_root:
        raise ProofError(f"expected equal roots for equal sizes ({size}), got {_hex(old_root)} and {_hex(new_root)}")
