"""Checkpoints (c2sp.org/tlog-checkpoint): valid by construction, parsed strictly, origin-checked."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from registry.tlog.errors import CheckpointError, NoteError
from registry.tlog.merkle import EMPTY_ROOT, leaf_hash
from registry.tlog.note import NoteSigner

LOG = NoteSigner("example.com/log", Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
OTHER = NoteSigner("example.com/log", Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))
ROOT = leaf_hash(b"root")
ROOT_B64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    "checkpoint, text",
    [
        pytest.param(Checkpoint("example.com/log", 0, EMPTY_ROOT), "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", id="empty-tree"),
        pytest.param(Checkpoint("example.com/log", 42, ROOT), f"example.com/log\n42\n{ROOT_B64}\n", id="plain"),
        pytest.param(Checkpoint("go.sum database tree", 7, ROOT, ("ext one", "ext two")), f"go.sum database tree\n7\n{ROOT_B64}\next one\next two\n", id="extensions"),
    ],
)
def test_text_round_trip(checkpoint: Checkpoint, text: str) -> None:
    assert checkpoint.to_note_text() == text
    assert Checkpoint.from_note_text(text) == checkpoint


def test_sign_and_open_with_origin() -> None:
    checkpoint = Checkpoint("example.com/log", 5, ROOT)
    assert open_checkpoint(sign_checkpoint(checkpoint, LOG), LOG.verifier(), origin="example.com/log") == checkpoint


def test_other_origin_is_rejected() -> None:
    signed = sign_checkpoint(Checkpoint("example.com/log", 5, ROOT), LOG)
    with pytest.raises(CheckpointError, match="expected checkpoint origin 'example.com/other', got 'example.com/log'"):
        open_checkpoint(signed, LOG.verifier(), origin="example.com/other")


def test_other_key_is_rejected() -> None:
    signed = sign_checkpoint(Checkpoint("example.com/log", 5, ROOT), LOG)
    with pytest.raises(NoteError, match="expected a signature from a known key"):
        open_checkpoint(signed, OTHER.verifier())


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param(f"example.com/log\n5\n{ROOT_B64}", "ending in a newline", id="no-final-newline"),
        pytest.param("example.com/log\n5\n", "expected at least 3 lines", id="two-lines"),
        pytest.param(f"\n5\n{ROOT_B64}\n", "expected a non-empty origin", id="empty-origin"),
        pytest.param(f"example.com/log\n05\n{ROOT_B64}\n", "no leading zeros, got '05'", id="leading-zero"),
        pytest.param(f"example.com/log\n-5\n{ROOT_B64}\n", "decimal tree size", id="negative"),
        pytest.param(f"example.com/log\n+5\n{ROOT_B64}\n", "decimal tree size", id="plus-sign"),
        pytest.param(f"example.com/log\n 5\n{ROOT_B64}\n", "decimal tree size", id="space"),
        pytest.param(f"example.com/log\n\n{ROOT_B64}\n", "decimal tree size", id="empty-size"),
        pytest.param(f"example.com/log\n\u0665\n{ROOT_B64}\n", "decimal tree size", id="arabic-digit"),
        pytest.param(f"example.com/log\n{2**64}\n{ROOT_B64}\n", "expected a tree size in 0..2\\*\\*64-1", id="size-too-large"),
        pytest.param(f"example.com/log\n5\n{ROOT_B64[:-4]}\n", "expected a root hash of 32 bytes", id="short-root"),
        pytest.param(f"example.com/log\n5\n{ROOT_B64.rstrip('=')}\n", "expected a base64 root hash", id="unpadded-root"),
        pytest.param(f"example.com/log\n5\n{ROOT.hex()}\n", "expected a", id="hex-root"),
        pytest.param(f"example.com/log\n5\n{ROOT_B64}\n\n", "expected a non-empty extension line", id="empty-extension"),
        pytest.param(f"example.com/log\n5\n{ROOT_B64}\n\tx\n", "no newline or control character", id="control-character"),
    ],
)
def test_malformed_bodies_are_rejected(text: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        Checkpoint.from_note_text(text)


@pytest.mark.parametrize(
    "fields, message",
    [
        pytest.param(("", 1, ROOT), "expected a non-empty origin", id="empty-origin"),
        pytest.param(("a\nb", 1, ROOT), "no newline", id="newline-in-origin"),
        pytest.param(("o", -1, ROOT), "expected a tree size", id="negative-size"),
        pytest.param(("o", True, ROOT), "expected a tree size", id="bool-size"),
        pytest.param(("o", 1, ROOT[:31]), "expected a root hash of 32 bytes, got 31 bytes", id="short-root"),
        pytest.param(("o", 1, ROOT.hex()), "expected a root hash of 32 bytes", id="text-root"),
        pytest.param(("o", 1, ROOT, ("",)), "expected a non-empty extension line", id="empty-extension"),
    ],
)
def test_invalid_checkpoints_cannot_exist(fields: tuple, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        Checkpoint(*fields)
