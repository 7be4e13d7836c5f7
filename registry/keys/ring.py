"""The key ring: the keys the settings name read, checked and made ready to sign; and rotation of the
local signing leaf."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from provenance.errors import ProvenanceError
from provenance.identity import identity_problem
from provenance.keys import CallbackSigning, SigningMaterial, issue_signing_leaf, leaf_certificate
from provenance.timestamp import TimestampAuthority

from ..errors import IntegrityError, InvalidInputError
from ..settings import Settings
from ..tlog.errors import LogError
from ..tlog.note import NoteSigner, NoteVerifier
from .files import (
    INTERMEDIATE_CERT,
    INTERMEDIATE_KEY,
    LOG_KEY,
    RETIRED,
    ROOT_CERT,
    SIGNING_CHAIN,
    SIGNING_KEY,
    TSA_CERT,
    TSA_KEY,
    read_key_file,
    write_private,
)
from .first_start import ensure_local_keys

_WHY_IT_MATTERS = {
    ROOT_CERT: "the trust anchor of every manifest the registry signed",
    SIGNING_CHAIN: "the certificate chain of the signing key",
    SIGNING_KEY: "the key that signs manifests",
    INTERMEDIATE_CERT: "the CA certificate of the time-stamp authority",
    LOG_KEY: "the key that signs the log's checkpoints; a new one would fork the log",
}


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


def _require_whole(settings: Settings) -> None:
    """Refuse, naming it, a local file load_keys is about to read that is missing or empty."""
    key_dir = settings.key_dir
    needed = [ROOT_CERT]
    needed += [] if settings.log_key_path or settings.log_key else [LOG_KEY]
    needed += [] if settings.signing_chain_path else [SIGNING_CHAIN]
    needed += [] if settings.signing_key_path or settings.signing_key_pem or settings.signing_callback else [SIGNING_KEY]
    needed += [INTERMEDIATE_CERT, TSA_CERT, TSA_KEY] if settings.timestamp_authority == "local" else []
    for name in needed:
        path = key_dir / name
        problem = "missing" if not path.is_file() else "empty" if path.stat().st_size == 0 else None
        if problem:
            why = _WHY_IT_MATTERS.get(name, "needed to sign")
            raise IntegrityError(f"{path} is {problem} ({why}): restore it from a backup of {key_dir}")


def load_keys(settings: Settings) -> KeyRing:
    """Read the keys named by the settings, creating the local defaults where none are configured."""
    ensure_local_keys(settings)
    _require_whole(settings)
    key_dir = settings.key_dir
    chain_path = settings.signing_chain_path or key_dir / SIGNING_CHAIN
    key_path = settings.signing_key_path or key_dir / SIGNING_KEY
    anchors = read_key_file(key_dir / ROOT_CERT, "the local root certificate")
    if settings.trust_anchors_path:
        anchors = anchors.rstrip(b"\n") + b"\n" + read_key_file(settings.trust_anchors_path, "trust anchors")
    log_key_path = settings.log_key_path or key_dir / LOG_KEY
    log_key_source = "AIGC_REGISTRY_LOG_KEY" if settings.log_key is not None else str(log_key_path)
    try:
        skey = settings.log_key.get_secret_value() if settings.log_key is not None else read_key_file(
            log_key_path, "the checkpoint key").decode()
        signer = NoteSigner.from_skey(skey.strip())
    except (LogError, ValueError) as e:
        raise IntegrityError(f"the checkpoint key at {log_key_source} is unusable: {e}") from e
    if signer.name != settings.log_origin:
        raise InvalidInputError(
            f"checkpoint key is named {signer.name!r}, expected the log origin {settings.log_origin!r}"
        )
    chain = read_key_file(chain_path, "the signing chain")
    try:
        if settings.signing_callback:
            signing: SigningMaterial | CallbackSigning = CallbackSigning(
                chain_pem=chain, sign=_import_callable(settings.signing_callback), alg=settings.signing_alg)
        else:
            key_pem = settings.signing_key_pem.get_secret_value().encode() if settings.signing_key_pem else \
                read_key_file(key_path, "the signing key")
            signing = SigningMaterial(chain_pem=chain, key_pem=key_pem, alg=settings.signing_alg)
        tsa = None
        if settings.timestamp_authority == "local":
            intermediate = read_key_file(key_dir / INTERMEDIATE_CERT, "the local intermediate certificate")
            tsa = TimestampAuthority(read_key_file(key_dir / TSA_CERT, "the TSA certificate"),
                                     read_key_file(key_dir / TSA_KEY, "the TSA key"), chain_pem=intermediate)
    except ProvenanceError as e:
        raise InvalidInputError(f"the signing keys are unusable: {e}") from e
    problem = identity_problem(chain, anchors, None if settings.signing_callback else signing.key_pem)
    if problem:
        raise IntegrityError(f"{problem}: the signing chain ({chain_path}), its key and the trust anchors "
                             f"({key_dir / ROOT_CERT}{', ' + str(settings.trust_anchors_path) if settings.trust_anchors_path else ''}) "
                             "must be one identity")
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
    if settings.signing_chain_path or settings.signing_key_path or settings.signing_key_pem or settings.signing_callback:
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
        write_private(retired / f"{stamp}-{name}", (key_dir / name).read_bytes())
        (key_dir / f"{name}.new").unlink(missing_ok=True)
    write_private(key_dir / f"{SIGNING_KEY}.new", key)
    write_private(key_dir / f"{SIGNING_CHAIN}.new", chain)
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
