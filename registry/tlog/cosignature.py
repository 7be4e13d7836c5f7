"""Witness cosignatures of checkpoints, as in c2sp.org/tlog-cosignature (Ed25519 cosignature/v1).

A cosignature is one more signed-note line on the log's checkpoint:
``— <witness name> base64(key id || timestamp || signature)``, where the key id is
``SHA-256(name || 0x0A || 0x04 || public key)[:4]``, the timestamp is 8 bytes big-endian (POSIX
seconds) and the Ed25519 signature covers ``cosignature/v1\\ntime <timestamp>\\n`` followed by the
whole checkpoint text. Witness keys travel as ``<name>+<hex key id>+base64(0x04 || public key)``
(signer keys: ``PRIVATE+KEY+<name>+<hex key id>+base64(0x04 || seed)``). The log's own Ed25519
note signature (type 0x01) stays valid beside them: ``open_note`` ignores lines of unknown keys.

>>> from registry.tlog.checkpoint import Checkpoint, sign_checkpoint
>>> from registry.tlog.merkle import EMPTY_ROOT
>>> from registry.tlog.note import NoteSigner, NoteVerifier, generate_note_key, open_note
>>> log_skey, log_vkey = generate_note_key("example.com/log")
>>> checkpoint = Checkpoint("example.com/log", 0, EMPTY_ROOT)
>>> note = sign_checkpoint(checkpoint, NoteSigner.from_skey(log_skey))
>>> skey, vkey = generate_cosignature_key("witness.example/w1")
>>> line = CosignatureSigner.from_skey(skey).cosign(checkpoint.to_note_text(), 1679315147)
>>> cosigned = add_cosignatures(note, [line])
>>> verify_cosignatures(cosigned, [CosignatureVerifier.from_vkey(vkey)], required=1)
['witness.example/w1']
>>> open_note(cosigned, NoteVerifier.from_vkey(log_vkey)).verified_by
['example.com/log']
>>> CosignatureVerifier.from_vkey(vkey).verify(checkpoint.to_note_text(), line)
1679315147
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from registry.tlog._base64 import decode_base64, encode_base64
from registry.tlog.checkpoint import Checkpoint
from registry.tlog.errors import NoteError
from registry.tlog.note import (
    ALG_ED25519,
    ED25519_SIGNATURE_SIZE,
    KEY_ID_SIZE,
    MAX_SIGNATURES,
    SIGNATURE_LINE_PREFIX,
    _parse_hex_key_id,
    _require_key_name,
    decode_typed_key,
    format_signer_key,
    is_valid_key_name,
    parse_signer_key,
)

ALG_COSIGNATURE_V1 = 0x04
"""Signature type byte of Ed25519 cosignature/v1 keys (c2sp.org/tlog-cosignature "Format")."""
COSIGNATURE_HEADER = "cosignature/v1"
TIMESTAMP_SIZE = 8
MAX_TIMESTAMP = (1 << 63) - 1
"""The timestamp "MUST NOT exceed 2^63 - 1" (c2sp.org/tlog-cosignature "Format")."""
COSIGNATURE_SIZE = KEY_ID_SIZE + TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE

_KEY_TYPES = {ALG_ED25519: "an Ed25519 note key (a log key, not a witness key)"}


def compute_cosignature_key_id(name: str, public_key: bytes) -> int:
    """key ID = SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4], big-endian."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key).digest()
    return int.from_bytes(digest[:KEY_ID_SIZE], "big")


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` then the checkpoint text (tlog-cosignature
    "Ed25519 signed message"). The text must be a well-formed checkpoint (CheckpointError)."""
    _require_timestamp(timestamp)
    Checkpoint.from_note_text(checkpoint_text)
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{checkpoint_text}".encode("utf-8")


def _require_timestamp(timestamp: int) -> None:
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"expected a cosignature timestamp in 0..2**63-1 (POSIX seconds), got {timestamp!r}")


def _decode_witness_key(encoded: str, what: str) -> bytes:
    """Decode ``base64(0x04 || 32 bytes)`` into the 32 key bytes; name a log key for what it is."""
    return decode_typed_key(encoded, what, ALG_COSIGNATURE_V1, "cosignature/v1", _KEY_TYPES)


# --- one cosignature line ---------------------------------------------------------------------


class Cosignature(NamedTuple):
    """A parsed cosignature line: witness name, key id, timestamp, 64-byte Ed25519 signature."""

    name: str
    key_id: int
    timestamp: int
    signature: bytes

    def to_line(self) -> str:
        """``— <name> base64(key id || timestamp || signature)`` with its final newline."""
        payload = self.key_id.to_bytes(KEY_ID_SIZE, "big") + self.timestamp.to_bytes(TIMESTAMP_SIZE, "big")
        return f"{SIGNATURE_LINE_PREFIX}{self.name} {encode_base64(payload + self.signature)}\n"


def _split_signature_line(line: str) -> tuple[str, bytes]:
    """Name and payload of ``— <name> base64(payload)`` (one final newline allowed)."""
    if not isinstance(line, str):
        raise NoteError(f"expected a signature line as text, got {type(line).__name__}")
    body = line[:-1] if line.endswith("\n") else line
    if not body.startswith(SIGNATURE_LINE_PREFIX):
        raise NoteError(f"expected a signature line starting with an em dash and a space, got {body[:40]!r}")
    name, _, encoded = body[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
    if not is_valid_key_name(name):
        raise NoteError(f"expected a key name with no spaces or '+' in the signature line, got {name!r}")
    try:
        payload = decode_base64(encoded)
    except ValueError as error:
        raise NoteError(f"expected a base64 signature after the key name {name}, got {encoded[:40]!r}") from error
    if len(payload) <= KEY_ID_SIZE:
        raise NoteError(f"expected a key id and a signature (4+n bytes) from {name}, got {len(payload)} bytes")
    return name, payload


def parse_cosignature(line: str) -> Cosignature:
    """Parse the framing of a cosignature/v1 line (nothing is verified here)."""
    name, payload = _split_signature_line(line)
    if len(payload) != COSIGNATURE_SIZE:
        raise NoteError(
            f"expected a cosignature/v1 of {COSIGNATURE_SIZE} bytes (key id, timestamp, signature) from {name}, "
            f"got {len(payload)} bytes"
        )
    key_id = int.from_bytes(payload[:KEY_ID_SIZE], "big")
    timestamp = int.from_bytes(payload[KEY_ID_SIZE : KEY_ID_SIZE + TIMESTAMP_SIZE], "big")
    _require_timestamp(timestamp)
    return Cosignature(name, key_id, timestamp, payload[KEY_ID_SIZE + TIMESTAMP_SIZE :])


# --- keys -------------------------------------------------------------------------------------


class CosignatureVerifier:
    """A witness's Ed25519 public key with its name: checks cosignature/v1 lines."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        _require_key_name(name, "witness name")
        self._name = name
        self._public_key = public_key
        self._public_key_bytes = public_key.public_bytes_raw()
        self._key_id = compute_cosignature_key_id(name, self._public_key_bytes)

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """Parse ``<name>+<hex key id>+base64(0x04 || public key)``; the key id must match."""
        parts = vkey.split("+", 2) if isinstance(vkey, str) else []
        if len(parts) != 3:
            raise NoteError(f"expected a witness key <name>+<hex key id>+<base64 key>, got {vkey!r}")
        name, hex_id, encoded = parts
        _require_key_name(name, "witness name")
        claimed = _parse_hex_key_id(hex_id)
        verifier = cls(name, Ed25519PublicKey.from_public_bytes(_decode_witness_key(encoded, "witness key")))
        if verifier.key_id != claimed:
            raise NoteError(f"expected key id {verifier.key_id:08x} for the witness key of {name}, got {claimed:08x}")
        return verifier

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> int:
        return self._key_id

    @property
    def public_key_bytes(self) -> bytes:
        return self._public_key_bytes

    def to_vkey(self) -> str:
        encoded = encode_base64(bytes([ALG_COSIGNATURE_V1]) + self._public_key_bytes)
        return f"{self._name}+{self._key_id:08x}+{encoded}"

    def matches(self, cosignature: Cosignature) -> bool:
        """Whether the line names this witness (name and key id): only such lines are checked."""
        return cosignature.name == self._name and cosignature.key_id == self._key_id

    def verify(self, checkpoint_text: str, line: str) -> int:
        """Check this witness's cosignature ``line`` over ``checkpoint_text``; return its timestamp.

        Raises NoteError saying what failed: another witness or key id, a malformed line, or a
        signature that does not cover this checkpoint at the line's time (forged, made for another
        checkpoint, or with its timestamp changed). A text that is no checkpoint: CheckpointError.
        """
        cosignature = parse_cosignature(line)
        if cosignature.name != self._name:
            raise NoteError(f"expected a cosignature from {self._name}, got one from {cosignature.name}")
        if cosignature.key_id != self._key_id:
            raise NoteError(
                f"expected key id {self._key_id:08x} in the cosignature of {self._name}, got {cosignature.key_id:08x}"
            )
        message = cosigned_message(checkpoint_text, cosignature.timestamp)
        try:
            self._public_key.verify(cosignature.signature, message)
        except InvalidSignature:
            raise NoteError(
                f"expected a valid cosignature/v1 from {self._name}+{self._key_id:08x} over this checkpoint "
                f"at time {cosignature.timestamp}, got one that does not verify"
            ) from None
        return cosignature.timestamp

    def __repr__(self) -> str:
        return f"CosignatureVerifier({self.to_vkey()!r})"


class CosignatureSigner:
    """A witness's Ed25519 private key with its name: cosigns checkpoints. Never printed."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _require_key_name(name, "witness name")
        self._name = name
        self._private_key = private_key
        self._verifier = CosignatureVerifier(name, private_key.public_key())

    @classmethod
    def from_skey(cls, skey: str) -> CosignatureSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex key id>+base64(0x04 || seed)``; the key id must match."""
        name, claimed, private_key = parse_signer_key(skey, "witness signer key", ALG_COSIGNATURE_V1,
                                                      "cosignature/v1", _KEY_TYPES, "witness name")
        signer = cls(name, private_key)
        if signer.key_id != claimed:
            raise NoteError(f"expected key id {signer.key_id:08x} for the witness key of {name}, got {claimed:08x}")
        return signer

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> int:
        return self._verifier.key_id

    def to_skey(self) -> str:
        """The secret signer key string (keep it secret)."""
        return format_signer_key(self._name, self.key_id, ALG_COSIGNATURE_V1, self._private_key)

    def verifier(self) -> CosignatureVerifier:
        return self._verifier

    def verifier_key(self) -> str:
        """The public witness key string ``<name>+<hex key id>+base64(0x04 || public key)``."""
        return self._verifier.to_vkey()

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """The cosignature line (ending in a newline, as a tlog-witness response) at ``timestamp``."""
        signature = self._private_key.sign(cosigned_message(checkpoint_text, timestamp))
        return Cosignature(self._name, self.key_id, timestamp, signature).to_line()

    def __repr__(self) -> str:
        return f"CosignatureSigner(name={self._name!r}, key_id={self.key_id:08x})"


def generate_cosignature_key(name: str) -> tuple[str, str]:
    """A fresh witness key pair for ``name``, as ``(signer key, verifier key)`` strings."""
    signer = CosignatureSigner(name, Ed25519PrivateKey.generate())
    return signer.to_skey(), signer.verifier_key()


# --- cosigned notes ---------------------------------------------------------------------------


def _split_note(note: str) -> tuple[str, list[str]]:
    """Checkpoint text (with its final newline) and signature lines, split at the last blank line."""
    if not isinstance(note, str):
        raise NoteError(f"expected a signed note as text, got {type(note).__name__}")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("expected a blank line between the note text and its signatures, got none")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError(f"expected signature lines ending in a newline after the blank line, got {block[-40:]!r}")
    return text, block[:-1].split("\n")


def _as_lines(lines: str | Iterable[str]) -> list[str]:
    """Signature lines from a list, one line, or a tlog-witness response body of several lines."""
    items = [lines] if isinstance(lines, str) else list(lines)
    result: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise NoteError(f"expected signature lines as text, got {type(item).__name__}")
        body = item[:-1] if item.endswith("\n") else item
        result.extend(body.split("\n"))
    return result


def add_cosignatures(note: str, lines: str | Iterable[str]) -> str:
    """``note`` with the signature ``lines`` appended (lines already present are skipped).

    The lines are checked for form only; verify them with :func:`verify_cosignatures`.
    """
    _, existing = _split_note(note)
    added: list[str] = []
    for line in _as_lines(lines):
        _split_signature_line(line)
        if line not in existing and line not in added:
            added.append(line)
    if len(existing) + len(added) > MAX_SIGNATURES:
        raise NoteError(f"expected at most {MAX_SIGNATURES} signatures on a note, got {len(existing) + len(added)}")
    return note + "".join(line + "\n" for line in added)


def open_cosignatures(note: str, verifiers: Sequence[CosignatureVerifier], required: int = 0) -> list[Cosignature]:
    """The verified cosignatures of known witnesses on a signed checkpoint, one per witness.

    Lines of unknown keys (the log's own signature among them) are ignored; a known witness's
    line that does not verify rejects the note (NoteError), as a known key's bad signature does
    in c2sp.org/signed-note. Fewer than ``required`` verified witnesses is a NoteError too.
    """
    verifiers = list(verifiers)
    if not isinstance(required, int) or isinstance(required, bool) or not 0 <= required <= len(verifiers):
        raise NoteError(
            f"expected required cosignatures in 0..{len(verifiers)} (the witness keys given), got {required!r}"
        )
    text, lines = _split_note(note)
    known = {(verifier.name, verifier.key_id): verifier for verifier in verifiers}
    found: dict[tuple[str, int], Cosignature] = {}
    for line in lines:
        name, payload = _split_signature_line(line)
        key = (name, int.from_bytes(payload[:KEY_ID_SIZE], "big"))
        verifier = known.get(key)
        if verifier is None:
            continue
        timestamp = verifier.verify(text, line)
        found.setdefault(key, parse_cosignature(line)._replace(timestamp=timestamp))
    if len(found) < required:
        wanted = ", ".join(f"{name}+{key_id:08x}" for name, key_id in known)
        got = ", ".join(name for name, _ in found) or "none"
        raise NoteError(
            f"expected cosignatures from at least {required} of the witnesses ({wanted}), got {len(found)} ({got})"
        )
    return list(found.values())


def verify_cosignatures(note: str, verifiers: Sequence[CosignatureVerifier], required: int) -> list[str]:
    """Names of the witnesses whose cosignature on ``note`` verified; NoteError if fewer than ``required``."""
    return [cosignature.name for cosignature in open_cosignatures(note, verifiers, required)]
