"""The registry's keys: a local C2PA PKI and the Ed25519 key that signs log checkpoints.

On first use they are created in `<data dir>/keys/` with mode 0600; a deployment can point the
settings at its own certificate chain, key and checkpoint key instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from provenance.keys import SigningMaterial, create_local_pki

from .errors import InvalidInputError
from .settings import Settings
from .tlog.note import NoteSigner, NoteVerifier, generate_note_key

ROOT_CERT = "c2pa-root.pem"
ROOT_KEY = "c2pa-root.key"
INTERMEDIATE_CERT = "c2pa-intermediate.pem"
INTERMEDIATE_KEY = "c2pa-intermediate.key"
SIGNING_CHAIN = "c2pa-signing-chain.pem"
SIGNING_KEY = "c2pa-signing.key"
LOG_KEY = "log-checkpoint.skey"
LOG_VKEY = "log-checkpoint.vkey"


@dataclass(frozen=True)
class KeyRing:
    signing: SigningMaterial
    trust_anchors_pem: bytes
    log_signer: NoteSigner
    log_verifier: NoteVerifier

    @property
    def log_vkey(self) -> str:
        return self.log_signer.verifier_key()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InvalidInputError(f"cannot read {what} at {path}: {e.strerror}") from e


def ensure_local_keys(settings: Settings) -> None:
    """Create the local PKI and the checkpoint key if the key folder lacks them."""
    key_dir = settings.key_dir
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not (key_dir / SIGNING_CHAIN).exists():
        pki = create_local_pki(settings.organisation)
        for name, data in (
            (ROOT_CERT, pki.root_cert_pem),
            (ROOT_KEY, pki.root_key_pem),
            (INTERMEDIATE_CERT, pki.intermediate_cert_pem),
            (INTERMEDIATE_KEY, pki.intermediate_key_pem),
            (SIGNING_KEY, pki.leaf_key_pem),
            (SIGNING_CHAIN, pki.signing_material().chain_pem),  # last: its presence marks completion
        ):
            _write_private(key_dir / name, data)
    if not (key_dir / LOG_KEY).exists():
        skey, vkey = generate_note_key(settings.log_origin)
        _write_private(key_dir / LOG_VKEY, vkey.encode() + b"\n")
        _write_private(key_dir / LOG_KEY, skey.encode() + b"\n")


def load_keys(settings: Settings) -> KeyRing:
    """Read the keys named by the settings, creating the local defaults where none are configured."""
    ensure_local_keys(settings)
    key_dir = settings.key_dir
    chain_path = settings.signing_chain_path or key_dir / SIGNING_CHAIN
    key_path = settings.signing_key_path or key_dir / SIGNING_KEY
    anchors = _read(key_dir / ROOT_CERT, "the local root certificate")
    if settings.trust_anchors_path:
        anchors = anchors.rstrip(b"\n") + b"\n" + _read(settings.trust_anchors_path, "trust anchors")
    log_key_path = settings.log_key_path or key_dir / LOG_KEY
    signer = NoteSigner.from_skey(_read(log_key_path, "the checkpoint key").decode().strip())
    if signer.name != settings.log_origin:
        raise InvalidInputError(
            f"checkpoint key is named {signer.name!r}, expected the log origin {settings.log_origin!r}"
        )
    return KeyRing(
        signing=SigningMaterial(
            chain_pem=_read(chain_path, "the signing chain"), key_pem=_read(key_path, "the signing key")
        ),
        trust_anchors_pem=anchors,
        log_signer=signer,
        log_verifier=NoteVerifier.from_vkey(signer.verifier_key()),
    )
