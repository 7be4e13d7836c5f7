"""The registry's keys: a local C2PA PKI, its time-stamp authority, and the checkpoint key.

On first use they are created in `<data dir>/keys/` with mode 0600; a deployment can point the
settings at its own certificate chain and key (or a signing callback into an HSM or KMS) and its
own checkpoint key instead. :func:`rotate_signing_key` replaces the local signing leaf; manifests
signed by earlier leaves keep verifying (each carries its chain and a timestamp, see ADR 7).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from provenance.errors import ProvenanceError
from provenance.keys import CallbackSigning, SigningMaterial, create_local_pki, issue_signing_leaf, leaf_certificate
from provenance.timestamp import TimestampAuthority, create_tsa_certificate

from .errors import InvalidInputError
from .settings import Settings
from .tlog.note import NoteSigner, NoteVerifier, generate_note_key

ROOT_CERT = "c2pa-root.pem"
ROOT_KEY = "c2pa-root.key"
INTERMEDIATE_CERT = "c2pa-intermediate.pem"
INTERMEDIATE_KEY = "c2pa-intermediate.key"
SIGNING_CHAIN = "c2pa-signing-chain.pem"
SIGNING_KEY = "c2pa-signing.key"
TSA_CERT = "c2pa-tsa.pem"
TSA_KEY = "c2pa-tsa.key"
RETIRED = "retired"
LOG_KEY = "log-checkpoint.skey"
LOG_VKEY = "log-checkpoint.vkey"


@dataclass(frozen=True)
class KeyRing:
    signing: SigningMaterial | CallbackSigning
    trust_anchors_pem: bytes
    log_signer: NoteSigner
    log_verifier: NoteVerifier
    timestamp_authority: TimestampAuthority | None = None

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
    if not (key_dir / TSA_CERT).exists() and (key_dir / INTERMEDIATE_KEY).exists():
        cert, key = create_tsa_certificate((key_dir / INTERMEDIATE_CERT).read_bytes(),
                                           (key_dir / INTERMEDIATE_KEY).read_bytes(), settings.organisation)
        _write_private(key_dir / TSA_KEY, key)
        _write_private(key_dir / TSA_CERT, cert)  # last: its presence marks completion
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
    chain = _read(chain_path, "the signing chain")
    try:
        if settings.signing_callback:
            signing: SigningMaterial | CallbackSigning = CallbackSigning(
                chain_pem=chain, sign=_import_callable(settings.signing_callback), alg=settings.signing_alg)
        else:
            signing = SigningMaterial(chain_pem=chain, key_pem=_read(key_path, "the signing key"),
                                      alg=settings.signing_alg)
        tsa = None
        if settings.timestamp_authority == "local":
            intermediate = _read(key_dir / INTERMEDIATE_CERT, "the local intermediate certificate")
            tsa = TimestampAuthority(_read(key_dir / TSA_CERT, "the TSA certificate"),
                                     _read(key_dir / TSA_KEY, "the TSA key"), chain_pem=intermediate)
    except ProvenanceError as e:
        raise InvalidInputError(f"the signing keys are unusable: {e}") from e
    return KeyRing(
        signing=signing,
        trust_anchors_pem=anchors,
        log_signer=signer,
        log_verifier=NoteVerifier.from_vkey(signer.verifier_key()),
        timestamp_authority=tsa,
    )


def rotate_signing_key(settings: Settings, *, valid_days: int = 3650) -> dict[str, str]:
    """Replace the local signing leaf with a new one from the local intermediate.

    The old chain and key move to `keys/retired/<UTC time>-...` (kept, never reused). Manifests the
    old leaf signed keep verifying: they carry their own chain, the root anchor is unchanged, and
    their timestamps prove they were signed while the old leaf was valid."""
    if settings.signing_chain_path or settings.signing_key_path or settings.signing_callback:
        raise InvalidInputError("the signing key is the deployment's own (signing_chain_path / signing_callback): "
                                "rotate it with its CA and point the settings at the new chain")
    ensure_local_keys(settings)
    key_dir = settings.key_dir
    old = leaf_certificate((key_dir / SIGNING_CHAIN).read_bytes())
    chain, key = issue_signing_leaf(settings.organisation, (key_dir / INTERMEDIATE_CERT).read_bytes(),
                                    (key_dir / INTERMEDIATE_KEY).read_bytes(), valid_days=valid_days)
    retired = key_dir / RETIRED
    retired.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    # Keep copies of the old pair first, write the new pair beside it, then swap each in with one
    # rename: at no moment is a file missing (which would make the next start create a new PKI).
    for name in (SIGNING_KEY, SIGNING_CHAIN):
        _write_private(retired / f"{stamp}-{name}", (key_dir / name).read_bytes())
        (key_dir / f"{name}.new").unlink(missing_ok=True)
    _write_private(key_dir / f"{SIGNING_KEY}.new", key)
    _write_private(key_dir / f"{SIGNING_CHAIN}.new", chain)
    os.replace(key_dir / f"{SIGNING_KEY}.new", key_dir / SIGNING_KEY)
    os.replace(key_dir / f"{SIGNING_CHAIN}.new", key_dir / SIGNING_CHAIN)
    new = leaf_certificate(chain)
    return {"retired_serial": format(old.serial_number, "x"), "serial": format(new.serial_number, "x"),
            "not_after": new.not_valid_after_utc.isoformat(), "retired_to": str(retired)}


def _import_callable(spec: str):  # type: ignore[no-untyped-def]
    """`package.module:function` -> the function (the signing callback of an HSM or KMS)."""
    module_name, _, name = spec.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError) as e:
        raise InvalidInputError(f"signing_callback {spec!r} is not an importable 'module:function': {e}") from e
    if not callable(function):
        raise InvalidInputError(f"signing_callback {spec!r} is not callable")
    return function
