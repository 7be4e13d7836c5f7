"""The blob store's contract, the same table for both implementations: the local folder and an
S3 bucket on a real S3-API server on loopback (moto's server mode). Then what only S3 has: large
files go up in parts and come down whole, the local cache stays within its bound, and a corrupt
object is caught on the way down. And orphans: collected after their grace period, never a blob
a row names."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from registry.blobs import FileBlobStore, open_blob_store
from registry.blobs.s3 import S3BlobStore
from registry.errors import IntegrityError, NotFoundError


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "folder":
        return FileBlobStore(tmp_path / "blobs")
    return open_blob_store(request.getfixturevalue("s3_bucket"), tmp_path / "unused", tmp_path / "cache")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_get_exists_and_put_again(store):
    name = store.put(b"hello")
    assert name == _sha(b"hello") and store.exists(name) and store.get(name) == b"hello"
    assert store.put(b"hello") == name  # idempotent
    assert not store.exists(_sha(b"absent"))
    with pytest.raises(NotFoundError):
        store.get(_sha(b"absent"))
    with pytest.raises(NotFoundError):
        store.path_of(_sha(b"absent"))
    with pytest.raises(NotFoundError):
        store.get("../../etc/passwd")


def test_files_go_in_streamed_and_come_out_as_files(store, tmp_path):
    source = tmp_path / "video.bin"
    source.write_bytes(os.urandom(300_000))
    name = store.put_file(source, _sha(source.read_bytes()))
    assert store.path_of(name).read_bytes() == source.read_bytes()
    with pytest.raises(IntegrityError):
        store.put_file(source, _sha(b"something else"))

    scratch = store.scratch()
    scratch.write_bytes(b"signed copy")
    adopted = store.adopt(scratch)
    assert adopted == _sha(b"signed copy") and store.get(adopted) == b"signed copy" and not scratch.exists()


def test_names_and_delete(store):
    names = {store.put(f"blob {n}".encode()) for n in range(5)}
    listed = dict(store.names())
    assert set(listed) == names and all(abs(written - time.time()) < 300 for written in listed.values())
    victim = sorted(names)[0]
    store.delete(victim)
    assert not store.exists(victim) and victim not in dict(store.names())


def test_a_corrupt_blob_is_refused(store):
    name = store.put(b"the original bytes")
    if isinstance(store, FileBlobStore):
        store.path_of(name).write_bytes(b"tampered bytes")
    else:
        store.client.put_object(Bucket=store.bucket, Key=store._key(name), Body=b"tampered bytes")
    with pytest.raises(IntegrityError):
        store.get(name)


def test_s3_large_files_go_up_in_parts_and_the_cache_stays_bounded(s3_bucket, tmp_path):
    store = open_blob_store(s3_bucket, tmp_path / "unused", tmp_path / "cache", cache_bytes=40 << 20)
    assert isinstance(store, S3BlobStore)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(36 << 20))  # more than two 16 MiB parts
    name = store.put_file(big, _sha(big.read_bytes()))
    head = store.client.head_object(Bucket=store.bucket, Key=store._key(name))
    assert head["ContentLength"] == 36 << 20 and "-" in head["ETag"]  # a multipart upload's ETag: md5-of-parts-N
    assert store.path_of(name).read_bytes() == big.read_bytes()  # downloaded (nothing cached from put_file)

    others = []
    for n in range(3):
        scratch = store.scratch()
        scratch.write_bytes(os.urandom(12 << 20))
        others.append(store.adopt(scratch))
    cached = sum(p.stat().st_size for p in (tmp_path / "cache").glob("??/*"))
    assert cached <= 40 << 20
    assert all(store.path_of(other).stat().st_size == 12 << 20 for other in others)  # refilled as needed


def test_s3_corruption_is_caught_on_download(s3_bucket, tmp_path):
    store = open_blob_store(s3_bucket, tmp_path / "unused", tmp_path / "cache")
    name = store.put(b"x" * 1000)
    store.client.put_object(Bucket=store.bucket, Key=store._key(name), Body=b"y" * 1000)
    with pytest.raises(IntegrityError):
        store.path_of(name)
    assert not list((tmp_path / "cache").glob("??/*"))  # nothing corrupt kept


def test_orphans_are_collected_after_their_grace_and_named_blobs_never(registry):
    from registry.blobs.gc import collect_orphans
    from registry.registration.article import register_article
    from registry.requests import RegistrationRequest

    text = (Path(__file__).resolve().parents[2] / "samples" / "articles").glob("*.txt").__next__().read_bytes()
    register_article(registry, text, RegistrationRequest(model="m"))
    orphan = registry.blobs.put(b"left behind by a registration that rolled back")
    with registry.db.reading() as session:
        young = collect_orphans(registry.blobs, session, grace=timedelta(hours=24))
        assert (young.orphans, young.young, young.deleted) == (0, 1, 0) and registry.blobs.exists(orphan)
        later = time.time() + 25 * 3600
        dry = collect_orphans(registry.blobs, session, grace=timedelta(hours=24), dry_run=True, now=later)
        assert (dry.orphans, dry.deleted) == (1, 0) and registry.blobs.exists(orphan)
        done = collect_orphans(registry.blobs, session, grace=timedelta(hours=24), now=later)
    assert (done.orphans, done.deleted) == (1, 1) and not registry.blobs.exists(orphan)
    assert done.stored - 1 == done.referenced == 2  # the article and its manifest stay
