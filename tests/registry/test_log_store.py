"""The database log: duplicate leaves keep their index; appends and proofs agree with the pure math."""

from __future__ import annotations

from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import root_hash


def test_a_duplicate_leaf_returns_its_existing_index(registry):
    with registry.db.writing() as session:
        first = registry.log.append(session, [b"alpha", b"beta", b"alpha"])
        registry.log.publish_checkpoint(session)
    with registry.db.writing() as session:
        again = registry.log.append(session, [b"gamma", b"beta"])
        registry.log.publish_checkpoint(session)
    assert first == [0, 1, 0] and again == [2, 1]
    with registry.db.reading() as session:
        assert registry.log.size(session) == 3
        registry.log.check_root(session)


def test_stored_tree_matches_the_in_memory_reference(registry):
    leaves = [f"leaf {n}".encode() for n in range(37)]
    for start in range(0, len(leaves), 10):
        with registry.db.writing() as session:
            registry.log.append(session, leaves[start : start + 10])
            registry.log.publish_checkpoint(session)
    reference = MemoryNodes(leaves)
    with registry.db.reading() as session:
        for size in (1, 10, 20, 37):
            assert root_hash(size, registry.log.reader(session)) == root_hash(size, reference.read_node)
        assert registry.log.latest_checkpoint(session).root_hash == reference.root_hash()
