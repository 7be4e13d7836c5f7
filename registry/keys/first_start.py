"""The first start: the local PKI, its time-stamp authority and the checkpoint key made at once.

Every file is written and fsynced in `<data dir>/keys.tmp-*`, the marker `keys-complete` last, and
the folder is renamed to `keys/` in one step (see the package's docstring), under a lock on
`<data dir>/keys.lock` so that two processes starting together make one set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from provenance.keys import create_local_pki
from provenance.timestamp import create_tsa_certificate

from ..errors import IntegrityError
from ..settings import Settings
from ..tlog.note import NoteSigner, generate_note_key
from .files import (
    INTERMEDIATE_CERT,
    INTERMEDIATE_KEY,
    KEYS_COMPLETE,
    KEYS_LOCK,
    LOG_FILES,
    LOG_KEY,
    LOG_VKEY,
    PKI_FILES,
    ROOT_CERT,
    ROOT_KEY,
    SIGNING_CHAIN,
    SIGNING_KEY,
    TEMP_FILE_SUFFIX,
    TEMP_FOLDER_PREFIX,
    TSA_CERT,
    TSA_FILES,
    TSA_KEY,
    fsync_folder,
    install,
    problem_of,
    write_private,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: first starts are not serialised between processes
    fcntl = None  # type: ignore[assignment]


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
        write_private(temp / name, data)
    fsync_folder(temp)
    os.rename(temp, key_dir)
    fsync_folder(key_dir.parent)


def _complete_unmarked_folder(settings: Settings) -> None:
    """Complete a keys folder an older version made (perhaps killed half-way), the marker last.

    A broken part is set aside in `keys/discarded-<time>/` and made again, file by file, only when
    nothing was signed with it; the TSA pair and the verifier key are made again whenever needed."""
    key_dir = settings.key_dir
    own_signing_key = any(setting is not None for setting in (settings.signing_key_path, settings.signing_key_pem,
                                                              settings.signing_callback))
    optional = {ROOT_KEY, INTERMEDIATE_KEY} | ({SIGNING_KEY} if own_signing_key else set())
    pki = {name: problem for name in PKI_FILES if (problem := problem_of(key_dir / name))
           and not (problem == "missing" and name in optional)}
    log = {LOG_KEY: problem} if (problem := problem_of(key_dir / LOG_KEY)) else {}
    if pki or log:
        broken = ", ".join(f"{name} is {problem}" for name, problem in (pki | log).items())
        _refuse_to_replace(settings, f"the keys folder {key_dir} is incomplete ({broken})",
                           pki=bool(pki), log=bool(log))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    if pki:
        _set_aside(key_dir, PKI_FILES + TSA_FILES, stamp)
        for name, data in _new_pki(settings.organisation).items():
            install(key_dir, name, data)
    if log:
        _set_aside(key_dir, LOG_FILES, stamp)
        for name, data in _new_log_key(settings.log_origin).items():
            install(key_dir, name, data)
    _complete_derived_files(key_dir, settings.organisation)
    install(key_dir, KEYS_COMPLETE, _marker())


def _derived_files_missing(key_dir: Path) -> bool:
    """Whether a file that can always be made again (TSA pair, verifier key) is missing or empty."""
    return any(not (key_dir / name).is_file() or (key_dir / name).stat().st_size == 0
               for name in (*TSA_FILES, LOG_VKEY))


def _complete_derived_files(key_dir: Path, organisation: str) -> None:
    """Make the TSA pair again if it is not a whole pair issued by the intermediate, and the verifier
    key if it does not match the checkpoint key: neither is an identity anything depends on."""
    if problem_of(key_dir / LOG_KEY) is None:
        vkey = NoteSigner.from_skey((key_dir / LOG_KEY).read_text().strip()).verifier_key().encode() + b"\n"
        if not (key_dir / LOG_VKEY).is_file() or (key_dir / LOG_VKEY).read_bytes() != vkey:
            install(key_dir, LOG_VKEY, vkey)
    if problem_of(key_dir / INTERMEDIATE_CERT) or problem_of(key_dir / INTERMEDIATE_KEY):
        return  # nothing to issue it with: load_keys says so if the local TSA is wanted
    intermediate = (key_dir / INTERMEDIATE_CERT).read_bytes()
    if _tsa_pair_is_whole(key_dir, intermediate):
        return
    (key_dir / TSA_CERT).unlink(missing_ok=True)  # first: a pair is never a new key and an old cert
    for name, data in _new_tsa(intermediate, (key_dir / INTERMEDIATE_KEY).read_bytes(), organisation).items():
        install(key_dir, name, data)


def _tsa_pair_is_whole(key_dir: Path, intermediate_pem: bytes) -> bool:
    if problem_of(key_dir / TSA_CERT) or problem_of(key_dir / TSA_KEY):
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
    fsync_folder(key_dir)


def _refuse_to_replace(settings: Settings, what_is_wrong: str, *, pki: bool, log: bool) -> None:
    """Raise unless new local keys are safe: the database holds nothing signed with the old ones."""
    log = log and settings.log_key_path is None and settings.log_key is None  # else the deployment's own
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
