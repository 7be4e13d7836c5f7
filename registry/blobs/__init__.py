"""Content-addressed blob stores: the registered bytes, manifests, signed copies and evidence,
each named by its SHA-256. Two implementations of one small interface (`BlobStore`): a local folder
(`FileBlobStore`, the embedded default) and an S3-compatible bucket (`S3BlobStore`, chosen with
``AIGC_REGISTRY_BLOBS=s3://BUCKET/PREFIX``); `open_blob_store` picks by the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .files import FileBlobStore


class BlobStore(Protocol):
    """What the registry needs of a blob store. Blobs never change once written; writing one that
    exists is a no-op; a crash leaves a whole blob or none."""

    def put(self, data: bytes) -> str: ...  # the blob's sha256

    def put_file(self, source: Path, sha256_hex: str) -> str: ...  # streamed, never held in memory

    def scratch(self) -> Path: ...  # a local temporary file to fill, then `adopt`

    def adopt(self, scratch: Path) -> str: ...  # the scratch file, stored under its sha256

    def path_of(self, sha256_hex: str) -> Path: ...  # a local file of the blob (NotFoundError if absent)

    def get(self, sha256_hex: str) -> bytes: ...  # checked against its name (IntegrityError)

    def exists(self, sha256_hex: str) -> bool: ...

    def names(self) -> list[tuple[str, float]]: ...  # every stored blob's sha256 and its write time (Unix)

    def delete(self, sha256_hex: str) -> None: ...


def open_blob_store(location: str | None, default_folder: Path, cache_folder: Path, *,
                    cache_bytes: int = 2 << 30) -> BlobStore:
    """`s3://BUCKET/PREFIX` (endpoint and credentials from the standard AWS_* variables), else the
    local folder `location` or `default_folder`."""
    if location and location.startswith("s3://"):
        from .s3 import S3BlobStore  # boto3 is imported only by deployments that use it

        return S3BlobStore.from_url(location, cache_folder, cache_bytes)
    return FileBlobStore(Path(location) if location else default_folder)


__all__ = ["BlobStore", "FileBlobStore", "open_blob_store"]
