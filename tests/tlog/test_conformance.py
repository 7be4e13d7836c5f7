"""Every published conformance vector, one test id each (tests/assets/conformance/README.md)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from registry.tlog.checkpoint import Checkpoint, open_checkpoint
from registry.tlog.errors import NoteError, ProofError
from registry.tlog.memory import MemoryNodes
from registry.tlog.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from registry.tlog.note import NoteSigner, NoteVerifier, open_note, sign_note
from registry.tlog.tiles import TILE_WIDTH, format_tile_path, parse_tile_path, tile_paths_for_size

CONFORMANCE = Path(__file__).resolve().parent.parent / "assets" / "conformance"
MERKLE = json.loads((CONFORMANCE / "merkle-vectors.json").read_text(encoding="utf-8"))
NOTES = json.loads((CONFORMANCE / "signed-note-vectors.json").read_text(encoding="utf-8"))


def _b64(text: str | None) -> bytes:
    return base64.b64decode(text or "")


def _proof(vector: dict) -> list[bytes]:
    return [_b64(node) for node in vector.get("proof") or []]  # absent or null proof == empty list


def _vector_id(vector: dict) -> str:
    return vector["file"].removeprefix("testdata/").removesuffix(".json")


@pytest.fixture(scope="module")
def reference_tree() -> MemoryNodes:
    """The RFC 6962 8-leaf tree the transparency-dev probes are built on."""
    return MemoryNodes(bytes.fromhex(leaf) for leaf in MERKLE["reference_tree"]["leaf_inputs_hex"])


# --- transparency-dev/merkle probes ----------------------------------------------------------


@pytest.mark.parametrize("vector", MERKLE["inclusion"], ids=_vector_id)
def test_inclusion_probe_verdict(vector: dict) -> None:
    def verify() -> None:
        verify_inclusion(_b64(vector["leafHash"]), vector["leafIdx"], vector["treeSize"], _proof(vector), _b64(vector["root"]))

    if vector["wantErr"]:
        with pytest.raises(ProofError, match="expected"):
            verify()
    else:
        verify()


@pytest.mark.parametrize("vector", MERKLE["consistency"], ids=_vector_id)
def test_consistency_probe_verdict(vector: dict) -> None:
    def verify() -> None:
        verify_consistency(vector["size1"], vector["size2"], _b64(vector["root1"]), _b64(vector["root2"]), _proof(vector))

    if vector["wantErr"]:
        with pytest.raises(ProofError, match="expected"):
            verify()
    else:
        verify()


HAPPY_INCLUSION = [v for v in MERKLE["inclusion"] if v["desc"] == "happy path" and "/additional/" not in v["file"]]
HAPPY_CONSISTENCY = [v for v in MERKLE["consistency"] if v["desc"] == "happy path"]


@pytest.mark.parametrize("vector", HAPPY_INCLUSION, ids=_vector_id)
def test_inclusion_proof_built_from_reference_tree_equals_published_one(vector: dict, reference_tree: MemoryNodes) -> None:
    assert inclusion_proof(vector["leafIdx"], vector["treeSize"], reference_tree.read_node) == _proof(vector)
    assert root_hash(vector["treeSize"], reference_tree.read_node) == _b64(vector["root"])


@pytest.mark.parametrize("vector", HAPPY_CONSISTENCY, ids=_vector_id)
def test_consistency_proof_built_from_reference_tree_equals_published_one(vector: dict, reference_tree: MemoryNodes) -> None:
    assert consistency_proof(vector["size1"], vector["size2"], reference_tree.read_node) == _proof(vector)


@pytest.mark.parametrize("size", range(len(MERKLE["reference_tree"]["root_hashes_hex_by_size"])), ids=lambda n: f"size-{n}")
def test_reference_tree_root_at_every_size(size: int, reference_tree: MemoryNodes) -> None:
    expected = MERKLE["reference_tree"]["root_hashes_hex_by_size"][size]
    assert root_hash(size, reference_tree.read_node).hex() == expected


@pytest.mark.parametrize("level", range(len(MERKLE["reference_tree"]["node_hashes_hex_by_level"])), ids=lambda n: f"level-{n}")
def test_reference_tree_complete_nodes(level: int, reference_tree: MemoryNodes) -> None:
    expected = MERKLE["reference_tree"]["node_hashes_hex_by_level"][level]
    assert [reference_tree.read_node(level, index).hex() for index in range(len(expected))] == expected


# --- signed notes ----------------------------------------------------------------------------

NOTE_VECTORS = {vector["id"]: vector for vector in NOTES["notes"]}


def _note_text(vector: dict) -> str:
    return vector["note"] if "note" in vector else base64.b64decode(vector["note_b64"]).decode("utf-8")


@pytest.mark.parametrize(
    "vector_id, verified_by, unverified",
    [
        ("c2sp-example", ["example.com/foo"], []),
        ("go-peter", ["PeterNeumann"], []),
        ("go-enoch", ["EnochRoot"], ["PeterNeumann"]),  # Peter's line is kept, not verified
        ("sum.golang.org-real", ["sum.golang.org"], []),
        # "unknown" in the vectors: it does verify, so the C2SP checkpoint example is a real
        # sum.golang.org tree head whose origin line the spec renamed.
        ("c2sp-checkpoint-example-as-sumdb", ["sum.golang.org"], []),
    ],
)
def test_known_note_opens_with_its_key(vector_id: str, verified_by: list[str], unverified: list[str]) -> None:
    vector = NOTE_VECTORS[vector_id]
    note = open_note(_note_text(vector), [NoteVerifier.from_vkey(vector["vkey"])])
    assert note.verified_by == verified_by
    assert [s.name for s in note.signatures if s.name not in verified_by] == unverified
    assert _note_text(vector).startswith(note.text + "\n")


def test_tampered_note_is_rejected() -> None:
    vector = NOTE_VECTORS["go-enoch-tampered"]
    with pytest.raises(NoteError, match="EnochRoot"):
        open_note(vector["note"], [NoteVerifier.from_vkey(vector["vkey"])])


@pytest.mark.parametrize("vector", [v for v in NOTES["notes"] if "skey" in v], ids=lambda v: v["id"])
def test_resigning_reproduces_the_note_byte_for_byte(vector: dict) -> None:
    signer = NoteSigner.from_skey(vector["skey"])
    assert sign_note(vector["text"], [signer]) == vector["note"]
    assert signer.to_skey() == vector["skey"]
    assert signer.verifier_key() == vector["vkey"]


@pytest.mark.parametrize("vector", NOTES["notes"], ids=lambda v: v["id"])
def test_verifier_key_round_trips(vector: dict) -> None:
    assert NoteVerifier.from_vkey(vector["vkey"]).to_vkey() == vector["vkey"]


def test_real_sum_golang_org_checkpoint_opens_with_published_key() -> None:
    vector = NOTE_VECTORS["sum.golang.org-real"]
    checkpoint = open_checkpoint(_note_text(vector), NoteVerifier.from_vkey(vector["vkey"]), origin="go.sum database tree")
    assert (checkpoint.origin, checkpoint.size) == ("go.sum database tree", 65664258)


def test_go_tree_note_text_matches_our_checkpoint_text() -> None:
    vector = NOTES["go_tree_note"]
    checkpoint = Checkpoint("go.sum database tree", vector["size"], leaf_hash(vector["record"].encode()))
    assert checkpoint.to_note_text() == vector["text"]
    assert Checkpoint.from_note_text(vector["text"]) == checkpoint


# --- tlog-tiles ------------------------------------------------------------------------------


def test_tile_listing_for_size_70000_matches_spec() -> None:
    """The vector's `want`: how many full tiles per level, and each level's partial tile width."""
    tiles = NOTES["tiles"]
    found: dict[str, int] = {}
    for tile in tile_paths_for_size(tiles["size"]):
        if tile.width == TILE_WIDTH:
            found[f"level{tile.level}_full"] = found.get(f"level{tile.level}_full", 0) + 1
        else:
            assert f"level{tile.level}_partial" not in found, "one partial tile per level at most"
            found[f"level{tile.level}_partial"] = tile.width
    assert found == tiles["want"]


@pytest.mark.parametrize("path, fields", NOTES["tiles"]["path_examples"].items())
def test_tile_path_examples(path: str, fields: list[int]) -> None:
    level, index, width = fields
    expected_level = None if level == -1 else level  # -1 marks an entry bundle in the vectors
    assert tuple(parse_tile_path(path)) == (expected_level, index, width)
    assert format_tile_path(expected_level, index, width) == path
