"""The key folder's files: their names, and writing them so that a crash leaves each whole or absent.

Every file is created with mode 0600, flushed and fsynced, and its folder fsynced after a rename;
`problem_of` says whether a file parses as what its name says.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..errors import InvalidInputError
from ..tlog.errors import LogError
from ..tlog.note import NoteSigner, NoteVerifier

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


def write_private(path: Path, data: bytes) -> None:
    """Create `path` (mode 0600, never over an existing file) holding `data`, flushed to the disk."""
    write_synced(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), data)


def install(key_dir: Path, name: str, data: bytes) -> None:
    """Put `data` at `key_dir/name` with one rename: a reader sees the old file or the whole new one."""
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_FILE_SUFFIX, dir=key_dir)  # mode 0600
    write_synced(fd, data)
    os.replace(temp, key_dir / name)
    fsync_folder(key_dir)


def write_synced(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_key_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InvalidInputError(f"cannot read {what} at {path}: {e.strerror}") from e


def problem_of(path: Path) -> str | None:
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
