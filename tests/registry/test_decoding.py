"""Untrusted media decoded in worker processes (`registry.decoding`): the same pictures as decoding
in process, progress on the way, and a worker past its memory or time limit, or killed mid-decode,
turned into a clear error while the next decode works."""

from __future__ import annotations

import doctest
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlmodel import select

import registry.decoding
from fingerprint.errors import FingerprintError, VideoLimitError
from fingerprint.video import INTERVAL, QUERY_INTERVAL, DecodeLimits, Pictures
from registry.decoding import DecodeJob, DecodePool, _interpret, decode
from registry.errors import InvalidInputError
from registry.models import Work
from registry.registration.media import register_media
from registry.requests import RegistrationRequest
from registry.service import Registry

from ..conftest import SAMPLES

LINUX = sys.platform.startswith("linux")  # RLIMIT_AS, and /proc to find the workers
ROOM = 2048  # MB: the default memory limit
LONG_FRAMES = 4000  # a 160x120 video that takes about half a second to decode: time to kill it midway


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """The sample 10 s video and still, a 12-megapixel photo and a long plain video."""
    folder = tmp_path_factory.mktemp("decoding")
    texture = (np.random.default_rng(7).random((120, 480)) * 255).astype(np.uint8)
    writer = cv2.VideoWriter(str(folder / "long.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 25, (160, 120))
    for i in range(LONG_FRAMES):
        writer.write(cv2.cvtColor(np.roll(texture, i, axis=1)[:, :160], cv2.COLOR_GRAY2BGR))
    writer.release()
    smooth = cv2.resize(np.random.default_rng(8).random((30, 40, 3), np.float32) * 255, (4000, 3000))
    cv2.imwrite(str(folder / "photo.jpg"), smooth.astype(np.uint8))  # 36 MB once decoded: always its own mmap
    writer = cv2.VideoWriter(str(folder / "letterboxed.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 10, (320, 240))
    for i in range(40):  # black bars above and below a moving texture
        frame = np.zeros((240, 320), np.uint8)
        frame[40:200] = cv2.resize(np.roll(texture, 3 * i, axis=1)[:, :160], (320, 160))
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return {"video": SAMPLES / "media" / "market-street-walk.mp4", "long": folder / "long.mp4",
            "letterboxed": folder / "letterboxed.mp4",
            "image": SAMPLES / "media" / "market-street-still.jpg", "photo": folder / "photo.jpg"}


@pytest.fixture(scope="module")
def pool():  # type: ignore[no-untyped-def]
    """One warm worker shared by the tests of this module (each replaced worker starts again)."""
    shared = DecodePool(workers=1)
    yield shared
    shared.close()


def job(path: Path, kind: str = "video", interval: float = QUERY_INTERVAL) -> DecodeJob:
    return DecodeJob(kind, path, DecodeLimits(), interval)


def workers_of_this_process() -> list[int]:
    """Pids of this process's decoding workers (children whose command line runs registry.decoding)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"registry.decoding" in command:
            found.append(int(entry.name))
    return found


def killing_with(number: int):  # type: ignore[no-untyped-def]
    """A progress callback that sends `number` to the decoding worker at its first report."""
    def progress(share: float) -> None:
        for pid in workers_of_this_process():
            os.kill(pid, number)
    return progress


def assert_same(isolated: Pictures, in_process: Pictures) -> None:
    assert isolated.duration == in_process.duration
    np.testing.assert_array_equal(isolated.times, in_process.times)
    assert len(isolated.pictures) == len(in_process.pictures) > 0
    for a, b in zip(isolated.pictures, in_process.pictures):
        np.testing.assert_array_equal(a, b)
    assert isolated.box == in_process.box
    assert (isolated.frames is None) == (in_process.frames is None)
    for a, b in zip(isolated.frames or (), in_process.frames or ()):  # the pictures before bars were cut
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("name", "kind", "interval"),
    [
        ("video", "video", QUERY_INTERVAL),  # what a match decodes
        ("video", "video", INTERVAL),  # what a registration decodes
        ("image", "image", QUERY_INTERVAL),  # a still: one picture
        ("letterboxed", "video", QUERY_INTERVAL),  # bars cut, the uncut frames kept as well
    ],
    ids=["video-query", "video-registration", "image", "letterboxed"],
)
def test_a_worker_decodes_the_same_pictures_as_this_process(pool, media, name, kind, interval):
    decoded = pool.decode(job(media[name], kind, interval), memory_mb=ROOM, timeout_seconds=60)
    assert_same(decoded.pictures, decode(job(media[name], kind, interval)))
    assert decoded.seconds > 0
    if name == "letterboxed":
        assert decoded.pictures.box is not None and decoded.pictures.box[1] > 0


def test_progress_reaches_the_caller(pool, media):
    shares: list[float] = []
    pool.decode(job(media["video"]), memory_mb=ROOM, timeout_seconds=60, progress=shares.append)
    assert len(shares) >= 2 and shares == sorted(shares) and shares[-1] == 1.0


def test_a_refused_file_is_the_decoders_own_error_and_the_worker_is_kept(pool, media, tmp_path):
    broken = tmp_path / "cut.mp4"
    broken.write_bytes(media["video"].read_bytes()[:3000])
    with pytest.raises(FingerprintError) as isolated:
        pool.decode(job(broken), memory_mb=ROOM, timeout_seconds=60)
    with pytest.raises(FingerprintError) as in_process:
        decode(job(broken))
    assert (type(isolated.value), str(isolated.value)) == (type(in_process.value), str(in_process.value))
    before = workers_of_this_process() if LINUX else None
    pool.decode(job(media["image"], "image"), memory_mb=ROOM, timeout_seconds=60)
    assert before is None or workers_of_this_process() == before  # the same worker decoded again


@pytest.mark.skipif(not LINUX, reason="RLIMIT_AS is enforced on Linux only")
def test_past_the_memory_limit_is_a_clear_error_and_the_next_decode_works(pool, media):
    # 64 MB is below what an idle worker holds (about 530 MB, mostly reserved by OpenCV): the 36 MB
    # the decoded photo needs cannot be had
    with pytest.raises(InvalidInputError, match=r"^decoding photo\.jpg needed more than 64 MB") as caught:
        pool.decode(job(media["photo"], "image"), memory_mb=64, timeout_seconds=60)
    assert caught.value.details == {"reason": "memory_limit"}
    assert_same(pool.decode(job(media["photo"], "image"), memory_mb=ROOM, timeout_seconds=60).pictures,
                decode(job(media["photo"], "image")))


def test_a_decode_past_the_timeout_is_killed_and_the_next_decode_works(pool, media):
    with pytest.raises(InvalidInputError, match=r"^decoding long\.mp4 took longer than 0\.05 s") as caught:
        pool.decode(job(media["long"]), memory_mb=ROOM, timeout_seconds=0.05)
    assert caught.value.details == {"reason": "timeout"}
    if LINUX:
        assert workers_of_this_process() == []  # killed, not left decoding
    assert pool.decode(job(media["video"]), memory_mb=ROOM, timeout_seconds=60).pictures.pictures


@pytest.mark.skipif(not LINUX, reason="finds its worker through /proc")
@pytest.mark.parametrize(
    ("number", "words"),
    [
        (signal.SIGKILL, "signal 9, SIGKILL"),  # what the kernel's OOM killer sends
        (signal.SIGSEGV, "signal 11, SIGSEGV"),  # what a codec's bad pointer brings
    ],
    ids=["sigkill", "sigsegv"],
)
def test_a_worker_killed_mid_decode_is_a_clear_error_and_the_next_decode_works(pool, media, number, words):
    with pytest.raises(InvalidInputError, match=rf"^the decoder crashed on long\.mp4 \({words}\)") as caught:
        pool.decode(job(media["long"]), memory_mb=ROOM, timeout_seconds=60, progress=killing_with(number))
    assert caught.value.details == {"reason": "crash"}
    assert pool.decode(job(media["video"]), memory_mb=ROOM, timeout_seconds=60).pictures.pictures


@pytest.mark.skipif(not LINUX, reason="finds its workers through /proc")
def test_closing_the_pool_stops_its_workers(media):
    before = set(workers_of_this_process())  # the module's pool may have one
    other = DecodePool(workers=1)
    other.decode(job(media["image"], "image"), memory_mb=ROOM, timeout_seconds=60)
    (pid,) = set(workers_of_this_process()) - before
    other.close()
    assert pid not in workers_of_this_process()
    with pytest.raises(RuntimeError, match="closed"):
        other.decode(job(media["image"], "image"), memory_mb=ROOM, timeout_seconds=60)


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        ({"tag": "chunk", "shapes": [[10, 10]]}, b"\0" * 50),  # fewer bytes than its shapes say
        ({"tag": "chunk", "shapes": [[5, 5]]}, b"\0" * 50),  # more
        ({"tag": "chunk", "shapes": [[-5, -10]]}, b"\0" * 50),  # a negative side
        ({"tag": "done", "duration": "soon", "times": [], "peak": 0}, b""),  # not a number
        ({"tag": "done", "duration": 1.0, "times": [], "peak": 0, "box": [1, 2]}, b""),  # not a box
        ({"tag": "exec", "code": "import os"}, b""),  # a tag the worker never sends
        ({"share": 0.5}, b""),  # no tag
    ],
    ids=["short-chunk", "long-chunk", "negative-shape", "bad-duration", "bad-box", "unknown-tag", "no-tag"],
)
def test_a_malformed_reply_is_refused(header, payload):
    with pytest.raises((KeyError, TypeError, ValueError)):
        _interpret(header, memoryview(payload))


def test_a_refusal_names_only_fingerprint_errors():
    _, named = _interpret({"tag": "refused", "error": "VideoLimitError", "message": "too long"}, memoryview(b""))
    _, other = _interpret({"tag": "refused", "error": "SystemExit", "message": "bye"}, memoryview(b""))
    assert (type(named), str(named)) == (VideoLimitError, "too long")
    assert type(other) is FingerprintError


def test_the_worker_imports_no_web_or_database_code():
    script = ("import json, sys, PIL.Image, registry.decoding; "  # what a worker imports before its first job
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert set(json.loads(loaded)) & {"web", "fastapi", "starlette", "uvicorn", "sqlalchemy", "sqlmodel",
                                      "psycopg", "alembic", "pydantic", "c2pa"} == set()


def test_the_module_example_runs():
    assert doctest.testmod(registry.decoding, optionflags=doctest.ELLIPSIS).failed == 0


@pytest.mark.skipif(not LINUX, reason="finds its worker through /proc")
def test_the_registry_stays_usable_after_its_worker_is_killed(registry, media, tmp_path):
    request = RegistrationRequest(model="veo")
    with pytest.raises(InvalidInputError, match="the decoder crashed on long.mp4"):
        register_media(registry, media["long"], request,
                       progress=lambda stage, share: killing_with(signal.SIGKILL)(share))
    with registry.db.reading() as session:
        assert list(session.exec(select(Work))) == []
    assert register_media(registry, media["video"], request).kind == "video"


def test_without_isolation_the_registry_decodes_in_process(settings, media):
    in_process = Registry.open(settings.model_copy(update={"decode_isolation": False}))
    try:
        assert in_process.decode_pool is None
        assert register_media(in_process, media["video"], RegistrationRequest(model="veo")).kind == "video"
    finally:
        in_process.close()
