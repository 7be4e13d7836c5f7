"""``compare_texts`` and ``TextIndex`` on the asset articles and seeded edits of them.

Every edited copy must match its work with a sensible score and passages that point at the copied
region, and rank that work first in an index of every asset; same-topic articles written
independently (hard negatives) and the other articles must not match at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerprint.text import (
    GRAM_WEIGHT,
    MIN_MATCHED_HASHES,
    WINDOW_GRAMS,
    Passage,
    TextFingerprint,
    TextIndex,
    TextMatch,
    compare_texts,
    fingerprint_text,
)

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "text"
# By file name: "<work>_other" is a hard negative of "<work>" (same topic, different wording).
HARD_NEGATIVES = {p.stem: p.stem.removesuffix("_other") for p in sorted(ASSETS.glob("*_other.txt"))}
WORKS = [p.stem for p in sorted(ASSETS.glob("*.txt"))
         if p.stem not in HARD_NEGATIVES and not p.stem.startswith("filler")]


def load_article(name: str) -> str:
    return (ASSETS / f"{name}.txt").read_text(encoding="utf-8")


SLACK = GRAM_WEIGHT + WINDOW_GRAMS  # passage boundaries are exact to about one winnowing window
SEEDS = (0, 1, 2)

EDIT_CASES = [
    # (edit, least score, least share of the work inside passages)
    pytest.param("exact", 1.0, 0.95, id="exact"),  # control: the registered text itself
    pytest.param("typos_2pct", 0.95, 0.9, id="typos-2pct"),  # ~2% of characters substituted, dropped, doubled, swapped
    pytest.param("typos_5pct", 0.85, 0.8, id="typos-5pct"),  # ~5%: a typo every 20 characters, some clustered
    pytest.param("reorder", 0.7, 0.6, id="reorder"),  # sentences shuffled in paragraphs, paragraphs shuffled
    pytest.param("delete_20pct", 0.95, 0.6, id="delete-20pct"),  # a fifth of the sentences deleted
    pytest.param("insert_foreign", 0.95, 0.85, id="insert-foreign"),  # one unrelated sentence per four
    pytest.param("boilerplate", 0.95, 0.95, id="boilerplate"),  # newsletter header and footer added
    pytest.param("excerpt", 0.95, None, id="excerpt"),  # only 2-3 paragraphs, 15-25% of the article
    # 2-3 paragraphs pasted into a same-topic article: found by its one long passage
    pytest.param("excerpt_in_other_article", 0.1, None, id="excerpt-in-other-article"),
    pytest.param("reformat", 1.0, 0.95, id="reformat"),  # CRLF, hard wraps, fullwidth punctuation, caps, tabs
    pytest.param("paraphrase_lite", 0.95, 0.85, id="paraphrase-lite"),  # two synonyms swapped in per sentence
    # 3% typos, then 20% of sentences deleted, then the newsletter header and footer
    pytest.param("typos_delete_boilerplate", 0.75, 0.6, id="typos-delete-boilerplate"),
    pytest.param("reorder_insert_reformat", 0.6, 0.6, id="reorder-insert-reformat"),  # shuffled, padded, reformatted
    pytest.param("paraphrase_typos", 0.9, 0.8, id="paraphrase-typos"),  # synonyms then 2% typos
    pytest.param("excerpt_typos", 0.8, None, id="excerpt-typos"),  # excerpt with 2% typos
    pytest.param("excerpt_boilerplate", 0.45, None, id="excerpt-boilerplate"),  # excerpt inside the newsletter
]


@pytest.fixture(scope="module")
def work_fingerprints() -> dict[str, TextFingerprint]:
    return {name: fingerprint_text(load_article(name)) for name in (*WORKS, *HARD_NEGATIVES)}


@pytest.fixture(scope="module")
def index(work_fingerprints: dict[str, TextFingerprint]) -> TextIndex:
    index = TextIndex()
    for name, fp in work_fingerprints.items():
        index.add(name, fp)
    return index


def _covered(spans: list[tuple[int, int]], region: tuple[int, int]) -> float:
    """Share of ``region`` inside the union of ``spans``."""
    start, end = region
    inside = set()
    for a, b in spans:
        inside.update(range(max(a, start), min(b, end)))
    return len(inside) / (end - start)


def assert_points_at(spans: list[tuple[int, int]], region: tuple[int, int]) -> None:
    """Passages stay within the region (give or take a window) and miss at most 15% of it, or
    two windows' worth if the region is short (a typo near an end hides its first grams)."""
    start, end = region
    assert all(start - SLACK <= a and b <= end + SLACK for a, b in spans), f"{spans} outside {region}"
    missed = (1 - _covered(spans, region)) * (end - start)
    assert missed <= max(0.15 * (end - start), 2 * SLACK), f"{spans} miss {missed:.0f} chars of {region}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("work", WORKS)
@pytest.mark.parametrize(("edit", "least_score", "least_work_covered"), EDIT_CASES)
def test_edited_copy_matches_its_work(
    work: str, edit: str, least_score: float, least_work_covered: float | None, seed: int,
    work_fingerprints: dict[str, TextFingerprint], index: TextIndex, edited_copy: Callable,
) -> None:
    copy = edited_copy(work, edit, seed)
    query = fingerprint_text(copy.text)
    match = compare_texts(query, work_fingerprints[work])

    assert match is not None
    assert least_score <= match.score <= 1.0
    assert match.score == max(match.query_coverage, match.work_coverage)
    # a copy, whatever was done to it; a few paragraphs pasted into another article only share passages
    assert match.verdict == ("shares_passages" if edit == "excerpt_in_other_article" else "copy")
    assert all(p.query_end <= query.length and p.work_end <= work_fingerprints[work].length for p in match.passages)
    work_spans = [(p.work_start, p.work_end) for p in match.passages]
    query_spans = [(p.query_start, p.query_end) for p in match.passages]
    if least_work_covered is not None:
        assert _covered(work_spans, (0, work_fingerprints[work].length)) >= least_work_covered
    if copy.host is not None:
        # Pasted into another article: that article's own shared phrases (a name, a title) may
        # match too, but only as short passages outside the pasted region.
        start, end = copy.query_region
        pasted = [p for p in match.passages if p.query_end > start and p.query_start < end]
        assert all(p.query_end - p.query_start < 100 for p in match.passages if p not in pasted)
        work_spans = [(p.work_start, p.work_end) for p in pasted]
        query_spans = [(p.query_start, p.query_end) for p in pasted]
    if copy.work_region is not None:
        assert_points_at(work_spans, copy.work_region)
    if copy.query_region is not None:
        assert_points_at(query_spans, copy.query_region)

    ranked = [w for w, _ in index.search(query, limit=3)]
    if copy.host is None:
        assert ranked == [work]  # found first, and nothing else is a copy
    else:  # pasted into another indexed article: both are found, the host first (it is most of the text)
        assert ranked == [copy.host, work]


HARD_NEGATIVE_CASES = [
    # (negative, work): same subject and vocabulary, written independently
    pytest.param(negative, work, id=negative) for negative, work in HARD_NEGATIVES.items()
]


@pytest.mark.parametrize(("negative", "work"), HARD_NEGATIVE_CASES)
@pytest.mark.parametrize("edit", ["exact", "excerpt", "boilerplate", "typos_2pct"])
def test_same_topic_article_does_not_match(
    negative: str, work: str, edit: str, work_fingerprints: dict[str, TextFingerprint], index: TextIndex,
    edited_copy: Callable,
) -> None:
    query = fingerprint_text(edited_copy(negative, edit).text)
    assert compare_texts(query, work_fingerprints[work]) is None
    assert compare_texts(work_fingerprints[work], query) is None
    found = [w for w, _ in index.search(query)]
    assert work not in found
    assert found in ([], [negative])  # at most the negative itself, which is indexed too


def test_no_two_assets_match(work_fingerprints: dict[str, TextFingerprint]) -> None:
    for a, b in itertools.permutations(work_fingerprints, 2):
        assert compare_texts(work_fingerprints[a], work_fingerprints[b]) is None, (a, b)


def test_index_ranks_the_source_first_for_every_asset(
    work_fingerprints: dict[str, TextFingerprint], index: TextIndex
) -> None:
    for name, fp in work_fingerprints.items():
        ranked = index.search(fp)
        assert [(w, m.score) for w, m in ranked] == [(name, 1.0)]


def test_every_edit_is_in_the_table(edit_names: set[str]) -> None:
    assert {case.values[0] for case in EDIT_CASES} == edit_names


def test_index_ranks_a_merged_copy_by_score(edited_copy: Callable) -> None:
    # A query made of a whole article A plus one excerpt of B matches both, A first.
    a, b = "en_coral_recovery", "zh_tea_harvest"
    query = fingerprint_text(load_article(a) + "\n\n" + edited_copy(b, "excerpt").text)
    index = TextIndex()
    for name in WORKS:
        index.add(name, fingerprint_text(load_article(name)))
    ranked = index.search(query)
    assert [w for w, _ in ranked] == [a, b]
    assert ranked[0][1].score > 0.8 > 0.5 > ranked[1][1].score >= 0.1  # B is a small part of the query
    assert index.search(query, limit=1) == ranked[:1]


def test_index_add_replaces_and_remove_forgets() -> None:
    index = TextIndex()
    coral, fibre = (fingerprint_text(load_article(n)) for n in ("en_coral_recovery", "en_rural_broadband"))
    index.add("w1", coral)
    index.add("w1", fibre)  # same id: replaced, not duplicated
    assert len(index) == 1 and "w1" in index
    assert index.search(coral) == []
    assert [w for w, _ in index.search(fibre)] == ["w1"]
    index.remove("w1")
    index.remove("never-added")
    assert len(index) == 0 and index.search(fibre) == []
    with pytest.raises(ValueError, match="limit of at least 1"):
        index.search(fibre, limit=0)


def test_match_serialises_like_the_api(edited_copy: Callable) -> None:
    match = compare_texts(fingerprint_text(edited_copy("zh_urban_heat", "excerpt").text),
                          fingerprint_text(load_article("zh_urban_heat")))
    assert match is not None
    body = match.to_dict()
    assert set(body) == {"score", "verdict", "suspect_coverage", "work_coverage", "passages", "shared_hashes"}
    assert body["verdict"] == "copy" and body["suspect_coverage"] == 1.0 > body["work_coverage"] > 0  # an excerpt
    assert set(body["passages"][0]) == {"query_start", "query_end", "work_start", "work_end"}
    assert body["shared_hashes"] == match.shared_hashes > 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param((5, 5, 0, 3), "start < end", id="empty-query-range"),  # nothing to point at
        pytest.param((0, 3, -1, 3), "start < end", id="negative-work-start"),
    ],
)
def test_passage_is_valid_by_construction(fields: tuple[int, int, int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Passage(*fields)


def test_match_score_is_bounded() -> None:
    with pytest.raises(ValueError, match=r"score in \[0, 1\]"):
        TextMatch(score=1.5, passages=(), shared_hashes=0)


sentences_of_the_assets = st.lists(
    st.sampled_from([line for name in WORKS for line in load_article(name).split("\n") if len(line) > 40]),
    min_size=1, max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(sentences_of_the_assets, sentences_of_the_assets)
def test_compare_texts_is_well_formed(a: list[str], b: list[str]) -> None:
    fa, fb = fingerprint_text("\n".join(a)), fingerprint_text("\n".join(b))
    match = compare_texts(fa, fb)
    if match is None:
        return
    assert 0.0 <= match.score <= 1.0
    for p in match.passages:
        assert 0 <= p.query_start < p.query_end <= fa.length
        assert 0 <= p.work_start < p.work_end <= fb.length
    starts = [p.query_start for p in match.passages]
    assert starts == sorted(starts)
    assert all(x.query_end <= y.query_start for x, y in zip(match.passages, match.passages[1:]))


@settings(max_examples=40, deadline=None)
@given(sentences_of_the_assets)
def test_a_text_copies_itself_entirely(paragraphs: list[str]) -> None:
    fp = fingerprint_text("\n\n".join(paragraphs))
    match = compare_texts(fp, fp)
    if len(fp.hashes) < MIN_MATCHED_HASHES:  # a sentence or two: too little evidence for any copy
        assert match is None
    else:  # repeated paragraphs included: occurrences pair by rank
        assert match is not None and match.score == 1.0


@pytest.mark.parametrize("work", [w for w in WORKS if w.startswith("zh_")])
@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2hk"])
def test_a_traditional_script_copy_meets_its_simplified_original(work: str, config: str,
                                                                 work_fingerprints: dict[str, TextFingerprint]) -> None:
    import opencc

    traditional = opencc.OpenCC(config).convert(load_article(work))
    changed = sum(a != b for a, b in zip(traditional, load_article(work))) / len(traditional)
    assert changed > 0.2  # a good share of the characters differ
    match = compare_texts(fingerprint_text(traditional), work_fingerprints[work])
    assert match is not None and match.score >= 0.95 and match.verdict == "copy"
