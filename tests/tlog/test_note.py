"""Signed notes (c2sp.org/signed-note): keys, signing, opening, and every way a note can be bad."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.tlog.errors import NoteError
from registry.tlog.note import (
    MAX_SIGNATURES,
    NoteSigner,
    NoteVerifier,
    compute_key_id,
    generate_note_key,
    open_note,
    sign_note,
)

# Go's x/mod sumdb/note test key (also in tests/assets/conformance/signed-note-vectors.json).
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
OTHER_ALGORITHM_KEY = base64.b64encode(b"\x02" + base64.b64decode(PETER_VKEY.split("+")[2])[1:]).decode()
TEXT = "a checkpoint-like text\nwith two lines\n"


def fixed_signer(name: str, seed_byte: int) -> NoteSigner:
    return NoteSigner(name, Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32))


ALICE = fixed_signer("alice.example/log", 1)
BOB = fixed_signer("bob.example/witness", 2)


def test_sign_and_open_round_trip() -> None:
    note = open_note(sign_note(TEXT, [ALICE, BOB]), [ALICE.verifier(), BOB.verifier()])
    assert note.text == TEXT
    assert note.verified_by == ["alice.example/log", "bob.example/witness"]
    assert [(s.name, s.key_id, len(s.signature)) for s in note.signatures] == [
        (ALICE.name, ALICE.key_id, 64),
        (BOB.name, BOB.key_id, 64),
    ]


def test_signature_lines_use_an_em_dash_and_the_key_id() -> None:
    signed = sign_note(TEXT, ALICE)
    line = signed.removeprefix(TEXT + "\n")
    assert line.startswith("\u2014 alice.example/log ") and line.endswith("\n")
    payload = base64.b64decode(line.split(" ")[2])
    assert int.from_bytes(payload[:4], "big") == ALICE.key_id


def test_generated_keys_work_together_and_round_trip() -> None:
    skey, vkey = generate_note_key("example.com/new")
    signer, verifier = NoteSigner.from_skey(skey), NoteVerifier.from_vkey(vkey)
    assert (signer.to_skey(), verifier.to_vkey(), signer.verifier_key()) == (skey, vkey, vkey)
    assert skey.startswith("PRIVATE+KEY+example.com/new+") and vkey.startswith("example.com/new+")
    assert open_note(sign_note(TEXT, signer), verifier).verified_by == ["example.com/new"]


def test_key_id_follows_the_spec_formula() -> None:
    verifier = NoteVerifier.from_vkey(PETER_VKEY)
    assert verifier.key_id == 0xC74F20A3 == compute_key_id("PeterNeumann", verifier.public_key_bytes)
    assert NoteSigner.from_skey(PETER_SKEY).key_id == verifier.key_id


def test_signer_never_shows_its_secret() -> None:
    assert "AYEKFALV" not in repr(NoteSigner.from_skey(PETER_SKEY))


def test_wrong_key_is_rejected() -> None:
    with pytest.raises(NoteError, match=r"expected a signature from a known key \(bob.example/witness\+"):
        open_note(sign_note(TEXT, ALICE), [BOB.verifier()])


def test_same_name_other_key_counts_as_unknown() -> None:
    impostor = fixed_signer("alice.example/log", 9)  # same name, other key id: must be ignored
    with pytest.raises(NoteError, match="got signatures only from alice.example/log"):
        open_note(sign_note(TEXT, impostor), [ALICE.verifier()])


def test_modified_text_is_rejected() -> None:
    signed = sign_note(TEXT, ALICE).replace("two lines", "2 lines")
    with pytest.raises(NoteError, match="does not verify over the note text"):
        open_note(signed, ALICE.verifier())


def test_unknown_signatures_are_kept_but_not_verified() -> None:
    signed = sign_note(TEXT, [BOB, ALICE])
    note = open_note(signed, [ALICE.verifier()])
    assert note.verified_by == [ALICE.name]
    assert [s.name for s in note.signatures] == [BOB.name, ALICE.name]


def test_repeated_signature_lines_count_once() -> None:
    signed = sign_note(TEXT, ALICE)
    line = signed.removeprefix(TEXT + "\n")
    note = open_note(signed + line, ALICE.verifier())
    assert note.verified_by == [ALICE.name] and len(note.signatures) == 1


def test_text_with_blank_lines_splits_at_the_last_one() -> None:
    text = "first paragraph\n\nsecond paragraph\n"
    assert open_note(sign_note(text, ALICE), ALICE.verifier()).text == text


def test_note_bytes_are_accepted() -> None:
    assert open_note(sign_note(TEXT, ALICE).encode(), ALICE.verifier()).text == TEXT


SIGNED = sign_note(TEXT, ALICE)
SIGNATURE_LINE = SIGNED.removeprefix(TEXT + "\n")
SIGNATURE_B64 = SIGNATURE_LINE.split(" ")[2].strip()


@pytest.mark.parametrize(
    "note, message",
    [
        pytest.param(TEXT, "expected a blank line", id="no-signature-block"),
        pytest.param(TEXT + "\n", "expected signature lines ending in a newline", id="blank-line-but-no-signatures"),
        pytest.param(SIGNED.rstrip("\n"), "expected signature lines ending in a newline", id="no-final-newline"),
        pytest.param(SIGNED.replace("\u2014 ", "- "), "starting with an em dash", id="hyphen-not-em-dash"),
        pytest.param(SIGNED.replace("\u2014 ", "\u2014"), "starting with an em dash", id="no-space-after-dash"),
        pytest.param(SIGNED.replace("alice.example/log", "alice+log"), "expected a key name", id="plus-in-name"),
        pytest.param(SIGNED.replace("alice.example/log ", " "), "expected a key name", id="empty-name"),
        pytest.param(SIGNED.replace(SIGNATURE_B64, SIGNATURE_B64.rstrip("=")), "expected a base64 signature", id="unpadded-base64"),
        pytest.param(SIGNED.replace(SIGNATURE_B64, "!!" + SIGNATURE_B64[2:]), "expected a base64 signature", id="bad-base64"),
        pytest.param(SIGNED.replace(SIGNATURE_B64, "AAAAAA=="), "expected a key id and a signature", id="too-short"),
        pytest.param(SIGNED.replace(SIGNATURE_B64, ""), "expected a key id and a signature", id="no-signature"),
        pytest.param(SIGNED.replace(SIGNATURE_LINE, SIGNATURE_LINE + "trailing junk\n"), "starting with an em dash", id="junk-line"),
        pytest.param(SIGNED.replace("with two", "with\ttwo"), "expected no control characters", id="tab-in-text"),
        pytest.param(SIGNED.replace("\n", "\r\n"), "expected no control characters", id="crlf"),
        pytest.param(TEXT + "\n" + SIGNATURE_LINE * (MAX_SIGNATURES + 1), f"expected at most {MAX_SIGNATURES} signatures", id="too-many-signatures"),
        pytest.param(SIGNED.encode()[:-3] + b"\xff\n", "expected a note in valid UTF-8", id="invalid-utf8"),
        pytest.param("x" * (1 << 20) + SIGNED, "expected a note of at most", id="too-large"),
    ],
)
def test_malformed_notes_are_rejected(note: str | bytes, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        open_note(note, ALICE.verifier())


@pytest.mark.parametrize(
    "vkey, message",
    [
        pytest.param("PeterNeumann+c74f20a3", "expected a verifier key", id="missing-key"),
        pytest.param("PeterNeumann", "expected a verifier key", id="name-only"),
        pytest.param("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "expected a key name", id="space-in-name"),
        pytest.param("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "expected a key name", id="empty-name"),
        pytest.param("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits", id="short-key-id"),
        pytest.param("PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits", id="non-hex-key-id"),
        pytest.param("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "expected key id c74f20a3", id="wrong-key-id"),
        pytest.param("PeterNeumann+c74f20a3+" + OTHER_ALGORITHM_KEY, "expected signature type 0x01", id="other-algorithm"),
        pytest.param("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy", "expected a 32-byte", id="short-key"),
        pytest.param("PeterNeumann+c74f20a3+!!!!", "expected the public key as base64", id="bad-base64"),
        pytest.param("PeterNeumann+c74f20a3+", "expected the public key", id="empty-key"),
    ],
)
def test_bad_verifier_keys_are_rejected(vkey: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        NoteVerifier.from_vkey(vkey)


@pytest.mark.parametrize(
    "skey, message",
    [
        pytest.param(PETER_VKEY, "expected a signer key", id="verifier-key"),
        pytest.param(PETER_SKEY.replace("PRIVATE+KEY", "PUBLIC+KEY"), "expected a signer key", id="not-private"),
        pytest.param(PETER_SKEY.replace("c74f20a3", "c74f20a4"), "expected key id c74f20a3", id="wrong-key-id"),
        pytest.param(PETER_SKEY.replace("c74f20a3", "c74f20"), "8 hex digits", id="short-key-id"),
        pytest.param(PETER_SKEY[:-4], "expected", id="truncated-seed"),
        pytest.param(PETER_SKEY.replace("+AYEK", "+AoEK"), "expected signature type 0x01", id="other-algorithm"),
    ],
)
def test_bad_signer_keys_are_rejected(skey: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        NoteSigner.from_skey(skey)


@pytest.mark.parametrize(
    "text, signers, message",
    [
        pytest.param("no final newline", [ALICE], "expected note text ending in a newline", id="no-newline"),
        pytest.param("tab\there\n", [ALICE], "expected no control characters", id="control-character"),
        pytest.param(TEXT, [], "expected at least one signer", id="no-signers"),
    ],
)
def test_sign_note_refuses_what_it_could_not_open(text: str, signers: list[NoteSigner], message: str) -> None:
    with pytest.raises(NoteError, match=message):
        sign_note(text, signers)


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\tname", "nbsp\u00a0name"])
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(NoteError, match="expected a key name"):
        fixed_signer(name, 3)


def test_two_different_keys_with_one_name_and_id_are_ambiguous() -> None:
    class Twin(NoteVerifier):
        @property
        def key_id(self) -> int:
            return ALICE.key_id

    twin = Twin(ALICE.name, Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32).public_key())
    with pytest.raises(NoteError, match="expected one key per name and key id"):
        open_note(SIGNED, [ALICE.verifier(), twin])
