"""``normalise_for_matching``: what a copier changes for free must not change the normalised text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fingerprint.text import normalise_for_matching

NORMALISE_CASES = [
    # (text, normalised)
    pytest.param("Hello, World!", "hello world", id="ascii-punctuation-and-case"),
    # fullwidth letters, digits and punctuation fold to ASCII (NFKC)
    pytest.param("ＡＩ生成内容，２０２４年！", "ai生成内容 2024年", id="fullwidth-forms"),
    # CJK punctuation becomes a word break, CJK characters are kept as they are
    pytest.param("清川至云岭高速铁路，正式开通。", "清川至云岭高速铁路 正式开通", id="chinese-punctuation"),
    # CRLF, tabs, non-breaking and ideographic spaces all collapse to one space; ends stripped
    pytest.param("  line one\r\n\r\n\tline\u00a0two\u3000three  ", "line one line two three",
                 id="whitespace-and-line-endings"),
    # invisible format characters vanish without splitting the word
    pytest.param("infor\u00admation\u200b and \ufeffdata", "information and data", id="soft-hyphen-zero-width-bom"),
    # casefold is stronger than lower: German sharp s and Greek final sigma
    pytest.param("STRASSE straße ΣΊΣΥΦΟΣ", "strasse strasse σίσυφοσ", id="casefold"),
    # ligatures and compatibility characters decompose
    pytest.param("ﬁnance ① ㈱", "finance 1 株", id="compatibility-characters"),
    # symbols and dashes are word breaks, digits stay
    pytest.param("$58m — up 40% (2028)", "58m up 40 2028", id="symbols-and-numbers"),
    # combining marks are kept and composed
    pytest.param("cafe\u0301 CAFÉ", "café café", id="combining-marks"),
    pytest.param("", "", id="empty"),
    pytest.param(" \n\t。，！", "", id="only-punctuation-and-space"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALISE_CASES)
def test_normalise_for_matching(text: str, expected: str) -> None:
    assert normalise_for_matching(text) == expected


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_for_matching(text)
    assert normalise_for_matching(once) == once


@given(st.text())
def test_normalised_text_has_single_inner_spaces_only(text: str) -> None:
    normalised = normalise_for_matching(text)
    assert normalised == normalised.strip()
    assert "  " not in normalised
    assert all(c == " " or not c.isspace() for c in normalised)


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo", "Nd"]), min_size=1))
def test_case_and_width_do_not_matter(text: str) -> None:
    assert normalise_for_matching(text.upper()) == normalise_for_matching(text.lower().swapcase().upper())


def test_the_shipped_script_table_is_what_opencc_gives():
    """fingerprint/text/t2s.tsv is OpenCC's, regenerated with `python -m fingerprint.text._script`."""
    from fingerprint.text import _script

    assert _script.TABLE.read_text(encoding="utf-8") == _script.table_text(_script.build_table())


@pytest.mark.parametrize(("traditional", "simplified"), [
    ("臺灣高鐵昨日宣佈，兩條新線將於明年開通。", "台湾高铁昨日宣布，两条新线将于明年开通。"),
    ("香港會議展覽中心舉辦國際茶葉博覽會", "香港会议展览中心举办国际茶叶博览会"),
    ("裡面的軟體與網路", "里面的软体与网路"),  # Taiwan variants (裡) as well
])
def test_traditional_and_simplified_normalise_alike(traditional, simplified):
    assert normalise_for_matching(traditional) == normalise_for_matching(simplified)


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=200))  # unified ideographs
def test_folding_is_idempotent_and_keeps_every_character(text):
    once = normalise_for_matching(text)
    assert normalise_for_matching(once) == once
    assert len(once.replace(" ", "")) == len(text)  # one character to one: offsets stay put


_ALPHABET = "abcXYZ ,.!?\n\t\u3000，。「」中文臺灣ｆｕｌｌ１２ﬁß-'\u200b"


@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=120))
def test_origins_normalise_like_the_whole_text_and_point_at_their_characters(text):
    from fingerprint.text import normalised_origins
    from fingerprint.text._normalise import _fold_one

    normalised, origins = normalised_origins(text)
    assert normalised == normalise_for_matching(text)
    assert len(origins) == len(normalised) + 1 and origins[-1] == len(text)
    assert all(char in _fold_one(text[at]) for char, at in zip(normalised, origins[:-1].tolist()))
    assert list(origins[:-1]) == sorted(origins[:-1])


@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60), st.integers(1, 7))
def test_origins_are_the_same_folded_a_few_characters_at_a_time(text, chunk):
    """Long texts are folded in chunks (bounded memory): chunk ends change nothing, spaces collapse across them."""
    from unittest import mock

    from fingerprint.text import _normalise

    whole, whole_origins = _normalise.normalised_origins(text)
    with mock.patch.object(_normalise, "_ORIGIN_CHUNK", chunk):
        chunked, chunked_origins = _normalise.normalised_origins(text)
        offsets = _normalise.normalised_offsets(text)
    assert chunked == whole and chunked_origins.tolist() == whole_origins.tolist() == offsets.tolist()


def test_a_passage_is_located_in_the_text_as_given():
    from fingerprint.text import compare_texts, fingerprint_text, locate_passages

    work = ("The first of twelve remotely operated ship-to-shore cranes arrived at the Calder Bay container "
            "terminal on Tuesday afternoon, the port authority said.")
    suspect = "SUBSCRIBE NOW!!\r\n\r\n" + work.upper().replace(" ", "  ") + "\n\nShare this story."
    query, registered = fingerprint_text(suspect), fingerprint_text(work)
    match = compare_texts(query, registered)
    (passage,) = locate_passages([p.to_dict() for p in match.passages], suspect, query.length, work,
                                 registered.length)
    shown = suspect[passage["suspect_text_start"]:passage["suspect_text_end"]]
    assert shown.startswith("THE  FIRST") and shown.endswith("AUTHORITY")  # whole words, in the suspect as sent
    assert work[passage["work_text_start"]:passage["work_text_end"]].startswith("The first of twelve")
