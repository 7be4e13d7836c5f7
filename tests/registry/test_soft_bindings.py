"""Soft bindings through the registry: every manifest's label is stored (and read back for older
manifests by `aigc-registry migrate`), an article's binding value is a bounded sample by value of
its posted hashes, and a fingerprint value finds the work and the time it came from."""

from __future__ import annotations

import base64

import numpy as np
from sqlmodel import select

from fingerprint.text import fingerprint_text, index_hashes
from fingerprint.video import VideoFingerprint, VideoIndex
from provenance.jumbf import active_manifest_label
from registry.soft_binding import resolution
from registry.soft_binding.bindings import MAX_TEXT_BINDING_HASHES, TEXT_ALG, text_binding_sample, text_soft_binding
from registry.errors import NotFoundError
from registry.soft_binding.labels import label_manifests, unlabelled_manifests
from registry.models import Manifest
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.works import work_manifest

from ..conftest import SAMPLES, run_migrate

ARTICLE = (SAMPLES / "articles" / "calder-valley-storm.txt").read_bytes()


def test_the_stored_label_is_the_manifests_and_migrate_fills_older_ones(registry):
    work_id = register_article(registry, ARTICLE, RegistrationRequest(model="m")).work_id
    label = active_manifest_label(work_manifest(registry, work_id))
    with registry.db.writing() as session:
        manifest = session.exec(select(Manifest)).one()
        assert manifest.label == label
        manifest.label = None  # as stored before migration 0012
        session.add(manifest)
    with registry.db.reading() as session:
        assert unlabelled_manifests(session) == 1

    # a match still names it; fetching it by that name waits for the migration
    value = text_soft_binding(fingerprint_text(ARTICLE.decode())).blocks[0].value
    found = resolution.matches_by_binding(registry, TEXT_ALG, value)
    assert [m["manifestId"] for m in found["matches"]] == [label]
    try:
        resolution.manifest_by_id(registry, label)
        raise AssertionError("an unlabelled manifest was found by its label")
    except NotFoundError:
        pass

    assert label_manifests(registry) == 1
    with registry.db.reading() as session:
        assert unlabelled_manifests(session) == 0
    assert resolution.manifest_by_id(registry, label) == work_manifest(registry, work_id)


def test_aigc_registry_migrate_reads_the_labels_of_older_manifests(settings):

    from registry.service import Registry

    registry = Registry.open(settings)
    try:
        work_id = register_article(registry, ARTICLE, RegistrationRequest(model="m")).work_id
        with registry.db.writing() as session:
            manifest = session.exec(select(Manifest)).one()
            label, manifest.label = manifest.label, None
            session.add(manifest)
    finally:
        registry.close()
    ran = run_migrate(settings)
    assert ran.returncode == 0, ran.stderr
    assert "manifest labels read from the stored manifests: 1 of 1" in ran.stdout
    after = Registry.open(settings)
    try:
        assert resolution.manifest_by_id(after, label) == work_manifest(after, work_id)
    finally:
        after.close()


def test_a_long_articles_binding_is_a_bounded_sample_by_value():
    words = [f"w{i}x{(i * 7919) % 1000}" for i in range(30_000)]  # ~200 KB of distinct text
    fingerprint = fingerprint_text(" ".join(words))
    posted = index_hashes(fingerprint.distinct_hashes)
    sample = text_binding_sample(fingerprint)
    assert len(posted) > MAX_TEXT_BINDING_HASHES >= len(sample) > MAX_TEXT_BINDING_HASHES // 4
    assert np.isin(sample, posted).all()
    modulus = 1 << 20
    while not ((sample & (modulus - 1)) == 0).all():
        modulus //= 2
    assert modulus >= 8  # sampled again by value: every kept hash is 0 modulo a power of two above 4
    assert np.array_equal(sample, posted[(posted & (modulus - 1)) == 0])
    value = text_soft_binding(fingerprint).blocks[0].value
    assert len(base64.b64decode(value)) == 8 * len(sample)
    short = fingerprint_text("A short note about the weather today in the valley and the hills.")
    assert np.array_equal(text_binding_sample(short), index_hashes(short.distinct_hashes))


def _fingerprint(seed: int, seconds: float) -> VideoFingerprint:
    rng = np.random.default_rng(seed)
    times = np.arange(0, seconds, 0.5)
    hashes = rng.integers(0, 2**63, len(times), dtype=np.uint64)
    return VideoFingerprint(seconds, times, hashes, hashes ^ np.uint64(0xFF), np.zeros(len(times), np.uint32))


def test_a_fingerprint_value_finds_its_work_and_where():
    index = VideoIndex()
    works = {"a": _fingerprint(1, 30.0), "b": _fingerprint(2, 30.0)}
    for work_id, fingerprint in works.items():
        index.add(work_id, fingerprint)
    segment = works["b"].slice(20, 40)  # seconds 10 to 19.5
    [(work_id, match)] = index.search_fingerprint(segment)
    assert work_id == "b" and match.score == 1.0 and (match.start, match.end) == (10.0, 19.5)

    # the same samples a few bits off, timed from the clip's own start: still found, offset kept
    rng = np.random.default_rng(3)
    noisy = segment.whole.copy()
    for i in range(len(noisy)):
        for bit in rng.choice(64, 3, replace=False):
            noisy[i] ^= np.uint64(1) << np.uint64(int(bit))
    clip = VideoFingerprint(10.0, segment.times - 10.0, noisy, segment.centre, segment.motion)
    [(work_id, match)] = index.search_fingerprint(clip)
    assert work_id == "b" and match.score == 1.0 and (match.start, match.end) == (10.0, 19.5)

    # half of it replaced by other footage: a match at half; less than half: none
    mixed = VideoFingerprint(10.0, clip.times, np.concatenate([noisy[:10], _fingerprint(4, 5.0).whole]),
                             clip.centre, clip.motion)
    assert [(w, m.score) for w, m in index.search_fingerprint(mixed)] == [("b", 0.5)]
    fewer = VideoFingerprint(10.0, clip.times, np.concatenate([noisy[:9], _fingerprint(5, 5.5).whole]),
                             clip.centre, clip.motion)
    assert index.search_fingerprint(fewer) == []
    assert index.search_fingerprint(_fingerprint(6, 10.0)) == []
