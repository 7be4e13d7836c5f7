"""HTML and Markdown articles reduced to their text, with each character's place in the markup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fingerprint.text import html_text, markdown_text


@pytest.mark.parametrize(("html", "text"), [
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("<div>a<br>b</div>", "a b"),  # a line break is whitespace within a paragraph
    ("<p>Fish &amp; chips &#8212; &#x4e2d;</p>", "Fish & chips \u2014 \u4e2d"),
    ("<p>kept</p><script>var x = '<p>not this</p>';</script><style>p{}</style><p>too</p>", "kept\n\ntoo"),
    ("<html><head><title>The title</title><meta charset=utf-8><style>x</style></head><body><p>Body</p></body></html>",
     "The title\n\nBody"),
    ("<ul><li>first</li><li>second</li></ul>", "first\n\nsecond"),
    ("<p>spaced   \n\t  out</p>", "spaced out"),
    ("<noscript>enable js</noscript><template><p>t</p></template><svg><text>s</text></svg><p>real</p>", "real"),
    ("<p>unclosed <b>bold <i>italic", "unclosed bold italic"),
])
def test_html_text(html, text):
    assert html_text(html)[0] == text


@pytest.mark.parametrize(("markdown", "text"), [
    ("# Heading\n\nA paragraph.", "# Heading\n\nA paragraph."),
    ("See [the report](https://example.org/report \"Report\") now.", "See [the report] now."),
    ("![a harbour](img/harbour.png) and <https://example.org>", "![a harbour] and"),
    ("Read [the study][1].\n\n[1]: https://example.org/study", "Read [the study][1]."),
    ("Text <span class=\"x\">inline</span> html.\n\n<div>\nblock\n</div>", "Text inline html.\n\nblock"),
    ("```\ncode stays\n```", "``` code stays ```"),  # a single line break is whitespace like any other
])
def test_markdown_text(markdown, text):
    assert markdown_text(markdown)[0] == text


@given(st.lists(st.sampled_from(["<p>", "</p>", "<b>", "</b>", "word", " ", "&amp;", "中文", "<br>", "\n",
                                 "<script>x</script>", "<!-- c -->", "&#65;"]), max_size=40))
def test_every_html_character_points_at_where_it_came_from(parts):
    source = "".join(parts)
    text, sources = html_text(source)
    assert len(sources) == len(text)
    assert list(sources) == sorted(sources) and all(0 <= s < len(source) for s in sources)
    for char, at in zip(text, sources.tolist()):
        if not char.isspace() and char not in "&A":  # decoded entities point at their "&"
            assert source[at] == char


@given(st.lists(st.sampled_from(["# ", "word", " ", "\n", "\n\n", "[link](http://x.org/a)", "*em*", "> ", "中文",
                                 "<b>", "</b>", "`code`"]), max_size=40))
def test_every_markdown_character_points_at_itself(parts):
    source = "".join(parts)
    text, sources = markdown_text(source)
    assert len(sources) == len(text)
    assert all(source[at] == char for char, at in zip(text, sources.tolist()) if not char.isspace())
