"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...), chosen with
``AIGC_REGISTRY_BLOBS=s3://BUCKET/PREFIX``. The endpoint and credentials come from the standard
variables boto3 reads (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_REGION``...), so any S3-compatible store works; with an endpoint given, requests use path-style
addressing (``AWS_S3_ADDRESSING_STYLE`` overrides), which every S3-compatible server understands.

A blob is the object ``PREFIX/ab/cdef...`` (its sha256 split as in the local folder). Large files go
up with boto3's managed multipart upload, streamed from their file (never read into memory), and
an object appears whole or not at all (S3 commits a multipart upload when it completes). Readers
that need a file (C2PA validation, video decoding, downloads) get one from a local cache folder,
filled by a streamed download and bounded to `cache_bytes` (least recently used first out); a file
registered by this process is adopted into the cache, so it is on the server's disk once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import IntegrityError, InvalidInputError, NotFoundError
from ..media import sha256_file

CHUNK = 16 << 20  # multipart part size and streaming read size


def s3_location(url: str, what: str):  # type: ignore[no-untyped-def]
    """(boto3 client, bucket, prefix) of `s3://BUCKET/PREFIX`, the client configured from the AWS_*
    variables (path-style addressing when an endpoint is given)."""
    import boto3
    from botocore.config import Config

    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise InvalidInputError(f"{what} must be s3://BUCKET/PREFIX, got {url!r}")
    custom = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    style = os.environ.get("AWS_S3_ADDRESSING_STYLE") or ("path" if custom else "auto")
    config = Config(s3={"addressing_style": style}, retries={"mode": "standard", "max_attempts": 5})
    return boto3.client("s3", config=config), parts.netloc, parts.path.strip("/")


def is_missing_object(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    return code in ("404", "NoSuchKey", "NotFound")


class S3BlobStore:
    def __init__(self, client, bucket: str, prefix: str, cache_folder: Path,  # type: ignore[no-untyped-def]
                 cache_bytes: int = 2 << 30) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")
        self.cache, self.cache_bytes = cache_folder, cache_bytes
        self._lock = threading.Lock()
        from boto3.s3.transfer import TransferConfig

        self._transfer = TransferConfig(multipart_threshold=CHUNK, multipart_chunksize=CHUNK, max_concurrency=4)

    @classmethod
    def from_url(cls, url: str, cache_folder: Path, cache_bytes: int = 2 << 30) -> S3BlobStore:
        client, bucket, prefix = s3_location(url, "blobs")
        return cls(client, bucket, prefix, cache_folder, cache_bytes)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _key(self, sha256_hex: str) -> str:
        _check_name(sha256_hex)
        return f"{self.prefix}/{sha256_hex[:2]}/{sha256_hex[2:]}" if self.prefix else f"{sha256_hex[:2]}/{sha256_hex[2:]}"

    def _cached(self, sha256_hex: str) -> Path:
        _check_name(sha256_hex)  # before it becomes a path
        return self.cache / sha256_hex[:2] / sha256_hex[2:]

    # writing

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if not self.exists(digest):
            self.client.put_object(Bucket=self.bucket, Key=self._key(digest), Body=data)
        return digest

    def put_file(self, source: Path, sha256_hex: str) -> str:
        """Upload `source` (multipart, streamed) after checking it still hashes to `sha256_hex`."""
        actual = sha256_file(source)
        if actual != sha256_hex:
            raise IntegrityError(f"{source} changed while it was stored: expected sha256 {sha256_hex}, got {actual}")
        if not self.exists(sha256_hex):
            self.client.upload_file(str(source), self.bucket, self._key(sha256_hex), Config=self._transfer)
        return sha256_hex

    def scratch(self) -> Path:
        self.cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache, prefix=".tmp-")
        os.close(fd)
        return Path(tmp)

    def adopt(self, scratch: Path) -> str:
        """Upload a finished scratch file, then keep it as the cached copy (one copy on this disk)."""
        sha256_hex = sha256_file(scratch)
        if not self.exists(sha256_hex):
            self.client.upload_file(str(scratch), self.bucket, self._key(sha256_hex), Config=self._transfer)
        cached = self._cached(sha256_hex)
        cached.parent.mkdir(parents=True, exist_ok=True)
        os.replace(scratch, cached)
        self._evict()
        return sha256_hex

    # reading

    def path_of(self, sha256_hex: str) -> Path:
        """A local copy of the blob, downloaded (streamed, multipart) unless cached."""
        cached = self._cached(sha256_hex)
        key = self._key(sha256_hex)
        if cached.exists():
            os.utime(cached)  # most recently used
            return cached
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".tmp-")
        os.close(fd)
        try:
            self.client.download_file(self.bucket, key, tmp, Config=self._transfer)
            if sha256_file(Path(tmp)) != sha256_hex:
                raise IntegrityError(f"blob {sha256_hex} is corrupt: its content hashes differently")
            os.replace(tmp, cached)
        except Exception as e:
            Path(tmp).unlink(missing_ok=True)
            if is_missing_object(e):
                raise NotFoundError(f"blob {sha256_hex} is not in the store") from e
            raise
        self._evict()
        return cached

    def get(self, sha256_hex: str) -> bytes:
        cached = self._cached(sha256_hex)
        try:
            data = cached.read_bytes() if cached.exists() else self.client.get_object(
                Bucket=self.bucket, Key=self._key(sha256_hex))["Body"].read()
        except Exception as e:
            if is_missing_object(e):
                raise NotFoundError(f"blob {sha256_hex} is not in the store") from e
            raise
        if hashlib.sha256(data).hexdigest() != sha256_hex:
            raise IntegrityError(f"blob {sha256_hex} is corrupt: its content hashes differently")
        return data

    def exists(self, sha256_hex: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256_hex))
        except Exception as e:
            if is_missing_object(e):
                return False
            raise
        return True

    def names(self) -> list[tuple[str, float]]:
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else "")
        for page in pages:
            for item in page.get("Contents", []):
                tail = item["Key"][len(self.prefix) + 1:] if self.prefix else item["Key"]
                name = tail.replace("/", "")
                if len(name) == 64:
                    found.append((name, item["LastModified"].timestamp()))
        return found

    def delete(self, sha256_hex: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(sha256_hex))
        self._cached(sha256_hex).unlink(missing_ok=True)

    def _evict(self) -> None:
        """Drop the least recently used cached files until the cache fits `cache_bytes`."""
        with self._lock:
            files = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.cache.glob("??/*")
                     if not p.name.startswith(".")]
            total = sum(size for _, size, _ in files)
            for _, size, path in sorted(files):
                if total <= self.cache_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size


def _check_name(sha256_hex: str) -> None:
    if len(sha256_hex) != 64 or any(c not in "0123456789abcdef" for c in sha256_hex):
        raise NotFoundError(f"not a sha256 blob name: {sha256_hex[:80]!r}")
