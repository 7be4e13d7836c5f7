"""The transparency log as data: head, entries, inclusion and consistency proofs (for /api/v1/log).

Every size a proof is built for must be one the log has signed a checkpoint at or below the newest
checkpoint: a proof binds a root only together with its size, and both come from a signed note.
A size or an index beyond the newest checkpoint names a tree or an entry the log does not hold
(yet): NotFoundError, as a tile beyond the tree is (c2sp.org/tlog-tiles). A request that
contradicts itself (both or neither of index and leaf hash; old above new) is InvalidInputError.
"""

from __future__ import annotations

import base64
import json

from .errors import InvalidInputError, NotFoundError
from .models import LogCheckpoint
from .service import Registry
from .tlog.merkle import inclusion_proof


def _b64(values: list[bytes]) -> list[str]:
    return [base64.b64encode(v).decode() for v in values]


def _signed_size(registry: Registry, session, size: int | None) -> tuple[int, str | None]:  # type: ignore[no-untyped-def]
    latest = registry.log.latest_checkpoint(session)
    latest_size = latest.size if latest else 0
    if size is None:
        return latest_size, latest.note if latest else None
    if size > latest_size:
        raise NotFoundError(f"size {size} is beyond the log: expected at most {latest_size} (newest checkpoint)")
    row = session.get(LogCheckpoint, size)
    return size, row.note if row else None


def log_head(registry: Registry) -> dict:
    with registry.db.reading() as session:
        latest = registry.log.latest_checkpoint(session)
        return {"origin": registry.settings.log_origin, "size": latest.size if latest else 0,
                "root_hash": base64.b64encode(latest.root_hash).decode() if latest else None,
                "checkpoint": latest.note if latest else None, "key": registry.log_vkey}


def log_entry(registry: Registry, index: int) -> dict:
    with registry.db.reading() as session:
        entry = registry.log.entry(session, index)
        return {"index": index, "leaf_hash": base64.b64encode(entry.leaf_hash).decode(),
                "statement": json.loads(entry.leaf)}


def inclusion(registry: Registry, *, index: int | None = None, leaf_hash_hex: str | None = None,
              size: int | None = None) -> dict:
    """Inclusion proof of an entry (by index, or by leaf hash) in the tree of `size` (default: newest)."""
    if (index is None) == (leaf_hash_hex is None):
        raise InvalidInputError("give exactly one of index or leaf_hash")
    with registry.db.reading() as session:
        if leaf_hash_hex is not None:
            try:
                hashed = bytes.fromhex(leaf_hash_hex)
            except ValueError as e:
                raise InvalidInputError(f"leaf_hash must be 64 hex digits, got {leaf_hash_hex!r}") from e
            if len(hashed) != 32:
                raise InvalidInputError(f"leaf_hash must be 32 bytes (64 hex digits), got {len(hashed)} bytes")
            index = registry.log.index_of_leaf_hash(session, hashed)
            if index is None:
                raise NotFoundError(f"no log entry has leaf hash {leaf_hash_hex}")
        assert index is not None
        tree_size, note = _signed_size(registry, session, size)
        if index >= tree_size:
            raise NotFoundError(f"index {index} is not in a tree of size {tree_size}: expected an index below it")
        proof = inclusion_proof(index, tree_size, registry.log.reader(session))
        entry = registry.log.entry(session, index)
        return {"index": index, "tree_size": tree_size, "leaf_hash": base64.b64encode(entry.leaf_hash).decode(),
                "proof": _b64(proof), "checkpoint": note}


def consistency(registry: Registry, old_size: int, new_size: int | None = None) -> dict:
    if new_size is not None and old_size > new_size:
        raise InvalidInputError(f"old size {old_size} is larger than new size {new_size}")
    with registry.db.reading() as session:
        _signed_size(registry, session, old_size)  # an old size beyond the log is not there
        tree_size, note = _signed_size(registry, session, new_size)
        proof = [] if old_size in (0, tree_size) else registry.log.consistency(session, old_size, tree_size)
        return {"old_size": old_size, "new_size": tree_size, "proof": _b64(proof), "checkpoint": note}
