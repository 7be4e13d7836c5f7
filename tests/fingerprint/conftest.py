"""Fixtures for the text fingerprint tests: the asset articles and seeded edits of them.

Each edit takes an article and a ``random.Random`` and returns an ``EditedCopy``: the suspect text
and, where the edit knows it, the copied region on each side in characters of the normalised texts
(so a test can check that passages point at it). Edits are pure functions of (article, seed).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from fingerprint.text import normalise_for_matching

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "text"
# By file name: "<work>_other" is a hard negative of "<work>" (same topic, different wording).
HARD_NEGATIVES = {p.stem: p.stem.removesuffix("_other") for p in sorted(ASSETS.glob("*_other.txt"))}
WORKS = tuple(p.stem for p in sorted(ASSETS.glob("*.txt"))
              if p.stem not in HARD_NEGATIVES and not p.stem.startswith("filler"))


def load_article(name: str) -> str:
    return (ASSETS / f"{name}.txt").read_text(encoding="utf-8")


def is_chinese(text: str) -> bool:
    return sum("\u4e00" <= c <= "\u9fff" for c in text) > len(text) / 4


@dataclass(frozen=True)
class EditedCopy:
    text: str
    work_region: tuple[int, int] | None = None  # copied range of the normalised work
    query_region: tuple[int, int] | None = None  # where it sits in the normalised query
    host: str | None = None  # the asset the copy was pasted into, if any


def _region(part: str, whole: str) -> tuple[int, int]:
    """Where normalised ``part`` sits in normalised ``whole`` (it must be there verbatim)."""
    part_n, whole_n = normalise_for_matching(part), normalise_for_matching(whole)
    start = whole_n.find(part_n)
    assert start >= 0, "the region must be copied verbatim"
    return start, start + len(part_n)


# --- sentences and paragraphs ------------------------------------------------------------------

_SENTENCE = re.compile(r".+?(?:[.!?。！？]+[\"”’」]*|$)\s*", re.S)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(paragraph) if s.strip()]


def join(paras: list[list[str]], chinese: bool) -> str:
    glue = "" if chinese else " "
    return "\n\n".join(glue.join(p) for p in paras)


def _split(text: str) -> list[list[str]]:
    return [sentences(p) for p in paragraphs(text)]


# --- the edits ---------------------------------------------------------------------------------


def exact(text: str, rng: random.Random) -> EditedCopy:
    return EditedCopy(text)


def typos(rate: float) -> Callable[[str, random.Random], EditedCopy]:
    """Substitute, drop, double or swap about ``rate`` of the letters and CJK characters."""

    def edit(text: str, rng: random.Random) -> EditedCopy:
        pool = [c for c in text if c.isalnum()]
        out = list(text)
        for i in range(len(out) - 1):
            if not out[i].isalnum() or rng.random() >= rate:
                continue
            kind = rng.choice(("substitute", "drop", "double", "swap"))
            if kind == "substitute":
                out[i] = rng.choice(pool)
            elif kind == "drop":
                out[i] = ""
            elif kind == "double":
                out[i] = out[i] * 2
            else:
                out[i], out[i + 1] = out[i + 1], out[i]
        return EditedCopy("".join(out))

    return edit


def reorder_sentences(text: str, rng: random.Random) -> EditedCopy:
    """Shuffle the sentences in every paragraph, then the paragraphs."""
    paras = _split(text)
    for p in paras:
        rng.shuffle(p)
    rng.shuffle(paras)
    return EditedCopy(join(paras, is_chinese(text)))


def delete_sentences(fraction: float) -> Callable[[str, random.Random], EditedCopy]:
    def edit(text: str, rng: random.Random) -> EditedCopy:
        paras = _split(text)
        slots = [(i, j) for i, p in enumerate(paras) for j in range(len(p))]
        doomed = set(rng.sample(slots, round(fraction * len(slots))))
        kept = [[s for j, s in enumerate(p) if (i, j) not in doomed] for i, p in enumerate(paras)]
        return EditedCopy(join([p for p in kept if p], is_chinese(text)))

    return edit


def insert_foreign(text: str, rng: random.Random) -> EditedCopy:
    """About one unrelated sentence for every four, at random places."""
    chinese = is_chinese(text)
    foreign = load_article("filler_zh" if chinese else "filler_en").splitlines()
    paras = _split(text)
    for _ in range(sum(map(len, paras)) // 4):
        p = rng.choice(paras)
        p.insert(rng.randrange(len(p) + 1), rng.choice(foreign))
    return EditedCopy(join(paras, chinese))


BOILERPLATE = {
    "en": ("DAILY BRIEFING | Tuesday edition\nYou are receiving this newsletter because you signed up "
           "at our website. View it in your browser. Forward to a friend!\n-----",
           "-----\nLike what you read? Subscribe for $4.99/month and get unlimited access. Follow us "
           "on social media. Unsubscribe | Privacy policy | Manage preferences. (c) All rights reserved."),
    "zh": ("【每日早报】第1024期\n您收到这封邮件是因为您订阅了我们的新闻简报。点击这里在浏览器中查看，欢迎转发给朋友！\n——",
           "——\n喜欢本文？扫码关注公众号，每天推送最新资讯。退订｜隐私政策｜偏好设置。版权所有，转载请注明出处。"),
}


def boilerplate(text: str, rng: random.Random) -> EditedCopy:
    header, footer = BOILERPLATE["zh" if is_chinese(text) else "en"]
    query = f"{header}\n\n{text}\n\n{footer}"
    return EditedCopy(query, work_region=(0, len(normalise_for_matching(text))), query_region=_region(text, query))


def excerpt(text: str, rng: random.Random) -> EditedCopy:
    """2-3 consecutive body paragraphs making 15-25% of the article (or nearest to 20%)."""
    paras = paragraphs(text)[1:]
    total = sum(map(len, paras))
    runs = [paras[i : i + n] for n in (2, 3) for i in range(len(paras) - n + 1)]
    in_range = [r for r in runs if 0.15 <= sum(map(len, r)) / total <= 0.25]
    nearest = min(runs, key=lambda r: abs(sum(map(len, r)) / total - 0.2))  # for long paragraphs
    chosen = "\n\n".join(rng.choice(in_range) if in_range else nearest)
    return EditedCopy(chosen, work_region=_region(chosen, text), query_region=(0, len(normalise_for_matching(chosen))))


def excerpt_in_other_article(text: str, rng: random.Random) -> EditedCopy:
    """An excerpt pasted between the paragraphs of a hard negative (same topic where there is one)."""
    chinese = is_chinese(text)
    same_topic = [n for n, work in HARD_NEGATIVES.items() if load_article(work) == text]
    any_language = [n for n in HARD_NEGATIVES if n.startswith("zh" if chinese else "en")]
    host = (same_topic or any_language)[0]
    host_paragraphs = paragraphs(load_article(host))
    pasted = excerpt(text, rng)
    middle = len(host_paragraphs) // 2
    query = "\n\n".join(host_paragraphs[:middle] + [pasted.text] + host_paragraphs[middle:])
    return EditedCopy(query, work_region=pasted.work_region, query_region=_region(pasted.text, query), host=host)


_FULLWIDTH = str.maketrans({",": "，", ".": "．", "!": "！", "?": "？", ":": "：", ";": "；", '"': "＂",
                            "，": ",", "。": ".", "“": '"', "”": '"', "：": ":", "、": ","})


def reformat(text: str, rng: random.Random) -> EditedCopy:
    """CRLF line endings, hard-wrapped lines, doubled spaces, swapped half/fullwidth punctuation, caps."""
    chinese = is_chinese(text)
    wrapped = []
    for p in paragraphs(text):
        p = p.translate(_FULLWIDTH)
        width = 28 if chinese else 60
        if chinese:
            lines = [p[i : i + width] for i in range(0, len(p), width)]
        else:
            words = [w.upper() if rng.random() < 0.05 else w for w in p.split(" ")]
            lines, line = [], ""
            for w in words:
                if len(line) + len(w) > width:
                    lines.append(line)
                    line = ""
                line += w + rng.choice(("  ", " ", " ", "\t"))
            lines.append(line)
        wrapped.append("\r\n".join(lines))
    return EditedCopy("\r\n\r\n".join(wrapped) + "\r\n")


SYNONYMS_EN = {
    "said": "stated", "says": "claims", "new": "fresh", "first": "initial", "largest": "biggest",
    "people": "individuals", "now": "currently", "also": "additionally",
    "will": "shall", "next": "following", "last": "previous", "many": "numerous", "begin": "start",
    "help": "assist", "could": "might", "fell": "dropped", "almost": "nearly", "roughly": "approximately",
    "about": "around", "around": "about", "every": "each", "each": "every", "jobs": "positions",
    "staff": "employees", "town": "city", "local": "nearby", "plans": "intends", "expected": "anticipated",
    "officials": "authorities", "because": "since", "however": "nevertheless", "before": "prior to",
    "after": "following", "although": "though", "several": "a number of", "areas": "zones",
    "hard": "difficult", "hardest": "toughest", "want": "wish", "need": "require", "very": "extremely",
    "young": "juvenile", "cost": "price", "small": "tiny", "more": "further", "than": "compared to",
    "with": "alongside", "from": "out of", "have": "possess", "has": "holds", "their": "its", "they": "these",
    "this": "that", "that": "which", "there": "here", "where": "wherever", "long": "lengthy",
}
SYNONYMS_ZH = {
    "表示": "指出", "介绍": "说明", "目前": "当前", "已经": "已", "开始": "启动", "计划": "打算",
    "提醒": "提示", "方便": "便利", "主要": "重点", "部分": "一些", "同时": "此外", "增加": "增长",
    "进行": "开展", "设置": "配备", "建设": "修建", "预计": "估计", "今年": "本年度", "去年": "上一年",
    "企业": "公司", "居民": "住户", "游客": "旅客", "工作": "上班", "提高": "提升", "时间": "时段",
    "不少": "许多", "及时": "尽快", "这条": "该条", "正在": "正", "过去": "以往", "发展": "推进",
    "采取": "采用", "通过": "经由", "生产": "制造", "负责人": "主管", "专家": "学者", "情况": "状况",
    "逐步": "渐渐", "持续": "连续", "现在": "如今", "技术": "科技", "地区": "区域", "城市": "都市",
    "每天": "每日", "如今": "现在", "一些": "部分", "当地": "本地", "能够": "可以", "可以": "能够",
}


def paraphrase_lite(per_sentence: int) -> Callable[[str, random.Random], EditedCopy]:
    """Replace up to ``per_sentence`` words of every sentence with a synonym."""

    def edit(text: str, rng: random.Random) -> EditedCopy:
        chinese = is_chinese(text)
        table = SYNONYMS_ZH if chinese else SYNONYMS_EN
        pattern = re.compile("|".join(sorted(table, key=len, reverse=True)) if chinese
                             else r"\b(?:" + "|".join(table) + r")\b")
        paras = _split(text)
        for p in paras:
            for k, s in enumerate(p):
                hits = list(pattern.finditer(s))
                for m in sorted(rng.sample(hits, min(per_sentence, len(hits))), key=lambda m: -m.start()):
                    s = s[: m.start()] + table[m.group()] + s[m.end() :]
                p[k] = s
        return EditedCopy(join(paras, chinese))

    return edit


def combine(*edits: Callable[[str, random.Random], EditedCopy]) -> Callable[[str, random.Random], EditedCopy]:
    """Apply ``edits`` in order. The work region is the first edit's (it is relative to the
    original); the query region is the last edit's, or the whole query if the first edit's
    output was copied whole (an excerpt, then typos)."""

    def edit(text: str, rng: random.Random) -> EditedCopy:
        steps = []
        for step in edits:
            steps.append(step(text, rng))
            text = steps[-1].text
        first, last = steps[0], steps[-1]
        query_region = last.query_region
        if query_region is None and first.query_region == (0, len(normalise_for_matching(first.text))):
            query_region = (0, len(normalise_for_matching(text)))
        return EditedCopy(text, first.work_region, query_region)

    return edit


EDITS: dict[str, Callable[[str, random.Random], EditedCopy]] = {
    "exact": exact,
    "typos_2pct": typos(0.02),
    "typos_5pct": typos(0.05),
    "reorder": reorder_sentences,
    "delete_20pct": delete_sentences(0.2),
    "insert_foreign": insert_foreign,
    "boilerplate": boilerplate,
    "excerpt": excerpt,
    "excerpt_in_other_article": excerpt_in_other_article,
    "reformat": reformat,
    "paraphrase_lite": paraphrase_lite(2),
    "typos_delete_boilerplate": combine(typos(0.03), delete_sentences(0.2), boilerplate),
    "reorder_insert_reformat": combine(reorder_sentences, insert_foreign, reformat),
    "paraphrase_typos": combine(paraphrase_lite(2), typos(0.02)),
    "excerpt_typos": combine(excerpt, typos(0.02)),
    "excerpt_boilerplate": combine(excerpt, boilerplate),
}


def make_copy(work_name: str, edit_name: str, seed: int = 0) -> EditedCopy:
    """The seeded edit ``edit_name`` of the asset ``work_name``."""
    return EDITS[edit_name](load_article(work_name), random.Random(f"{work_name}/{edit_name}/{seed}"))


@pytest.fixture(scope="session")
def articles() -> dict[str, str]:
    """Every asset article by name (works and hard negatives, not the filler)."""
    return {p.stem: load_article(p.stem) for p in sorted(ASSETS.glob("*.txt")) if not p.stem.startswith("filler")}


@pytest.fixture(scope="session")
def edited_copy() -> Callable[..., EditedCopy]:
    """``edited_copy(work_name, edit_name, seed=0)``: see ``EDITS``."""
    return make_copy


@pytest.fixture(scope="session")
def edit_names() -> set[str]:
    return set(EDITS)
