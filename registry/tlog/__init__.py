"""The transparency log's pure math and formats: RFC 9162 Merkle proofs, C2SP signed notes,
checkpoints, tiles and tlog-proof receipts. No database and no web code here (``store.py``
persists the nodes).

>>> from registry.tlog import MemoryNodes, inclusion_proof, leaf_hash, verify_inclusion
>>> tree = MemoryNodes([b"a", b"b"])
>>> verify_inclusion(leaf_hash(b"a"), 0, 2, inclusion_proof(0, 2, tree.read_node), tree.root_hash())
"""

from registry.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from registry.tlog.errors import CheckpointError, LogError, NoteError, ProofError, ReceiptError, TileError
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import (
    EMPTY_ROOT,
    NodeReader,
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
from registry.tlog.note import Note, NoteSigner, NoteVerifier, generate_note_key, open_note, sign_note
from registry.tlog.receipt import Receipt, verify_receipt, verify_receipt_leaf_hash
from registry.tlog.tiles import (
    TILE_WIDTH,
    TilePath,
    entry_bundle,
    format_tile_path,
    parse_entry_bundle,
    parse_tile_path,
    tile_hashes,
    tile_paths_for_size,
)

__all__ = [
    "EMPTY_ROOT", "TILE_WIDTH", "Checkpoint", "CheckpointError", "LogError", "MemoryNodes", "NodeReader",
    "Note", "NoteError", "NoteSigner", "NoteVerifier", "ProofError", "Receipt", "ReceiptError", "TileError",
    "TilePath", "consistency_proof", "entry_bundle", "format_tile_path", "generate_note_key", "inclusion_proof",
    "leaf_hash", "node_hash", "nodes_for_append", "open_checkpoint", "open_note", "parse_entry_bundle",
    "parse_tile_path", "root_hash", "sign_checkpoint", "sign_note", "subtree_hash", "tile_hashes",
    "tile_paths_for_size", "verify_consistency", "verify_inclusion", "verify_receipt", "verify_receipt_leaf_hash",
]
