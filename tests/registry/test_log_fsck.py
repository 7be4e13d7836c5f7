"""fsck of the log stored in the database (SQLite and PostgreSQL): clean when sound, else the first bad row."""

from __future__ import annotations

import base64
import doctest
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, insert, select, update

import registry.log_fsck as log_fsck_module
from registry.log_fsck import fsck_log
from registry.models import LogCheckpoint, LogEntry, LogNode
from registry.tlog.fsck import (
    CHECKPOINT_NOTE,
    CHECKPOINT_ROOT,
    ENTRY_INDEX,
    EXTRA_NODE,
    LEAF_HASH,
    MISSING_NODE,
    NODE,
    expected_node_count,
)
from registry.tlog.merkle import leaf_hash

BATCHES = (1, 5, 16, 7, 30)  # a checkpoint after each: sizes 1, 6, 22, 29, 59 (and 0, from Registry.open)
SIZE = sum(BATCHES)
CHECKPOINTS = 1 + len(BATCHES)


def fill(registry) -> None:  # type: ignore[no-untyped-def]
    appended = 0
    for batch in BATCHES:
        with registry.db.writing() as session:
            registry.log.append(session, [f"leaf {appended + i}".encode() for i in range(batch)])
            registry.log.publish_checkpoint(session)
        appended += batch


def corrupt(registry, statement) -> None:  # type: ignore[no-untyped-def]
    with registry.db.writing() as session:
        session.exec(statement)


def _flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def _row(registry, statement):  # type: ignore[no-untyped-def]
    with registry.db.reading() as session:
        return session.exec(statement).one()


def _node(level: int, index: int):  # type: ignore[no-untyped-def]
    return (LogNode.level == level) & (LogNode.index == index)


def break_leaf_bytes(registry) -> None:  # type: ignore[no-untyped-def]
    corrupt(registry, update(LogEntry).where(LogEntry.index == 10).values(leaf=b"leaf 10, edited"))


def break_leaf_hash(registry) -> None:  # type: ignore[no-untyped-def]
    corrupt(registry, update(LogEntry).where(LogEntry.index == 10).values(leaf_hash=_flip(leaf_hash(b"leaf 10"))))


def break_node(level: int, index: int):  # type: ignore[no-untyped-def]
    def run(registry) -> None:  # type: ignore[no-untyped-def]
        stored = _row(registry, select(LogNode.hash).where(_node(level, index)))[0]
        corrupt(registry, update(LogNode).where(_node(level, index)).values(hash=_flip(stored)))
    return run


def delete_node(registry) -> None:  # type: ignore[no-untyped-def]
    corrupt(registry, delete(LogNode).where(_node(2, 5)))


def add_node_past_the_tree(registry) -> None:  # type: ignore[no-untyped-def]
    corrupt(registry, insert(LogNode).values(level=1, index=SIZE // 2, hash=bytes(32)))


def delete_entry(index: int):  # type: ignore[no-untyped-def]
    def run(registry) -> None:  # type: ignore[no-untyped-def]
        corrupt(registry, delete(LogEntry).where(LogEntry.index == index))
    return run


def break_checkpoint_root(registry) -> None:  # type: ignore[no-untyped-def]
    corrupt(registry, update(LogCheckpoint).where(LogCheckpoint.size == 22).values(root_hash=bytes(32)))


def break_checkpoint_signature(registry) -> None:  # type: ignore[no-untyped-def]
    note = _row(registry, select(LogCheckpoint.note).where(LogCheckpoint.size == 22))[0]
    body, _, line = note.rstrip("\n").rpartition("\n")
    dash_and_name, _, signature = line.rpartition(" ")
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 1  # the last byte of the Ed25519 signature, after the 4-byte key id
    forged = f"{body}\n{dash_and_name} {base64.b64encode(bytes(raw)).decode()}\n"
    corrupt(registry, update(LogCheckpoint).where(LogCheckpoint.size == 22).values(note=forged))


def replay_older_note(registry) -> None:  # type: ignore[no-untyped-def]
    older = _row(registry, select(LogCheckpoint.note).where(LogCheckpoint.size == 6))[0]
    corrupt(registry, update(LogCheckpoint).where(LogCheckpoint.size == 22).values(note=older))


CORRUPTIONS = [
    # (id, corrupt(registry), kind, where)
    ("leaf-bytes", break_leaf_bytes, LEAF_HASH, "entry 10 leaf_hash"),
    ("stored-leaf-hash", break_leaf_hash, LEAF_HASH, "entry 10 leaf_hash"),
    ("level-0-node", break_node(0, 10), NODE, "node level 0 index 10"),
    # covers leaves 16..23: leaf 23 completes it
    ("level-3-node", break_node(3, 2), NODE, "node level 3 index 2"),
    ("deleted-node", delete_node, MISSING_NODE, "node level 2 index 5"),
    # level 1 index 29 would cover leaves 58 and 59; there is no leaf 59
    ("node-past-the-tree", add_node_past_the_tree, EXTRA_NODE, f"node level 1 index {SIZE // 2}"),
    ("checkpoint-root", break_checkpoint_root, CHECKPOINT_ROOT, "checkpoint size 22"),
    ("checkpoint-signature", break_checkpoint_signature, CHECKPOINT_NOTE, "checkpoint size 22 note"),
    # a genuine, older note stored as checkpoint 22: it signs size 6
    ("replayed-note", replay_older_note, CHECKPOINT_NOTE, "checkpoint size 22 note"),
    ("missing-entry", delete_entry(30), ENTRY_INDEX, "entry 30"),
    # an entry before the first one
    ("negative-index", lambda registry: corrupt(registry, insert(LogEntry).values(
        index=-1, leaf_hash=leaf_hash(b"early"), leaf=b"early", created_at=datetime.now(timezone.utc))),
     ENTRY_INDEX, "entry 0"),
    # the newest entry is gone, but checkpoint 59 signs it
    ("missing-last-entry", delete_entry(SIZE - 1), ENTRY_INDEX, f"entry {SIZE - 1}"),
]


def test_a_sound_log_checks_clean(registry):
    fill(registry)
    calls: list[tuple[int, int]] = []
    report = fsck_log(registry, progress=lambda done, total: calls.append((done, total)), chunk_size=8)
    assert report.ok, report.first_disagreement
    assert (report.entries_checked, report.nodes_checked, report.checkpoints_checked) == (
        SIZE, expected_node_count(SIZE), CHECKPOINTS)
    assert calls == [(min(done, SIZE), SIZE) for done in range(8, SIZE + 8, 8)]
    assert report.to_dict() | {"seconds": 0} == {
        "ok": True, "entries_checked": SIZE, "nodes_checked": expected_node_count(SIZE),
        "checkpoints_checked": CHECKPOINTS, "seconds": 0, "first_disagreement": None,
    }


def test_an_empty_log_checks_its_empty_checkpoint(registry):
    report = fsck_log(registry)
    assert report.ok and (report.entries_checked, report.checkpoints_checked) == (0, 1)


@pytest.mark.parametrize(("damage", "kind", "where"), [row[1:] for row in CORRUPTIONS],
                         ids=[row[0] for row in CORRUPTIONS])
def test_the_first_disagreement_is_named(registry, damage, kind, where):
    fill(registry)
    damage(registry)
    for chunk_size in (7, 50_000):
        report = fsck_log(registry, chunk_size=chunk_size)
        found = report.first_disagreement
        assert found is not None and (found.kind, found.where) == (kind, where), found
        assert found.message.startswith(f"first disagreement: {where}: expected ")
        assert report.to_dict()["first_disagreement"]["kind"] == kind


def test_a_damaged_leaf_says_what_it_should_hash_to(registry):
    fill(registry)
    break_leaf_bytes(registry)
    found = fsck_log(registry).first_disagreement
    assert found.expected == leaf_hash(b"leaf 10, edited").hex()  # recomputed from the entry
    assert found.got == leaf_hash(b"leaf 10").hex()  # what storage holds


def test_module_docstring_example_runs():
    result = doctest.testmod(log_fsck_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
