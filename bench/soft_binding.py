"""The C2PA Soft Binding Resolution API's paths: resolving by binding value against by content,
and reading a manifest's label from its JUMBF boxes against c2pa's Reader.

    .venv/bin/python bench/soft_binding.py [--articles 300] [--queries 40]

A registry (SQLite, temporary folder) gets `--articles` synthetic articles (half English, half
Chinese, as in bench/text_match.py) registered end to end, plus the sample video and image. Then,
in one run:

- an article's label (its manifest id) read with `provenance.jumbf` and with c2pa's Reader;
- `matches_by_binding` with a registered article's own binding value, against
  `matches_by_content` with an edited copy of it (3% typos and a header, or an excerpt), the
  obvious way to resolve without a binding: ms per query, and how many found their work;
- the same for the video: its last segment's value against a re-encoded copy of the file.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import cv2

from provenance import _c2pa
from provenance.jumbf import active_manifest_label
from registry.registration.article import register_article
from registry.registration.media import register_media
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings
from registry.soft_binding import resolution
from registry.soft_binding.bindings import TEXT_ALG, VIDEO_ALG, text_soft_binding
from registry.works import work_manifest, work_segments

from text_match import make_query, synthetic_article, vocabularies  # bench/ is the script's own folder

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def per_call_ms(calls: list) -> tuple[float, list]:  # type: ignore[type-arg]
    results, times = [], []
    for call in calls:
        t0 = time.perf_counter()
        results.append(call())
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, results


def reencoded(source: Path, folder: Path) -> Path:
    capture = cv2.VideoCapture(str(source))
    fps, path, writer = capture.get(cv2.CAP_PROP_FPS), folder / "copy.mp4", None
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frame = cv2.resize(frame, (frame.shape[1] * 3 // 4 // 2 * 2, frame.shape[0] * 3 // 4 // 2 * 2))
        if writer is None:
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, frame.shape[1::-1])
        writer.write(frame)
    capture.release()
    writer.release()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    rng, vocab = random.Random(5), vocabularies()
    with tempfile.TemporaryDirectory() as folder:
        registry = Registry.open(Settings(data_dir=Path(folder), load_samples=False))
        request = RegistrationRequest(model="bench-model", model_version="1")
        texts = {}
        for _ in range(args.articles):
            text = synthetic_article(rng, vocab, chinese=rng.random() < 0.5)
            texts[register_article(registry, text.encode(), request).work_id] = text
        video = register_media(registry, SAMPLES / "media" / "harbour-drone-pass.mp4", request).work_id
        print(f"registered {args.articles} articles and a video")

        chosen = rng.sample(sorted(texts), min(args.queries, len(texts)))
        stores = [work_manifest(registry, work_id) for work_id in chosen]
        ours_ms, labels = per_call_ms([lambda s=s: active_manifest_label(s) for s in stores])
        reader_ms, read = per_call_ms([lambda s=s: _c2pa.read_detached(b"", s, _c2pa.reader_settings(None))[0][
            "active_manifest"] for s in stores])
        assert labels == read
        print(f"a manifest's label: {ours_ms * 1000:.0f} us from its JUMBF boxes, {reader_ms:.1f} ms through "
              f"c2pa's Reader ({reader_ms / ours_ms:,.0f}x)")

        from fingerprint.text import fingerprint_text

        values = [text_soft_binding(fingerprint_text(texts[w])).blocks[0].value for w in chosen]
        by_binding_ms, found = per_call_ms([lambda v=v: resolution.matches_by_binding(registry, TEXT_ALG, v)
                                            for v in values])
        hits = sum(bool(f["matches"]) and f["matches"][0]["workId"] == w for f, w in zip(found, chosen))
        copies = []
        for work_id in chosen:
            path = Path(folder) / f"{work_id}.txt"
            path.write_text(make_query(rng, texts[work_id]), encoding="utf-8")
            copies.append(path)
        by_content_ms, found = per_call_ms([lambda p=p: resolution.matches_by_content(registry, p, "text/plain")
                                            for p in copies])
        content_hits = sum(bool(f["matches"]) and f["matches"][0]["workId"] == w for f, w in zip(found, chosen))
        print(f"an article: byBinding {by_binding_ms:.1f} ms ({hits}/{len(chosen)} found), byContent of an edited "
              f"copy {by_content_ms:.1f} ms ({content_hits}/{len(chosen)} found)")

        segment = work_segments(registry, video)["segments"][-1]["fingerprint"]
        by_binding_ms, found = per_call_ms([lambda: resolution.matches_by_binding(registry, VIDEO_ALG, segment)] * 5)
        copy = reencoded(SAMPLES / "media" / "harbour-drone-pass.mp4", Path(folder))
        by_content_ms, found_content = per_call_ms([lambda: resolution.matches_by_content(registry, copy,
                                                                                          "video/mp4")] * 3)
        print(f"the video: byBinding of a segment {by_binding_ms:.1f} ms (found: "
              f"{found[0]['matches'][0]['workId'] == video}), byContent of a re-encoded copy "
              f"{by_content_ms:.0f} ms (found: {found_content[0]['matches'][0]['workId'] == video})")
        registry.close()


if __name__ == "__main__":
    main()
