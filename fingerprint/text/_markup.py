"""The text of an HTML or Markdown article, and where each of its characters is in the markup.

HTML goes through the standard library's HTML parser (``html.parser``, which reads the tag soup
browsers accept): ``<script>``, ``<style>``, ``<noscript>``, ``<template>``, ``<svg>`` and the
``<head>`` (but its ``<title>``) are dropped; every block element (``<p>``, ``<div>``, ``<li>``,
headings...) ends a paragraph and ``<br>`` a line; entities are decoded; runs of whitespace
become one space. Markdown goes through markdown-it-py (CommonMark): link and image targets,
reference definitions and raw HTML tags are dropped, the rest is kept as written (its
punctuation, ``#``, ``*``, ``>``..., is folded away by normalisation anyway).

Each function returns ``(text, sources)``: ``sources[i]`` is the offset in the markup of the
character ``text[i]`` came from, so a passage found in the text can be shown in the markup sent.

>>> text, sources = html_text("<p>Hello <b>wide</b>&nbsp;world</p><script>x()</script><p>Bye</p>")
>>> text
'Hello wide world\\n\\nBye'
>>> sources[:3].tolist(), int(sources[text.index("B")])
([3, 4, 5], 58)
>>> markdown_text("# Title\\n\\nSee [the report](https://example.org/r) here.")[0]
'# Title\\n\\nSee [the report] here.'
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import numpy as np

DROPPED = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "head"})
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "title", "tr", "ul",
})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
_SPACES = re.compile(r"\s+")


class _Extractor(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.chars: list[str] = []
        self.offsets: list[int] = []
        self.dropping: list[str] = []  # open dropped elements (a <title> inside <head> is kept)
        self._in_title = False

    def _at(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _emit(self, text: str, start: int, step: bool) -> None:
        if self.dropping and not (self.dropping[-1] == "head" and self._in_title):
            return
        self.chars.extend(text)
        self.offsets.extend(range(start, start + len(text)) if step else [start] * len(text))

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag in DROPPED:
            self.dropping.append(tag)
        elif tag == "title":
            self._in_title = True
        if tag in BLOCKS:
            self._emit("\n\n", self._at(), False)
        elif tag == "br":
            self._emit("\n", self._at(), False)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED and tag in self.dropping:
            while self.dropping and self.dropping.pop() != tag:
                pass
        elif tag == "title":
            self._in_title = False
            self._emit("\n\n", self._at(), False)
        if tag in BLOCKS:
            self._emit("\n\n", self._at(), False)

    def handle_data(self, data: str) -> None:
        self._emit(data, self._at(), True)

    def handle_entityref(self, name: str) -> None:
        self._emit(unescape(f"&{name};"), self._at(), False)

    def handle_charref(self, name: str) -> None:
        self._emit(unescape(f"&#{name};"), self._at(), False)


def _tidy(chars: list[str], offsets: list[int]) -> tuple[str, np.ndarray]:
    """Whitespace runs to one space (a run holding a paragraph break to a blank line), lines
    stripped, no blank line at either end; offsets follow the characters kept."""
    text = "".join(chars)
    kept_chars: list[str] = []
    kept_offsets: list[int] = []
    cursor = 0
    for run in _SPACES.finditer(text):
        kept_chars.extend(text[cursor:run.start()])
        kept_offsets.extend(offsets[cursor:run.start()])
        separator = "\n\n" if run.group().count("\n") >= 2 else " "
        kept_chars.extend(separator)
        kept_offsets.extend([offsets[run.start()]] * len(separator))
        cursor = run.end()
    kept_chars.extend(text[cursor:])
    kept_offsets.extend(offsets[cursor:])
    tidy = "".join(kept_chars)
    start = len(tidy) - len(tidy.lstrip())
    end = len(tidy.rstrip())
    return tidy[start:end], np.array(kept_offsets[start:end], dtype=np.int64)


def html_text(source: str) -> tuple[str, np.ndarray]:
    """The text of an HTML document or fragment and each character's offset in `source`."""
    parser = _Extractor(source)
    parser.feed(source)
    parser.close()
    return _tidy(parser.chars, parser.offsets)


def markdown_text(source: str) -> tuple[str, np.ndarray]:
    """The text of a Markdown document and each character's offset in `source`: what markdown-it
    parses as a link or image target, a reference definition or raw HTML is left out."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark")
    env: dict = {}
    tokens = parser.parse(source, env)
    drop = np.zeros(len(source) + 1, dtype=np.int32)  # +1 at a dropped span's start, -1 at its end

    def span(start: int, end: int) -> None:
        drop[start] += 1
        drop[end] -= 1

    targets = {t.attrs.get("href") or t.attrs.get("src") for token in tokens for t in (token.children or [])
               if t.type in ("link_open", "image")}
    for target in filter(None, targets):  # "](target ...)" and "<target>": the link's target, not its words
        for found in re.finditer(r"\]\(\s*<?" + re.escape(str(target)) + r'>?(\s+("[^"]*"|\'[^\']*\'|\([^)]*\)))?\s*\)',
                                 source):
            span(found.start() + 1, found.end())
        for found in re.finditer("<" + re.escape(str(target)) + ">", source):
            span(found.start(), found.end())
    lines = [0] + [m.end() for m in re.finditer("\n", source)] + [len(source)]
    for label in env.get("references", {}):  # "[label]: target": a definition, not text
        for found in re.finditer(r"^ {0,3}\[" + re.escape(label) + r"\]:.*$", source, re.M | re.I):
            span(found.start(), found.end())
    for token in tokens:
        if token.type == "html_block" and token.map:
            first, end = lines[token.map[0]], lines[min(token.map[1], len(lines) - 1)]
            for tag in re.finditer(r"<[^>]*>", source[first:end]):
                span(first + tag.start(), first + tag.end())
        for child in token.children or []:
            if child.type == "html_inline":
                for found in re.finditer(re.escape(child.content), source):
                    span(found.start(), found.end())
    kept = np.cumsum(drop[:-1]) == 0
    offsets = np.flatnonzero(kept)
    chars = [source[i] for i in offsets.tolist()]
    return _tidy(chars, offsets.tolist())
