"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1): format, keys, and rejections."""

from __future__ import annotations

import base64
import doctest

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

import registry.tlog.cosignature as cosignature_module
from registry.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from registry.tlog.cosignature import (
    MAX_TIMESTAMP,
    Cosignature,
    CosignatureSigner,
    CosignatureVerifier,
    add_cosignatures,
    compute_cosignature_key_id,
    cosigned_message,
    generate_cosignature_key,
    open_cosignatures,
    parse_cosignature,
    verify_cosignatures,
)
from registry.tlog.errors import CheckpointError, NoteError
from registry.tlog.merkle import leaf_hash
from registry.tlog.note import NoteSigner, NoteVerifier, open_note

ORIGIN = "example.com/log"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
W1 = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.from_private_bytes(b"\x11" * 32))
W2 = CosignatureSigner("witness.example/w2", Ed25519PrivateKey.from_private_bytes(b"\x12" * 32))
W3 = CosignatureSigner("witness.example/w3", Ed25519PrivateKey.from_private_bytes(b"\x13" * 32))
CHECKPOINT = Checkpoint(ORIGIN, 5, leaf_hash(b"root"))
TEXT = CHECKPOINT.to_note_text()
OTHER_TEXT = Checkpoint(ORIGIN, 6, leaf_hash(b"other root")).to_note_text()
NOTE = sign_checkpoint(CHECKPOINT, LOG)
T = 1_700_000_000
EM_DASH = "\u2014"


def test_module_docstring_example_runs() -> None:
    result = doctest.testmod(cosignature_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# --- published vectors --------------------------------------------------------------------------
# c2sp.org/tlog-cosignature (C2SP/C2SP tlog-cosignature.md, CC BY 4.0), the example at the top and
# the "Ed25519 signed message" example. The spec publishes no witness key, so what can be checked
# is the framing and the signed message, not the signature itself.
SPEC_CHECKPOINT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_LOG_LINE = (
    f"{EM_DASH} example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8="
)
SPEC_WITNESS_LINE = (
    f"{EM_DASH} witness.example.com/w1 "
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
)
SPEC_SIGNED_MESSAGE = (
    "cosignature/v1\ntime 1679315147\n"
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
# transparency-dev/formats note/note_cosigv1_test.go (Apache-2.0): a real witness key of type 0x04
# (TestCoSigV1NewVerifier), a cosignature blob with its timestamp and a plain Ed25519 blob
# (TestCoSigV1Timestamp), a type-0x01 key and a key of an unknown type.
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
GO_COSIG_BLOB = "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
GO_ED25519_BLOB = "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY="
GO_TYPE_01_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
GO_UNKNOWN_TYPE_VKEY = "rekor.sigstore.dev+12345678+AwEB"


def test_spec_example_line_frames_key_id_timestamp_signature() -> None:
    cosignature = parse_cosignature(SPEC_WITNESS_LINE)
    assert (cosignature.name, cosignature.key_id, cosignature.timestamp) == ("witness.example.com/w1", 0x8D66CF3F, 1679315147)
    assert len(cosignature.signature) == 64
    assert cosignature.to_line() == SPEC_WITNESS_LINE + "\n"


def test_spec_signed_message_is_byte_exact() -> None:
    assert cosigned_message(SPEC_CHECKPOINT, 1679315147) == SPEC_SIGNED_MESSAGE.encode()


def test_spec_example_note_keeps_both_lines_and_a_log_key_ignores_the_cosignature() -> None:
    note = add_cosignatures(SPEC_CHECKPOINT + "\n" + SPEC_LOG_LINE + "\n", [SPEC_WITNESS_LINE])
    assert note == SPEC_CHECKPOINT + "\n" + SPEC_LOG_LINE + "\n" + SPEC_WITNESS_LINE + "\n"
    assert verify_cosignatures(note, [W1.verifier()], required=0) == []  # an unknown witness: ignored


def test_real_witness_key_id_is_computed_as_published() -> None:
    verifier = CosignatureVerifier.from_vkey(REMORA_VKEY)
    assert (verifier.name, verifier.key_id, verifier.to_vkey()) == ("remora.n621.de", 0xDA77ADE7, REMORA_VKEY)
    assert compute_cosignature_key_id(verifier.name, verifier.public_key_bytes) == 0xDA77ADE7


def test_go_cosignature_blob_timestamp() -> None:
    cosignature = parse_cosignature(f"{EM_DASH} any.example/w {GO_COSIG_BLOB}")
    assert (cosignature.key_id, cosignature.timestamp) == (0x646846B9, 1727964367)


@pytest.mark.parametrize(
    "vkey, message",
    [
        pytest.param(GO_TYPE_01_VKEY, "expected signature type 0x04 .* got 0x01: an Ed25519 note key", id="go-type-01"),
        pytest.param(GO_UNKNOWN_TYPE_VKEY, "expected signature type 0x04 .* got 0x03: an unknown key type", id="go-type-03"),
        pytest.param(REMORA_VKEY.replace("da77ade7", "00000000"), "expected key id da77ade7 .* got 00000000", id="zero-key-id"),
        pytest.param(REMORA_VKEY.replace("da77ade7", "NOT_HEX!"), "expected a key id of 8 hex digits", id="hex-key-id"),
        pytest.param("bananas.sigstore.dev+12344556", "expected a witness key <name>", id="two-parts"),
        pytest.param("remora.n621.de+da77ade7+THIS_IS_NOT_BASE64!", "expected the witness key as base64", id="bad-base64"),
        pytest.param("a b+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", "expected a witness name", id="space-in-name"),
        pytest.param("remora.n621.de+da77ade7+BOvN", "expected a 32-byte Ed25519 witness key, got 2 bytes", id="short-key"),
    ],
)
def test_bad_witness_keys_are_rejected(vkey: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        CosignatureVerifier.from_vkey(vkey)


# --- keys -------------------------------------------------------------------------------------


def test_generated_keys_round_trip_and_work_together() -> None:
    skey, vkey = generate_cosignature_key("witness.example/new")
    signer, verifier = CosignatureSigner.from_skey(skey), CosignatureVerifier.from_vkey(vkey)
    assert (signer.to_skey(), signer.verifier_key(), verifier.to_vkey()) == (skey, vkey, vkey)
    assert skey.startswith("PRIVATE+KEY+witness.example/new+") and base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    assert verifier.verify(TEXT, signer.cosign(TEXT, T)) == T
    assert "PRIVATE" not in repr(signer) and skey.split("+", 3)[3] not in repr(signer)  # the whole base64 (it may hold "+")


@pytest.mark.parametrize(
    "parse, key, message",
    [
        # a log key where a witness key belongs, and the reverse, are refused by type
        pytest.param(CosignatureVerifier.from_vkey, LOG.verifier_key(), "got 0x01: an Ed25519 note key", id="log-vkey-as-witness"),
        pytest.param(CosignatureSigner.from_skey, LOG.to_skey(), "got 0x01: an Ed25519 note key", id="log-skey-as-witness"),
        pytest.param(NoteVerifier.from_vkey, W1.verifier_key(), r"expected signature type 0x01 \(Ed25519\) .* got 0x04", id="witness-vkey-as-log"),
        pytest.param(NoteSigner.from_skey, W1.to_skey(), r"expected signature type 0x01 \(Ed25519\) .* got 0x04", id="witness-skey-as-log"),
        pytest.param(CosignatureSigner.from_skey, W1.verifier_key(), "expected a witness signer key PRIVATE", id="vkey-as-skey"),
        pytest.param(CosignatureSigner.from_skey, W1.to_skey().replace(f"{W1.key_id:08x}", "00000000"), "expected key id", id="skey-wrong-id"),
    ],
)
def test_keys_of_the_other_kind_are_rejected(parse, key: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        parse(key)


def test_key_id_commits_to_the_type_byte() -> None:
    # One Ed25519 key as a log key (0x01) and as a witness key (0x04): two key ids, so neither
    # signature can stand in for the other.
    private = Ed25519PrivateKey.from_private_bytes(b"\x42" * 32)
    as_log, as_witness = NoteSigner("example.com/both", private), CosignatureSigner("example.com/both", private)
    assert as_log.key_id != as_witness.key_id
    note = add_cosignatures(sign_checkpoint(CHECKPOINT, as_log), as_witness.cosign(TEXT, T))
    assert verify_cosignatures(sign_checkpoint(CHECKPOINT, as_log), [as_witness.verifier()], 0) == []
    with pytest.raises(NoteError, match="expected a signature from a known key"):
        open_note(sign_checkpoint(CHECKPOINT, LOG) + as_witness.cosign(TEXT, T), as_log.verifier())
    assert open_note(note, as_log.verifier()).verified_by == ["example.com/both"]
    assert verify_cosignatures(note, [as_witness.verifier()], 1) == ["example.com/both"]


# --- one cosignature --------------------------------------------------------------------------


def test_cosignature_line_layout() -> None:
    line = W1.cosign(TEXT, T)
    assert line.startswith(f"{EM_DASH} witness.example/w1 ") and line.endswith("\n") and line.count("\n") == 1
    payload = base64.b64decode(line.split(" ")[2])
    assert len(payload) == 4 + 8 + 64
    assert int.from_bytes(payload[:4], "big") == W1.key_id and int.from_bytes(payload[4:12], "big") == T
    # checked independently of the module: Ed25519 over "cosignature/v1\ntime T\n" + checkpoint text
    public = Ed25519PrivateKey.from_private_bytes(b"\x11" * 32).public_key()
    public.verify(payload[12:], f"cosignature/v1\ntime {T}\n{TEXT}".encode())


def _with_timestamp(line: str, timestamp: int) -> str:
    name, blob = line.rstrip("\n").split(" ")[1:]
    payload = base64.b64decode(blob)
    return f"{EM_DASH} {name} {base64.b64encode(payload[:4] + timestamp.to_bytes(8, 'big') + payload[12:]).decode()}"


def _forged(line: str) -> str:
    name, blob = line.rstrip("\n").split(" ")[1:]
    payload = base64.b64decode(blob)
    return f"{EM_DASH} {name} {base64.b64encode(payload[:12] + bytes(64)).decode()}"


GOOD = W1.cosign(TEXT, T)


@pytest.mark.parametrize(
    "text, line, message",
    [
        pytest.param(TEXT, _forged(GOOD), "expected a valid cosignature/v1 from witness.example/w1.* does not verify", id="forged"),
        pytest.param(TEXT, _with_timestamp(GOOD, T + 1), f"at time {T + 1}, got one that does not verify", id="replayed-new-time"),
        pytest.param(TEXT, _with_timestamp(GOOD, 0), "at time 0, got one that does not verify", id="replayed-time-zero"),
        pytest.param(OTHER_TEXT, GOOD, "does not verify", id="other-checkpoint"),
        pytest.param(TEXT + "extension\n", GOOD, "does not verify", id="added-extension-line"),
        pytest.param(TEXT, W2.cosign(TEXT, T), "expected a cosignature from witness.example/w1, got one from witness.example/w2", id="other-witness"),
        pytest.param(TEXT, CosignatureSigner(W1.name, Ed25519PrivateKey.from_private_bytes(b"\x99" * 32)).cosign(TEXT, T), "expected key id .* in the cosignature of witness.example/w1", id="same-name-other-key"),
        pytest.param(TEXT, f"{EM_DASH} {W1.name} " + NOTE.split(" ")[-1], "expected a cosignature/v1 of 76 bytes .* got 68 bytes", id="log-signature-as-cosignature"),
        pytest.param(TEXT, GOOD.replace(EM_DASH, "-"), "expected a signature line starting with an em dash", id="hyphen"),
        pytest.param(TEXT, GOOD[:-20], "expected a base64 signature", id="truncated"),
        pytest.param(TEXT, _with_timestamp(GOOD, 1 << 63), r"expected a cosignature timestamp in 0..2\*\*63-1", id="timestamp-beyond-2**63-1"),
    ],
)
def test_bad_cosignatures_say_what_failed(text: str, line: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        W1.verifier().verify(text, line)


@pytest.mark.parametrize("timestamp", [0, 1, T, MAX_TIMESTAMP], ids=["zero", "one", "now", "max"])
def test_timestamps_round_trip(timestamp: int) -> None:
    assert W1.verifier().verify(TEXT, W1.cosign(TEXT, timestamp)) == timestamp
    assert W1.verifier().verify(TEXT, W1.cosign(TEXT, timestamp).rstrip("\n")) == timestamp


@pytest.mark.parametrize("timestamp", [-1, MAX_TIMESTAMP + 1, True, 1.5, "1"], ids=["negative", "2**63", "bool", "float", "str"])
def test_bad_timestamps_cannot_be_signed(timestamp: object) -> None:
    with pytest.raises(NoteError, match="expected a cosignature timestamp"):
        W1.cosign(TEXT, timestamp)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [NOTE, "example.com/log\n5\n", "example.com/log\n05\n" + TEXT.split("\n")[2] + "\n", TEXT.rstrip("\n")],
    ids=["signed-note", "two-lines", "leading-zero", "no-final-newline"],
)
def test_only_checkpoint_texts_are_cosigned(text: str) -> None:
    with pytest.raises(CheckpointError):
        W1.cosign(text, T)


@given(
    origin=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30),
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    timestamp=st.integers(0, MAX_TIMESTAMP),
    flip=st.integers(0, 10_000),
)
def test_any_checkpoint_round_trips_and_any_changed_byte_fails(origin: str, size: int, root: bytes, timestamp: int, flip: int) -> None:
    text = Checkpoint(origin, size, root).to_note_text()
    line = W2.cosign(text, timestamp)
    assert W2.verifier().verify(text, line) == timestamp
    position = flip % (len(text) - 1)  # any character but the final newline
    changed = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1 :]
    with pytest.raises((NoteError, CheckpointError)):
        W2.verifier().verify(changed, line)


# --- cosigned notes ---------------------------------------------------------------------------


COSIGNED = add_cosignatures(NOTE, [W1.cosign(TEXT, T), W2.cosign(TEXT, T + 5)])


def test_log_signature_still_verifies_on_a_cosigned_note() -> None:
    note = open_note(COSIGNED, LOG.verifier())
    assert note.text == TEXT and note.verified_by == [ORIGIN]
    assert [s.name for s in note.signatures] == [ORIGIN, W1.name, W2.name]
    assert open_checkpoint(COSIGNED, LOG.verifier(), origin=ORIGIN) == CHECKPOINT


@pytest.mark.parametrize(
    "witnesses, required, names",
    [
        pytest.param([], 0, [], id="no-witness-keys"),
        pytest.param([W1, W2, W3], 0, [W1.name, W2.name], id="none-required"),
        pytest.param([W2], 1, [W2.name], id="one-of-one"),
        pytest.param([W3, W2, W1], 2, [W1.name, W2.name], id="two-of-three-in-note-order"),
        pytest.param([W1, W1, W2], 2, [W1.name, W2.name], id="repeated-key-counts-once"),
    ],
)
def test_verify_cosignatures_counts_known_witnesses(witnesses: list, required: int, names: list[str]) -> None:
    assert verify_cosignatures(COSIGNED, [w.verifier() for w in witnesses], required) == names


def test_open_cosignatures_returns_the_timestamps() -> None:
    found = open_cosignatures(COSIGNED, [W1.verifier(), W2.verifier()])
    assert [(c.name, c.key_id, c.timestamp) for c in found] == [(W1.name, W1.key_id, T), (W2.name, W2.key_id, T + 5)]
    assert all(isinstance(c, Cosignature) and len(c.signature) == 64 for c in found)


@pytest.mark.parametrize(
    "note, witnesses, required, message",
    [
        pytest.param(COSIGNED, [W1, W2, W3], 3, r"expected cosignatures from at least 3 of the witnesses \(witness.example/w1\+.*\), got 2 \(witness.example/w1, witness.example/w2\)", id="too-few"),
        pytest.param(NOTE, [W1], 1, r"got 0 \(none\)", id="no-cosignatures"),
        pytest.param(COSIGNED, [W1], 2, r"expected required cosignatures in 0..1 \(the witness keys given\), got 2", id="more-required-than-keys"),
        pytest.param(COSIGNED, [W1], -1, "expected required cosignatures in 0..1", id="negative-required"),
        pytest.param(NOTE + _forged(W1.cosign(TEXT, T)) + "\n", [W1], 0, "does not verify", id="forged-known-witness"),
        pytest.param(NOTE + W1.cosign(OTHER_TEXT, T), [W1], 0, "does not verify", id="cosignature-of-another-checkpoint"),
        pytest.param(NOTE.replace("\n\n", "\n"), [W1], 0, "expected a blank line", id="no-blank-line"),
    ],
)
def test_verify_cosignatures_failures(note: str, witnesses: list, required: int, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        verify_cosignatures(note, [w.verifier() for w in witnesses], required)


def test_add_cosignatures_accepts_a_witness_response_body_and_skips_repeats() -> None:
    body = W1.cosign(TEXT, T) + W2.cosign(TEXT, T + 5)  # a tlog-witness response: lines ending in newlines
    assert add_cosignatures(NOTE, body) == COSIGNED
    assert add_cosignatures(COSIGNED, [W1.cosign(TEXT, T).rstrip("\n")]) == COSIGNED
    assert add_cosignatures(NOTE, []) == NOTE


@pytest.mark.parametrize(
    "note, lines, message",
    [
        pytest.param(NOTE, ["- witness.example/w1 AAAA"], "expected a signature line starting with an em dash", id="hyphen"),
        pytest.param(NOTE, [f"{EM_DASH} witness.example/w1 !!!"], "expected a base64 signature", id="bad-base64"),
        pytest.param(NOTE, [f"{EM_DASH} two words AAAAAAAA"], "expected a base64 signature", id="space-in-name"),
        pytest.param(TEXT, [W1.cosign(TEXT, T)], "expected a blank line", id="unsigned-text"),
        pytest.param(NOTE, [W1.cosign(TEXT, t) for t in range(100)], "expected at most 100 signatures", id="too-many"),
        pytest.param(NOTE, [b"bytes"], "expected signature lines as text", id="bytes"),
    ],
)
def test_add_cosignatures_rejects_malformed_input(note: str, lines: list, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        add_cosignatures(note, lines)


def test_a_fresh_key_pair_never_verifies_another_witness_line() -> None:
    _, vkey = generate_cosignature_key(W1.name)
    assert verify_cosignatures(COSIGNED, [CosignatureVerifier.from_vkey(vkey)], 0) == []
