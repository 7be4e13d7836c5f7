"""Matching and verification over the registered samples (English and Chinese)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from registry.matching import match_article
from registry.samples import register_samples
from registry.verification import AUTHENTIC, MODIFIED_COPY, TAMPERED, UNREGISTERED, verify_article_file
from registry.works import work_content, work_manifest, work_receipt

from ..conftest import SAMPLES


@pytest.fixture(scope="session")
def article_samples(tmp_path_factory) -> Path:
    """A samples folder with the articles only: these tests match text, and registering the sample
    videos for each of them would cost seconds a test."""
    folder = tmp_path_factory.mktemp("article-samples")
    (folder / "articles").symlink_to(SAMPLES / "articles", target_is_directory=True)
    return folder


@pytest.fixture
def samples(registry, article_samples):
    results = register_samples(registry, article_samples)
    return {slug: result.work_id for slug, result in results.items()}


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _typos(text: str, rate: float, seed: int) -> str:
    rng = random.Random(seed)
    chars = list(text)
    for i in rng.sample(range(len(chars)), int(len(chars) * rate)):
        if chars[i].isalpha():
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz") if chars[i].isascii() else "的"
    return "".join(chars)


EDITS = {
    "typos": lambda t: _typos(t, 0.03, 1),
    "paragraphs-reordered": lambda t: "\n\n".join(reversed(_paragraphs(t))),
    "boilerplate": lambda t: "SUBSCRIBE to our newsletter for more stories like this!\n\n" + t
    + "\n\nCopyright notice: all rights reserved. Share this article with your friends.\n",
    "excerpt": lambda t: "\n\n".join(_paragraphs(t)[2:4]),
    "first-paragraphs-deleted": lambda t: "\n\n".join(_paragraphs(t)[2:]),
}


@pytest.mark.parametrize("slug", ["tidepool-snail-study", "bolan-lantern-festival", "shuangqiao-derby-report",
                                  "calder-valley-storm"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_edited_copies_find_their_source_first(registry, samples, sample_articles, slug, edit):
    text = sample_articles[slug][0].decode()
    found = match_article(registry, EDITS[edit](text).encode())
    assert found, f"{edit} copy of {slug} matched nothing"
    assert found[0].work_id == samples[slug]
    assert 0 < found[0].score <= 1 and found[0].passages


def test_unrelated_text_matches_nothing(registry, samples):
    unrelated = ("A recipe for lemon cake: cream the butter with sugar until pale, beat in the eggs one at a "
                 "time, fold in flour and the zest of two lemons, and bake for forty minutes. ") * 3
    assert match_article(registry, unrelated.encode()) == []


def test_exact_copy_with_sidecar_is_authentic(registry, samples):
    work_id = samples["water-main-upgrade"]
    content = work_content(registry, work_id)[0].read_bytes()
    result = verify_article_file(registry, content, sidecar=work_manifest(registry, work_id),
                                 receipt_text=work_receipt(registry, work_id))
    assert result.verdict == AUTHENTIC, result.problems
    assert result.manifest.state == "Trusted"
    assert result.registration["work_id"] == work_id and result.registration["found_by"] == "sha256"
    assert result.log["receipt_verified"] and result.log["content_matches"]


def test_exact_copy_without_sidecar_uses_the_registered_manifest(registry, samples):
    work_id = samples["bolan-lantern-festival"]
    content = work_content(registry, work_id)[0].read_bytes()
    result = verify_article_file(registry, content)
    assert result.verdict == AUTHENTIC and result.manifest_source == "registry"


def test_tampered_article_is_reported_as_tampered(registry, samples):
    work_id = samples["water-main-upgrade"]
    content = work_content(registry, work_id)[0].read_bytes()
    tampered = content.replace(b"the", b"thy", 1)
    result = verify_article_file(registry, tampered, sidecar=work_manifest(registry, work_id))
    assert result.verdict == TAMPERED
    assert result.manifest.state not in ("Trusted", "Valid")
    assert result.registration["work_id"] == work_id and result.registration["found_by"] == "fingerprint"


def test_edited_copy_without_sidecar_leads_to_its_registration(registry, samples, sample_articles):
    text = sample_articles["heling-tea-harvest-machines"][0].decode()
    result = verify_article_file(registry, EDITS["typos"](text).encode())
    assert result.verdict == MODIFIED_COPY
    assert result.registration["work_id"] == samples["heling-tea-harvest-machines"]


def test_receipt_for_other_content_is_refused(registry, samples):
    content = work_content(registry, samples["water-main-upgrade"])[0].read_bytes()
    other_receipt = work_receipt(registry, samples["calder-valley-storm"])
    result = verify_article_file(registry, content, receipt_text=other_receipt)
    assert result.verdict != AUTHENTIC
    assert any("other content" in p for p in result.problems)


def test_garbage_receipt_is_a_clear_problem(registry, samples):
    content = work_content(registry, samples["water-main-upgrade"])[0].read_bytes()
    result = verify_article_file(registry, content, receipt_text="not a receipt\n")
    assert result.verdict != AUTHENTIC and result.problems


def test_unknown_text_is_unregistered(registry, samples):
    text = "An entirely new piece about migrating swifts and the towers they roost in. " * 5
    assert verify_article_file(registry, text.encode()).verdict == UNREGISTERED


HARD_NEGATIVES = ["en_coral_recovery", "en_port_automation", "en_rural_broadband", "zh_high_speed_rail",
                  "zh_tea_harvest", "zh_urban_heat"]


def test_same_topic_articles_are_not_copies(registry):
    """Each asset has an unrelated article on the same topic (`*_other.txt`): it must match nothing."""
    from registry.registration.article import register_article
    from registry.requests import RegistrationRequest

    from ..conftest import ASSETS

    for name in HARD_NEGATIVES:
        register_article(registry, (ASSETS / "text" / f"{name}.txt").read_bytes(), RegistrationRequest(model="m"))
    for name in HARD_NEGATIVES:
        other = (ASSETS / "text" / f"{name}_other.txt").read_bytes()
        assert match_article(registry, other) == [], name


def test_a_much_copied_work_is_still_found(registry, monkeypatch, sample_articles):
    """When every hash of a work is common (it was registered again and again), matching falls back
    to the query's rarest hashes instead of finding nothing (each hash's postings are probed up to
    COMMON_HASH_MIN_DF + 1: the copies found are the first that many registered)."""
    from registry import matching
    from registry.registration.article import register_article
    from registry.requests import RegistrationRequest

    monkeypatch.setattr(matching, "COMMON_HASH_MIN_DF", 2)  # three copies stand in for 33+
    text = sample_articles["calder-valley-storm"][0].decode()
    ids = {register_article(registry, f"{text}\nEdition {n}.\n".encode(), RegistrationRequest(model="m")).work_id
           for n in range(3)}
    found = match_article(registry, EDITS["excerpt"](text).encode())
    assert {m.work_id for m in found} == ids
