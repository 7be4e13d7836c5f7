"""Signed notes with Ed25519 keys, as in c2sp.org/signed-note (Go's golang.org/x/mod/sumdb/note).

A note is a text ending in a newline, a blank line, then one line per signature:
``— <key name> base64(4-byte key id || signature)`` (em dash U+2014). Keys travel as strings:
the verifier key ``<name>+<8 hex key id>+base64(0x01 || public key)`` and the signer key
``PRIVATE+KEY+<name>+<8 hex key id>+base64(0x01 || seed)``.

>>> skey, vkey = generate_note_key("example.com/log")
>>> signed = sign_note("hello\\n", [NoteSigner.from_skey(skey)])
>>> note = open_note(signed, [NoteVerifier.from_vkey(vkey)])
>>> note.text, note.verified_by
('hello\\n', ['example.com/log'])
>>> open_note(signed.replace("hello", "HELLO"), [NoteVerifier.from_vkey(vkey)])
Traceback (most recent call last):
...
registry.tlog.errors.NoteError: expected a valid signature from known key example.com/log+..., got one that ...
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from registry.tlog._base64 import decode_base64, encode_base64
from registry.tlog.errors import NoteError

ALG_ED25519 = 0x01
"""Signature type byte of Ed25519 notes (c2sp.org/signed-note, "Signature types")."""
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4
SIGNATURE_LINE_PREFIX = "\u2014 "
MAX_SIGNATURES = 100
"""The spec asks verifiers to accept at least 16 signatures; Go's note package stops at 100."""
MAX_NOTE_BYTES = 1 << 20

_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


# --- names and key ids (c2sp.org/signed-note "Signatures") -----------------------------------


def is_valid_key_name(name: str) -> bool:
    """A key name is non-empty with no Unicode spaces, no plus (U+002B) and no control characters."""
    return bool(name) and not any(ch.isspace() or ch == "+" or ord(ch) < 0x20 for ch in name)


def _require_key_name(name: str, what: str = "key name") -> None:
    if not isinstance(name, str) or not is_valid_key_name(name):
        raise NoteError(f"expected a {what} that is non-empty with no spaces or '+', got {name!r}")


def compute_key_id(name: str, public_key: bytes) -> int:
    """key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4], big-endian."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:KEY_ID_SIZE], "big")


def decode_typed_key(encoded: str, what: str, alg: int = ALG_ED25519, alg_label: str = "Ed25519",
                     wrong_types: Mapping[int, str] | None = None) -> bytes:
    """Decode ``base64(alg || 32 bytes)`` into the 32 key bytes. ``wrong_types`` names other type
    bytes a caller may mix up (a log key given where a witness key belongs, say)."""
    try:
        raw = decode_base64(encoded)
    except ValueError as error:
        raise NoteError(f"expected the {what} as base64(0x{alg:02x} || key), got {encoded!r}") from error
    if not raw:
        raise NoteError(f"expected the {what} as base64(0x{alg:02x} || key), got nothing")
    if raw[0] != alg:
        kind = "" if wrong_types is None else f": {wrong_types.get(raw[0], 'an unknown key type')}"
        raise NoteError(f"expected signature type 0x{alg:02x} ({alg_label}) in the {what}, got 0x{raw[0]:02x}{kind}")
    if len(raw) != 1 + ED25519_KEY_SIZE:
        raise NoteError(f"expected a {ED25519_KEY_SIZE}-byte Ed25519 {what}, got {len(raw) - 1} bytes")
    return raw[1:]


def parse_signer_key(skey: str, what: str, alg: int = ALG_ED25519, alg_label: str = "Ed25519",
                     wrong_types: Mapping[int, str] | None = None,
                     name_what: str = "key name") -> tuple[str, int, Ed25519PrivateKey]:
    """``PRIVATE+KEY+<name>+<hex key id>+base64(alg || seed)`` -> (name, claimed key id, key)."""
    parts = skey.split("+", 4) if isinstance(skey, str) else []
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise NoteError(f"expected a {what} PRIVATE+KEY+<name>+<hex key id>+<base64 seed>, got something else")
    _, _, name, hex_id, encoded = parts
    _require_key_name(name, name_what)
    claimed = _parse_hex_key_id(hex_id)
    seed = decode_typed_key(encoded, f"{what} seed", alg, alg_label, wrong_types)
    return name, claimed, Ed25519PrivateKey.from_private_bytes(seed)


def format_signer_key(name: str, key_id: int, alg: int, private_key: Ed25519PrivateKey) -> str:
    return f"PRIVATE+KEY+{name}+{key_id:08x}+{encode_base64(bytes([alg]) + private_key.private_bytes_raw())}"


def _parse_hex_key_id(text: str) -> int:
    if not _HEX_KEY_ID.fullmatch(text):
        raise NoteError(f"expected a key id of 8 hex digits, got {text!r}")
    return int(text, 16)


# --- keys -------------------------------------------------------------------------------------


class NoteVerifier:
    """An Ed25519 public key with its name: checks note signatures."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        _require_key_name(name)
        self._name = name
        self._public_key = public_key
        self._public_key_bytes = public_key.public_bytes_raw()
        self._key_id = compute_key_id(name, self._public_key_bytes)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex key id>+base64(0x01 || public key)``; the key id must match."""
        parts = vkey.split("+", 2) if isinstance(vkey, str) else []
        if len(parts) != 3:
            raise NoteError(f"expected a verifier key <name>+<hex key id>+<base64 key>, got {vkey!r}")
        name, hex_id, encoded = parts
        _require_key_name(name)
        claimed = _parse_hex_key_id(hex_id)
        public_key = decode_typed_key(encoded, "public key")
        verifier = cls(name, Ed25519PublicKey.from_public_bytes(public_key))
        if verifier.key_id != claimed:
            raise NoteError(f"expected key id {verifier.key_id:08x} for the key of {name}, got {claimed:08x}")
        return verifier

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> int:
        """The 32-bit key id (as an int; shown as 8 hex digits in keys)."""
        return self._key_id

    @property
    def public_key_bytes(self) -> bytes:
        return self._public_key_bytes

    def to_vkey(self) -> str:
        """The verifier key string ``<name>+<hex key id>+base64(0x01 || public key)``."""
        encoded = encode_base64(bytes([ALG_ED25519]) + self._public_key_bytes)
        return f"{self._name}+{self._key_id:08x}+{encoded}"

    def verify(self, text: str | bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key id prefix) is this key's signature of ``text``."""
        message = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            self._public_key.verify(bytes(signature), message)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"NoteVerifier({self.to_vkey()!r})"


class NoteSigner:
    """An Ed25519 private key with its name: signs notes. Never printed."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _require_key_name(name)
        self._name = name
        self._private_key = private_key
        self._verifier = NoteVerifier(name, private_key.public_key())

    @classmethod
    def from_skey(cls, skey: str) -> NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex key id>+base64(0x01 || seed)``; the key id must match."""
        name, claimed, private_key = parse_signer_key(skey, "signer key")
        signer = cls(name, private_key)
        if signer.key_id != claimed:
            raise NoteError(f"expected key id {signer.key_id:08x} for the key of {name}, got {claimed:08x}")
        return signer

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> int:
        return self._verifier.key_id

    def to_skey(self) -> str:
        """The secret signer key string (keep it secret)."""
        return format_signer_key(self._name, self.key_id, ALG_ED25519, self._private_key)

    def verifier(self) -> NoteVerifier:
        return self._verifier

    def verifier_key(self) -> str:
        """The public verifier key string matching this signer."""
        return self._verifier.to_vkey()

    def sign(self, message: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of ``message``."""
        return self._private_key.sign(message)

    def __repr__(self) -> str:
        return f"NoteSigner(name={self._name!r}, key_id={self.key_id:08x})"


def generate_note_key(name: str) -> tuple[str, str]:
    """A fresh Ed25519 key pair for ``name``, as ``(signer key, verifier key)`` strings."""
    signer = NoteSigner(name, Ed25519PrivateKey.generate())
    return signer.to_skey(), signer.verifier_key()


# --- notes (c2sp.org/signed-note "Format") ----------------------------------------------------


class NoteSignature(NamedTuple):
    """One signature line: key name, key id, and the signature bytes without the key id."""

    name: str
    key_id: int
    signature: bytes


@dataclass(frozen=True)
class Note:
    """An opened note: its text, every signature in order, and the names of the keys that verified."""

    text: str
    signatures: list[NoteSignature]
    verified_by: list[str]


def _require_note_characters(text: str, what: str) -> None:
    """Notes are UTF-8 with no ASCII control characters other than newline, of bounded size."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise NoteError(f"expected the {what} to be valid UTF-8, got {error.reason}") from error
    if size > MAX_NOTE_BYTES:
        raise NoteError(f"expected a {what} of at most {MAX_NOTE_BYTES} bytes, got {size}")
    for position, ch in enumerate(text):
        if ord(ch) < 0x20 and ch != "\n":
            raise NoteError(f"expected no control characters in the {what}, got {ch!r} at offset {position}")


def _as_list(items: object, kind: type) -> list:
    return [items] if isinstance(items, kind) else list(items)  # type: ignore[call-overload]


def sign_note(text: str, signers: NoteSigner | Iterable[NoteSigner]) -> str:
    """``text`` followed by a blank line and one signature line per signer."""
    if not text.endswith("\n"):
        raise NoteError(f"expected note text ending in a newline, got {text[-20:]!r}")
    _require_note_characters(text, "note text")
    signer_list = _as_list(signers, NoteSigner)
    if not signer_list:
        raise NoteError("expected at least one signer, got none")
    message = text.encode("utf-8")
    lines = []
    for signer in signer_list:
        payload = signer.key_id.to_bytes(KEY_ID_SIZE, "big") + signer.sign(message)
        lines.append(f"{SIGNATURE_LINE_PREFIX}{signer.name} {encode_base64(payload)}\n")
    return text + "\n" + "".join(lines)


def _parse_signature_line(line: str) -> NoteSignature:
    """``— <key name> base64(key id || signature)``."""
    if not line.startswith(SIGNATURE_LINE_PREFIX):
        raise NoteError(f"expected a signature line starting with an em dash and a space, got {line[:40]!r}")
    name, _, encoded = line[len(SIGNATURE_LINE_PREFIX) :].partition(" ")
    if not is_valid_key_name(name):
        raise NoteError(f"expected a key name with no spaces or '+' in the signature line, got {name!r}")
    try:
        payload = decode_base64(encoded)
    except ValueError as error:
        raise NoteError(f"expected a base64 signature after the key name {name}, got {encoded[:40]!r}") from error
    if len(payload) <= KEY_ID_SIZE:
        raise NoteError(f"expected a key id and a signature (4+n bytes) from {name}, got {len(payload)} bytes")
    return NoteSignature(name, int.from_bytes(payload[:KEY_ID_SIZE], "big"), payload[KEY_ID_SIZE:])


def _split_note(note: str) -> tuple[str, list[str]]:
    """Text (with its final newline) and signature lines, split at the last blank line."""
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("expected a blank line between the note text and its signatures, got none")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError(f"expected signature lines ending in a newline after the blank line, got {block[-40:]!r}")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"expected at most {MAX_SIGNATURES} signatures, got {len(lines)}")
    return text, lines


def _index_verifiers(verifiers: NoteVerifier | Iterable[NoteVerifier]) -> dict[tuple[str, int], NoteVerifier]:
    known: dict[tuple[str, int], NoteVerifier] = {}
    for verifier in _as_list(verifiers, NoteVerifier):
        key = (verifier.name, verifier.key_id)
        if key in known and known[key].public_key_bytes != verifier.public_key_bytes:
            raise NoteError(f"expected one key per name and key id, got two for {verifier.name}+{verifier.key_id:08x}")
        known[key] = verifier
    return known


def open_note(note: str | bytes, verifiers: NoteVerifier | Iterable[NoteVerifier]) -> Note:
    """Parse a signed note and verify the signatures of known keys (c2sp.org/signed-note).

    Signatures of unknown keys (name and key id not both known) are kept but not verified. A
    known key's bad signature rejects the note, and so does a note no known key signed.
    """
    if isinstance(note, (bytes, bytearray)):
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError as error:
            raise NoteError(f"expected a note in valid UTF-8, got {error.reason} at byte {error.start}") from error
    _require_note_characters(note, "note")
    text, lines = _split_note(note)
    known = _index_verifiers(verifiers)
    signatures: list[NoteSignature] = []
    verified_by: list[str] = []
    seen: set[tuple[str, int, bytes]] = set()
    for line in lines:
        signature = _parse_signature_line(line)
        verifier = known.get((signature.name, signature.key_id))
        # A known key counts once; an unknown key's line counts once per distinct signature.
        identity = (signature.name, signature.key_id, b"" if verifier else signature.signature)
        if identity in seen:
            continue  # repeated signature of the same key: ignored, as Go does
        seen.add(identity)
        signatures.append(signature)
        if verifier is None:
            continue
        if not verifier.verify(text, signature.signature):
            raise NoteError(
                f"expected a valid signature from known key {signature.name}+{signature.key_id:08x}, "
                "got one that does not verify over the note text"
            )
        verified_by.append(signature.name)
    if not verified_by:
        wanted = ", ".join(f"{name}+{key_id:08x}" for name, key_id in known) or "none given"
        found = ", ".join(f"{s.name}+{s.key_id:08x}" for s in signatures)
        raise NoteError(f"expected a signature from a known key ({wanted}), got signatures only from {found}")
    return Note(text=text, signatures=signatures, verified_by=verified_by)
