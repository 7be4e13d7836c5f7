"""canonicalise_article: one canonical text per article, binary and broken uploads refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.article import MAX_CONTROL_CHAR_SHARE, canonicalise_article, is_canonical_article
from provenance.errors import InvalidArticleError

CANONICAL = [
    # (raw bytes, canonical text)
    pytest.param(b"Hello world", "Hello world\n", id="final-newline-added"),
    pytest.param(b"Hello world\n", "Hello world\n", id="already-canonical"),
    pytest.param(b"\xef\xbb\xbfHello\n", "Hello\n", id="utf8-bom-stripped"),
    pytest.param(b"one\r\ntwo\r\n", "one\ntwo\n", id="crlf-to-lf"),
    pytest.param(b"one\rtwo\r", "one\ntwo\n", id="lone-cr-to-lf"),
    pytest.param(b"one\r\r\ntwo", "one\n\ntwo\n", id="cr-then-crlf"),
    pytest.param("Cafe\u0301".encode(), "Caf\u00e9\n", id="nfd-to-nfc"),
    pytest.param("\u1100\u1161\u11a8".encode(), "\uac01\n", id="hangul-jamo-composed"),
    pytest.param(b"text  \n\n\t \n", "text\n", id="trailing-whitespace-at-eof-trimmed"),
    pytest.param(b"line with md break  \nnext\n", "line with md break  \nnext\n", id="inner-trailing-spaces-kept"),
    pytest.param(b"\n\n  indented start\n", "\n\n  indented start\n", id="leading-whitespace-kept"),
    pytest.param("春眠不觉晓，处处闻啼鸟。\r\n夜来风雨声，花落知多少。".encode(), "春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。\n", id="chinese"),
    pytest.param("emoji 👩‍💻 and RTL שלום\n".encode(), "emoji 👩‍💻 and RTL שלום\n", id="emoji-and-rtl"),
    pytest.param(b"tab\tseparated\fform feed\n", "tab\tseparated\fform feed\n", id="tab-and-formfeed-allowed"),
    pytest.param(("a" * 200 + "\x1b").encode(), "a" * 200 + "\x1b\n", id="one-stray-escape-tolerated"),
]


@pytest.mark.parametrize(("raw", "expected"), CANONICAL)
def test_canonical_form(raw: bytes, expected: str) -> None:
    assert canonicalise_article(raw) == expected
    assert is_canonical_article(expected)


REFUSED = [
    # (raw bytes, a phrase the message must contain)
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b"   \n\t\r\n  ", "only whitespace", id="whitespace-only"),
    pytest.param(b"\xef\xbb\xbf\n", "only whitespace", id="bom-only"),
    pytest.param("\u3000\n".encode(), "only whitespace", id="ideographic-space-only"),
    pytest.param(b"abc\xffdef", "offset 3", id="invalid-utf8-names-offset"),
    pytest.param("正文".encode() + b"\xe4\xb8", "offset 6", id="truncated-utf8-sequence"),
    pytest.param(b"\xc0\xaf", "offset 0", id="overlong-encoding"),
    pytest.param(b"text\x00more", "NUL byte at offset 4", id="nul-byte"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF", id="pdf"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG", id="png"),
    pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG", id="jpeg"),
    pytest.param(b"GIF89a\x01\x00", "GIF", id="gif"),
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00", "ZIP", id="zip-docx"),
    pytest.param(b"\x00\x00\x00\x20ftypisom", "MP4", id="mp4-ftyp"),
    pytest.param(b"\x7fELF\x02\x01\x01", "ELF", id="elf"),
    pytest.param(b"RIFF\x24\x08\x00\x00WAVEfmt ", "RIFF", id="wav"),
    pytest.param(b"\x1f\x8b\x08\x00", "gzip", id="gzip"),
    pytest.param("hello".encode("utf-16"), "UTF-16", id="utf16-with-bom"),
    pytest.param(b"a\x01b\x02c\x03d\x04" * 10, "control characters", id="control-characters"),
    pytest.param("x\u0085\u0086\u0087y".encode(), "control characters", id="c1-controls"),
]


@pytest.mark.parametrize(("raw", "phrase"), REFUSED)
def test_refused(raw: bytes, phrase: str) -> None:
    with pytest.raises(InvalidArticleError, match=phrase):
        canonicalise_article(raw)


def test_refuses_str_input() -> None:
    with pytest.raises(InvalidArticleError, match="bytes"):
        canonicalise_article("already text")  # type: ignore[arg-type]


def test_control_share_threshold_is_a_share() -> None:
    body = "a" * 999
    assert canonicalise_article((body + "\x07").encode())  # 0.1 %: tolerated
    with pytest.raises(InvalidArticleError):
        canonicalise_article(("\x07" * int(1000 * MAX_CONTROL_CHAR_SHARE * 2) + body).encode())


@given(st.text(min_size=1))
def test_canonical_form_is_a_fixed_point(text: str) -> None:
    try:
        once = canonicalise_article(text.encode("utf-8", "surrogatepass"))
    except InvalidArticleError:
        return
    assert canonicalise_article(once.encode("utf-8")) == once
    assert once.endswith("\n") and not once.endswith("\n\n") and "\r" not in once


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1))
def test_newline_style_does_not_change_the_canonical_text(line: str) -> None:
    lf = f"{line}\n{line}\n".encode()
    crlf = lf.replace(b"\n", b"\r\n")
    try:
        expected = canonicalise_article(lf)
    except InvalidArticleError:
        return
    assert canonicalise_article(crlf) == expected
    assert canonicalise_article(b"\xef\xbb\xbf" + crlf) == expected
