"""The registry's keys: a local C2PA PKI, its time-stamp authority, and the checkpoint key.

On first use they are created in `<data dir>/keys/` with mode 0600; a deployment can point the
settings at its own certificate chain and key (or a signing callback into an HSM or KMS) and its
own checkpoint key instead. :func:`rotate_signing_key` replaces the local signing leaf; manifests
signed by earlier leaves keep verifying (each carries its chain and a timestamp, see ADR 7).

The first start is atomic, like the state files of Sunlight and Tessera: every file is written and
fsynced in `<data dir>/keys.tmp-*`, the marker `keys-complete` last, and the folder is renamed to
`keys/` in one step, so a crash leaves no keys folder or a whole one. A keys folder without the
marker was made by an older version, which could be killed half-way: what is missing is made again
only when nothing was signed with it yet (the database holds no checkpoint signed by the log key, no
entry signed under the PKI); otherwise opening stops with one line naming the missing file.

>>> import tempfile
>>> settings = Settings(data_dir=Path(tempfile.mkdtemp()))
>>> keys = load_keys(settings)
>>> sorted(p.name for p in settings.key_dir.iterdir())[:3]
['c2pa-intermediate.key', 'c2pa-intermediate.pem', 'c2pa-root.key']
>>> (settings.key_dir / KEYS_COMPLETE).is_file(), load_keys(settings).log_vkey == keys.log_vkey
(True, True)
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from provenance.errors import ProvenanceError
from provenance.keys import (
    CallbackSigning,
    SigningMaterial,
    create_local_pki,
    issue_signing_leaf,
    leaf_certificate,
)
from provenance.timestamp import TimestampAuthority, create_tsa_certificate

from .errors import IntegrityError, InvalidInputError
from .settings import Settings
from .tlog.errors import LogError
from .tlog.note import NoteSigner, NoteVerifier, generate_note_key

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: first starts are not serialised between processes
    fcntl = None  # type: ignore[assignment]

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
KEYS_COMPLETE = "keys-complete"  # written last: every file beside it is whole
KEYS_LOCK = "keys.lock"  # in the data folder: one process at a time creates or completes the keys
TEMP_FOLDER_PREFIX = "keys.tmp-"  # in the data folder: a keys folder being written
TEMP_FILE_SUFFIX = ".tmp"  # in the keys folder: `.<name>.<random>.tmp`, a file being written

#: The local PKI's files in the order they are made; the chain, last, marks it complete (as it did
#: before the marker existed). The two CA keys are only needed to issue certificates.
PKI_FILES = (ROOT_CERT, ROOT_KEY, INTERMEDIATE_CERT, INTERMEDIATE_KEY, SIGNING_KEY, SIGNING_CHAIN)
TSA_FILES = (TSA_KEY, TSA_CERT)
LOG_FILES = (LOG_VKEY, LOG_KEY)

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


def _write_private(path: Path, data: bytes) -> None:
    """Create `path` (mode 0600, never over an existing file) holding `data`, flushed to the disk."""
    _write_synced(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), data)


def _install(key_dir: Path, name: str, data: bytes) -> None:
    """Put `data` at `key_dir/name` with one rename: a reader sees the old file or the whole new one."""
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_FILE_SUFFIX, dir=key_dir)  # mode 0600
    _write_synced(fd, data)
    os.replace(temp, key_dir / name)
    _fsync_folder(key_dir)


def _write_synced(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InvalidInputError(f"cannot read {what} at {path}: {e.strerror}") from e


def _problem(path: Path) -> str | None:
    """None when the file at `path` is whole (it parses as what its name says), else what is wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError as e:
        return f"unreadable ({e.strerror})"
    if not data.strip():
        return "empty"
    try:
        if path.name == LOG_KEY:
            NoteSigner.from_skey(data.decode().strip())
        elif path.name == LOG_VKEY:
            NoteVerifier.from_vkey(data.decode().strip())
        elif path.suffix == ".pem":
            x509.load_pem_x509_certificates(data)
        elif path.suffix == ".key":
            serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, LogError):  # UnicodeDecodeError is a ValueError
        return "cut short or corrupt"
    return None


# -- first start -----------------------------------------------------------------------------


def ensure_local_keys(settings: Settings) -> None:
    """Create the local PKI, its TSA and the checkpoint key if the key folder lacks them.

    A new folder appears whole or not at all; an older version's half-written folder is completed
    when nothing was signed with it yet, and refused with an :class:`IntegrityError` otherwise."""
    key_dir = settings.key_dir
    if (key_dir / KEYS_COMPLETE).is_file() and not _derived_files_missing(key_dir) and not _leftovers(key_dir):
        return  # the usual start: nothing to write, no lock taken
    key_dir.parent.mkdir(parents=True, exist_ok=True)
    with _first_start_lock(key_dir.parent):
        _remove_leftovers(key_dir)
        if not key_dir.exists():
            _refuse_to_replace(settings, f"the keys folder {key_dir} does not exist", pki=True, log=True)
            _create_key_folder(settings)
        elif not (key_dir / KEYS_COMPLETE).is_file():
            _complete_unmarked_folder(settings)
        else:
            _complete_derived_files(key_dir, settings.organisation)


@contextmanager
def _first_start_lock(data_dir: Path) -> Iterator[None]:
    """Hold `<data dir>/keys.lock` exclusively (released by the kernel if the process dies)."""
    fd = os.open(data_dir / KEYS_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _leftovers(key_dir: Path) -> list[Path]:
    """What a crashed first start (or completion) was writing: a temporary folder or file."""
    folders = list(key_dir.parent.glob(f"{TEMP_FOLDER_PREFIX}*"))
    return folders + (list(key_dir.glob(f".*{TEMP_FILE_SUFFIX}")) if key_dir.is_dir() else [])


def _remove_leftovers(key_dir: Path) -> None:
    """Delete the leftovers of a crash: no one else writes them while we hold the lock."""
    for leftover in _leftovers(key_dir):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _create_key_folder(settings: Settings) -> None:
    """Write every key into a temporary folder beside `keys/`, then rename it into place at once."""
    key_dir = settings.key_dir
    files = _new_pki(settings.organisation) | _new_log_key(settings.log_origin)
    files |= _new_tsa(files[INTERMEDIATE_CERT], files[INTERMEDIATE_KEY], settings.organisation)
    files[KEYS_COMPLETE] = _marker()
    temp = Path(tempfile.mkdtemp(prefix=TEMP_FOLDER_PREFIX, dir=key_dir.parent))  # mode 0700
    for name, data in files.items():
        _write_private(temp / name, data)
    _fsync_folder(temp)
    os.rename(temp, key_dir)
    _fsync_folder(key_dir.parent)


def _complete_unmarked_folder(settings: Settings) -> None:
    """Complete a keys folder an older version made (perhaps killed half-way), the marker last.

    A broken part is set aside in `keys/discarded-<time>/` and made again, file by file, only when
    nothing was signed with it; the TSA pair and the verifier key are made again whenever needed."""
    key_dir = settings.key_dir
    own_signing_key = settings.signing_key_path is not None or settings.signing_callback is not None
    optional = {ROOT_KEY, INTERMEDIATE_KEY} | ({SIGNING_KEY} if own_signing_key else set())
    pki = {name: problem for name in PKI_FILES if (problem := _problem(key_dir / name))
           and not (problem == "missing" and name in optional)}
    log = {LOG_KEY: problem} if (problem := _problem(key_dir / LOG_KEY)) else {}
    if pki or log:
        broken = ", ".join(f"{name} is {problem}" for name, problem in (pki | log).items())
        _refuse_to_replace(settings, f"the keys folder {key_dir} is incomplete ({broken})",
                           pki=bool(pki), log=bool(log))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    if pki:
        _set_aside(key_dir, PKI_FILES + TSA_FILES, stamp)
        for name, data in _new_pki(settings.organisation).items():
            _install(key_dir, name, data)
    if log:
        _set_aside(key_dir, LOG_FILES, stamp)
        for name, data in _new_log_key(settings.log_origin).items():
            _install(key_dir, name, data)
    _complete_derived_files(key_dir, settings.organisation)
    _install(key_dir, KEYS_COMPLETE, _marker())


def _derived_files_missing(key_dir: Path) -> bool:
    """Whether a file that can always be made again (TSA pair, verifier key) is missing or empty."""
    return any(not (key_dir / name).is_file() or (key_dir / name).stat().st_size == 0
               for name in (*TSA_FILES, LOG_VKEY))


def _complete_derived_files(key_dir: Path, organisation: str) -> None:
    """Make the TSA pair again if it is not a whole pair issued by the intermediate, and the verifier
    key if it does not match the checkpoint key: neither is an identity anything depends on."""
    if _problem(key_dir / LOG_KEY) is None:
        vkey = NoteSigner.from_skey((key_dir / LOG_KEY).read_text().strip()).verifier_key().encode() + b"\n"
        if not (key_dir / LOG_VKEY).is_file() or (key_dir / LOG_VKEY).read_bytes() != vkey:
            _install(key_dir, LOG_VKEY, vkey)
    if _problem(key_dir / INTERMEDIATE_CERT) or _problem(key_dir / INTERMEDIATE_KEY):
        return  # nothing to issue it with: load_keys says so if the local TSA is wanted
    intermediate = (key_dir / INTERMEDIATE_CERT).read_bytes()
    if _tsa_pair_is_whole(key_dir, intermediate):
        return
    (key_dir / TSA_CERT).unlink(missing_ok=True)  # first: a pair is never a new key and an old cert
    for name, data in _new_tsa(intermediate, (key_dir / INTERMEDIATE_KEY).read_bytes(), organisation).items():
        _install(key_dir, name, data)


def _tsa_pair_is_whole(key_dir: Path, intermediate_pem: bytes) -> bool:
    if _problem(key_dir / TSA_CERT) or _problem(key_dir / TSA_KEY):
        return False
    cert = x509.load_pem_x509_certificate((key_dir / TSA_CERT).read_bytes())
    key = serialization.load_pem_private_key((key_dir / TSA_KEY).read_bytes(), password=None)
    try:
        cert.verify_directly_issued_by(x509.load_pem_x509_certificate(intermediate_pem))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return cert.public_key() == key.public_key()


def _set_aside(key_dir: Path, names: tuple[str, ...], stamp: str) -> None:
    """Move the files `names` into `keys/discarded-<stamp>/` (kept for the operator, never read)."""
    aside = key_dir / f"discarded-{stamp}"
    for name in names:
        if (key_dir / name).exists():
            aside.mkdir(mode=0o700, exist_ok=True)
            os.replace(key_dir / name, aside / name)
    _fsync_folder(key_dir)


def _refuse_to_replace(settings: Settings, what_is_wrong: str, *, pki: bool, log: bool) -> None:
    """Raise unless new local keys are safe: the database holds nothing signed with the old ones."""
    log = log and settings.log_key_path is None  # else the log's key is the deployment's own
    pki = pki and settings.signing_chain_path is None
    if not (pki or log):
        return
    restore = f"restore the keys folder {settings.key_dir} from a backup"
    try:
        size = _largest_signed_size(settings.effective_database_url)
    except sqlalchemy.exc.SQLAlchemyError as e:
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        raise IntegrityError(f"{what_is_wrong}, and the database cannot say whether it holds a log signed "
                             f"with these keys ({reason}): make it reachable, or {restore}") from e
    if log and size is not None:
        raise IntegrityError(f"{what_is_wrong}, but the database holds a log signed with its checkpoint key "
                             f"({size} entries): a new key would fork the log; {restore}")
    if pki and size:
        raise IntegrityError(f"{what_is_wrong}, but the database holds {size} logged registrations whose "
                             f"manifests chain to its root: new ones would not verify; {restore}")


def _largest_signed_size(database_url: str) -> int | None:
    """The size of the newest checkpoint in the database (0: the empty tree's), None if there is none."""
    url = sqlalchemy.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        return None  # no file: nothing signed (and do not create one here)
    engine = sqlalchemy.create_engine(url, connect_args={} if url.get_backend_name() == "sqlite"
                                      else {"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            if not sqlalchemy.inspect(connection).has_table("log_checkpoint"):
                return None
            return connection.execute(sqlalchemy.text("SELECT MAX(size) FROM log_checkpoint")).scalar()
    finally:
        engine.dispose()


def _new_pki(organisation: str) -> dict[str, bytes]:
    pki = create_local_pki(organisation)
    return {ROOT_CERT: pki.root_cert_pem, ROOT_KEY: pki.root_key_pem,
            INTERMEDIATE_CERT: pki.intermediate_cert_pem, INTERMEDIATE_KEY: pki.intermediate_key_pem,
            SIGNING_KEY: pki.leaf_key_pem, SIGNING_CHAIN: pki.signing_material().chain_pem}  # chain last


def _new_tsa(intermediate_cert_pem: bytes, intermediate_key_pem: bytes, organisation: str) -> dict[str, bytes]:
    cert, key = create_tsa_certificate(intermediate_cert_pem, intermediate_key_pem, organisation)
    return {TSA_KEY: key, TSA_CERT: cert}  # the certificate last


def _new_log_key(origin: str) -> dict[str, bytes]:
    skey, vkey = generate_note_key(origin)
    return {LOG_VKEY: vkey.encode() + b"\n", LOG_KEY: skey.encode() + b"\n"}  # the private key last


def _marker() -> bytes:
    return f"aigc-registry keys, complete since {datetime.now(UTC).isoformat(timespec='seconds')}\n".encode()


def _require_whole(settings: Settings) -> None:
    """Refuse, naming it, a local file load_keys is about to read that is missing or empty."""
    key_dir = settings.key_dir
    needed = [ROOT_CERT]
    needed += [] if settings.log_key_path else [LOG_KEY]
    needed += [] if settings.signing_chain_path else [SIGNING_CHAIN]
    needed += [] if settings.signing_key_path or settings.signing_callback else [SIGNING_KEY]
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
    anchors = _read(key_dir / ROOT_CERT, "the local root certificate")
    if settings.trust_anchors_path:
        anchors = anchors.rstrip(b"\n") + b"\n" + _read(settings.trust_anchors_path, "trust anchors")
    log_key_path = settings.log_key_path or key_dir / LOG_KEY
    try:
        signer = NoteSigner.from_skey(_read(log_key_path, "the checkpoint key").decode().strip())
    except (LogError, ValueError) as e:
        raise IntegrityError(f"the checkpoint key at {log_key_path} is unusable: {e}") from e
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
