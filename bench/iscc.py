"""ISCC-CODEs at registration: what they cost, against the obvious alternatives.

    .venv/bin/python bench/iscc.py [--repeat 20] [--seconds 60] [--size 1280x720] [--folder DIR]

In one run:

- **articles**: `fingerprint.iscc.article_iscc` (iscc-lib, Rust) on the sample articles and on a long
  one (all of them joined, about 40 KB), against the same steps with iscc-core (the reference
  Python implementation: ``pip install iscc-core``, the bench extra); the codes must be equal;
- **the sample image**: `image_iscc` (Pillow normalisation and the Image-Code);
- **a video**: procedural footage (`samples/make_videos.py`, ``--seconds`` at ``--size``, H.264)
  registered end to end into fresh registries three ways: with its Video-Code, FFmpeg computing
  the MPEG-7 signatures beside the registry's own decoding (ours); with no Video-Code
  (``iscc_ffmpeg=off``); and the signatures computed after the registration, one after the other
  (the obvious way), timed as the registration plus the signatures alone.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
_sys.path.append(str(Path(__file__).resolve().parent))  # after the project: bench/provenance.py shadows it

from register_video import footage  # noqa: E402

from fingerprint.iscc import article_iscc, image_iscc, start_signatures, text_for_iscc  # noqa: E402
from registry.iscc import signature_ffmpeg  # noqa: E402
from registry.registration.media import register_media  # noqa: E402
from registry.requests import RegistrationRequest  # noqa: E402
from registry.service import Registry  # noqa: E402
from registry.settings import Settings  # noqa: E402


def median_ms(call, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def iscc_core_article(text: str, title: str) -> str:
    import iscc_core as ic

    content = text.encode("utf-8")
    units = [ic.gen_meta_code_v0(title, bits=64)["iscc"], ic.gen_text_code_v0(text_for_iscc(text), bits=64)["iscc"],
             ic.gen_data_code_v0(io.BytesIO(content), bits=64)["iscc"],
             ic.gen_instance_code_v0(io.BytesIO(content), bits=64)["iscc"]]
    return ic.gen_iscc_code_v0(units)["iscc"]


def articles(repeat: int) -> None:
    texts = [p.read_text("utf-8") for p in sorted((SAMPLES / "articles").glob("*.txt"))]
    long_text = "\n\n".join(texts * 2)
    try:
        import iscc_core  # noqa: F401
        reference = True
    except ImportError:
        reference = False
        print("(iscc-core is not installed: pip install iscc-core, or the bench extra, for the comparison)")
    print(f"\n{'article':<34} {'chars':>7} {'ours ms':>9} {'iscc-core ms':>13}  same code")
    for name, text in [(f"{len(texts)} sample articles, each", t) for t in texts[:1]] + [("long article", long_text)]:
        ours = median_ms(lambda: article_iscc(text, title="t"), repeat)
        if reference:
            theirs = median_ms(lambda: iscc_core_article(text, "t"), max(3, repeat // 4))
            same = all(article_iscc(t, title="t").code == iscc_core_article(t, "t") for t in (texts + [long_text]))
            print(f"{name:<34} {len(text):7,} {ours:9.2f} {theirs:13.2f}  {same} ({theirs / ours:.0f}x)")
        else:
            print(f"{name:<34} {len(text):7,} {ours:9.2f} {'-':>13}")
    mean = statistics.mean(median_ms(lambda t=t: article_iscc(t, title="t"), repeat) for t in texts)
    print(f"mean over the {len(texts)} sample articles: {mean:.2f} ms an article (ours)")


def image(repeat: int) -> None:
    still = SAMPLES / "media" / "market-street-still.jpg"
    ms = median_ms(lambda: image_iscc(still, title="t"), repeat)
    print(f"\nimage {still.name} ({still.stat().st_size:,} bytes): {ms:.2f} ms (decode, normalise, Image-Code, "
          "Data and Instance)")


def register_once(scratch: Path, name: str, video: Path, iscc_ffmpeg: str) -> float:
    registry = Registry.open(Settings(data_dir=scratch / name, load_samples=False, iscc_ffmpeg=iscc_ffmpeg))
    try:
        started = time.perf_counter()
        result = register_media(registry, video, RegistrationRequest(kind="video", model="bench-model"))
        elapsed = time.perf_counter() - started
        from registry.works import work_details

        code = work_details(registry, result.work_id)["iscc"]
        print(f"  {name:<44} {elapsed:6.2f} s  {code['code']}")
        return elapsed
    finally:
        registry.close()


def video(seconds: float, size: tuple[int, int], folder: Path | None) -> None:
    ffmpeg = signature_ffmpeg(Settings())
    if ffmpeg is None:
        print("\nno FFmpeg with the signature filter: the video part is skipped")
        return
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        where = folder or scratch / "videos"
        where.mkdir(parents=True, exist_ok=True)
        clip = footage(where, seconds, size, 1)[0]
        print(f"\nregister {clip.name} ({clip.stat().st_size:,} bytes) end to end, decoding isolated, "
              "each way twice in turn (the best counts):")
        ours, bare, alone = [], [], []
        for round_ in range(2):
            bare.append(register_once(scratch, f"no Video-Code (iscc_ffmpeg=off) #{round_}", clip, "off"))
            ours.append(register_once(scratch, f"with its Video-Code, FFmpeg beside (ours) #{round_}", clip, "auto"))
            started = time.perf_counter()
            frames = start_signatures(clip, ffmpeg).frames()
            alone.append(time.perf_counter() - started)
        ours, bare, alone = min(ours), min(bare), min(alone)  # type: ignore[assignment]
        print(f"  {'the signatures alone (' + str(len(frames)) + ' frames at 5 fps)':<44} {alone:6.2f} s")
        print(f"  one after the other (alternative): {bare + alone:.2f} s; ours {ours:.2f} s "
              f"(+{ours - bare:.2f} s over no Video-Code, {(bare + alone) / ours:.2f}x faster than in turn)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    articles(args.repeat)
    image(args.repeat)
    video(args.seconds, tuple(int(v) for v in args.size.split("x")), args.folder)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
