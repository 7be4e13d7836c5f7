"""Content-addressed blob store on the local file system (the embedded default).

Blobs are named by their SHA-256 and written atomically (temporary file, fsync, rename), so a crash
leaves either the whole blob or nothing. A blob whose registration rolled back is an orphan that
`put` of the same bytes reuses; it is never referenced by the database.

>>> import tempfile, pathlib
>>> store = FileBlobStore(pathlib.Path(tempfile.mkdtemp()))
>>> key = store.put(b"hello")
>>> key[:12], store.get(key)
('2cf24dba5fb0', b'hello')
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import IntegrityError, NotFoundError


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256_hex: str) -> Path:
        if len(sha256_hex) != 64 or any(c not in "0123456789abcdef" for c in sha256_hex):
            raise NotFoundError(f"not a sha256 blob name: {sha256_hex!r}")
        return self.root / sha256_hex[:2] / sha256_hex[2:]

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self._write(digest, lambda handle: handle.write(data))
        return digest

    def put_file(self, source: Path, sha256_hex: str) -> str:
        """Store the file at `source` (whose sha256 the caller computed) by streaming, not in memory."""

        def copy(handle) -> None:  # type: ignore[no-untyped-def]
            digest = hashlib.sha256()
            with open(source, "rb") as reader:
                while chunk := reader.read(1 << 20):
                    digest.update(chunk)
                    handle.write(chunk)
            if digest.hexdigest() != sha256_hex:
                raise IntegrityError(f"{source} changed while it was stored: expected sha256 {sha256_hex}, "
                                     f"got {digest.hexdigest()}")

        self._write(sha256_hex, copy)
        return sha256_hex

    def scratch(self) -> Path:
        """A new empty temporary file inside the store (same file system), for :meth:`adopt`."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        os.close(fd)
        return Path(tmp)

    def adopt(self, scratch: Path) -> str:
        """Move a finished :meth:`scratch` file into the store under its sha256 (hashed by streaming)."""
        digest = hashlib.sha256()
        with open(scratch, "rb") as reader:
            while chunk := reader.read(1 << 20):
                digest.update(chunk)
            os.fsync(reader.fileno())
        sha256_hex = digest.hexdigest()
        path = self._path(sha256_hex)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(scratch, path)
        return sha256_hex

    def path_of(self, sha256_hex: str) -> Path:
        """The file of a stored blob, to stream from (NotFoundError when absent)."""
        path = self._path(sha256_hex)
        if not path.exists():
            raise NotFoundError(f"blob {sha256_hex} is not in the store")
        return path

    def _write(self, sha256_hex: str, fill) -> None:  # type: ignore[no-untyped-def]
        """Write a blob through a temporary file, fsync'd, then renamed into place (never half a blob)."""
        path = self._path(sha256_hex)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                fill(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256_hex: str) -> bytes:
        path = self._path(sha256_hex)
        try:
            data = path.read_bytes()
        except FileNotFoundError as e:
            raise NotFoundError(f"blob {sha256_hex} is not in the store") from e
        if hashlib.sha256(data).hexdigest() != sha256_hex:
            raise IntegrityError(f"blob {sha256_hex} is corrupt: its content hashes differently")
        return data

    def exists(self, sha256_hex: str) -> bool:
        return self._path(sha256_hex).exists()

    def names(self) -> list[tuple[str, float]]:
        found = []
        for folder in sorted(self.root.glob("[0-9a-f][0-9a-f]")):
            for path in folder.iterdir():
                name = folder.name + path.name
                if len(name) == 64 and not path.name.startswith("."):
                    found.append((name, path.stat().st_mtime))
        return found

    def delete(self, sha256_hex: str) -> None:
        self._path(sha256_hex).unlink(missing_ok=True)
