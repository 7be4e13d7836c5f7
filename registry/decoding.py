"""Untrusted videos and images decoded in worker processes, within a memory limit and a timeout.

The header checks in `fingerprint.video` refuse the bombs a file declares; this module bounds what
they cannot see: a codec that crashes, an allocation that blows up, a decoder that stops returning.
Each decode runs in a worker process of a small pool (`DecodePool`), and a failure there is a 422
naming the file, while the server stays up:

- past ``memory_mb`` of address space (`RLIMIT_AS`, Linux only: elsewhere it is not set):
  "decoding x.mp4 needed more than 2,048 MB";
- past ``timeout_seconds`` of wall-clock time, the worker is killed:
  "decoding x.mp4 took longer than 600 s";
- the worker dies (a signal, a crash in a codec): "the decoder crashed on x.mp4 (signal 11, SIGSEGV)".

A worker is started on first use (importing OpenCV: about 0.2 s), reused by the decodes after it,
and replaced after it crashed, was killed, or ran out of memory; `DecodePool.close` (called by
`Registry.close`, and at exit) stops them all. Progress reports and the sampled pictures come back
over the same connection; a `FingerprintError` raised in the worker (a truncated video, a still past
the pixel limit) is raised again in the caller as it is. A refused allocation surfaces as Python's
`MemoryError` or OpenCV's out-of-memory error; FFmpeg reports one as an unreadable stream, which
counts as the limit's when the worker is within 32 MB of it, and otherwise stays the decoder's own
refusal (a 422 as well).

Design, and why not `multiprocessing.Process` or `ProcessPoolExecutor`: with "spawn" or "forkserver"
the child imports the parent's ``__main__`` (under ``aigc-registry serve``, `web.cli`) and inherits
its environment, where glibc reads ``MALLOC_ARENA_MAX`` once at start (without it each thread may
reserve a 64 MB heap: with 32 OpenCV threads 4K decoding peaked at 1.9 GB of address space, 0.95 GB
with ``MALLOC_ARENA_MAX=2``). So a worker is a plain ``python -c`` child (`subprocess`) importing
this module and `fingerprint.video` only, with ``MALLOC_ARENA_MAX=2``, talking through a
`multiprocessing.connection.Connection` over a socket pair; the parent can kill one worker on its
deadline without breaking the others, which a process pool cannot. Jobs go to the worker pickled,
but the parent never unpickles what comes back (a worker a hostile file took over could send a
pickle that runs code in the server): replies are a JSON header and raw grey pixels, checked against
their declared shapes. The address-space limit is set around each decode and lifted before the reply,
so it bounds the decoding, not the reply. POSIX only: elsewhere, or to decode in the server process
as before, set ``AIGC_REGISTRY_DECODE_ISOLATION=false``.

Measured on the 2-core development machine (`bench/decoding.py`): an idle worker holds 530 MB of
address space (mostly OpenCV's reservations; 54 MB resident), decoding 10 s of 720p or a 12 MP JPEG
peaks at 600-645 MB, 4K video at 700 MB: the 2,048 MB default leaves room for an hour of 720p
sampled for a query (530 MB of pictures) and for more cores. A warm worker adds about 0.6 ms to an
image and nothing measurable to a 10 s video; starting one costs 0.16-0.22 s.

>>> from fingerprint.video import DecodeLimits
>>> still = Path(__file__).resolve().parent.parent / "samples" / "media" / "market-street-still.jpg"
>>> pool = DecodePool(workers=1)
>>> job = DecodeJob("image", still, DecodeLimits(), 0.25)
>>> decoded = pool.decode(job, memory_mb=2048, timeout_seconds=60)
>>> len(decoded.pictures.pictures), decoded.pictures.pictures[0].shape[1]
(1, 256)
>>> pool.close()
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from fingerprint import errors as fingerprint_errors
from fingerprint.errors import FingerprintError
from fingerprint.video import DecodeLimits, Pictures, image_pictures, video_pictures

from .errors import InvalidInputError

Progress = Callable[[float], None]  # share done, 0 to 1

START_TIMEOUT_SECONDS = 60.0  # for a worker to import OpenCV and say it is ready
CHUNK_BYTES = 8 * 2**20  # pictures are sent in messages of about this size, not one big pickle
LIMIT_SLACK_BYTES = 32 * 2**20  # a decoder failure this close to the limit is the limit's
MAX_REPLY_BYTES = 256 * 2**20  # a longer reply is a worker gone wrong
_BOOT = "import json, sys; sys.path[:0] = json.loads(sys.argv[2]); import registry.decoding as d; d.serve(int(sys.argv[1]))"


@dataclass(frozen=True)
class DecodeJob:
    """What to decode: a video sampled every `interval` seconds within `limits`, or a still image."""

    kind: str  # "video" or "image"
    path: Path
    limits: DecodeLimits
    interval: float


@dataclass(frozen=True)
class Decoded:
    pictures: Pictures
    seconds: float  # wall-clock time, as the caller saw it
    peak_bytes: int  # the worker's largest address space so far (VmPeak; 0 where /proc is missing)


def decode(job: DecodeJob, progress: Progress | None = None) -> Pictures:
    """Decode `job` in this process (the worker's step, and the path without isolation)."""
    if job.kind == "image":
        return image_pictures(job.path.read_bytes())
    return video_pictures(job.path, job.limits, progress, interval=job.interval)


class DecodePool:
    """Up to `workers` decoding processes, started on first use and reused; thread-safe."""

    def __init__(self, *, workers: int = 2) -> None:
        if os.name != "posix":
            raise RuntimeError("decoding in worker processes needs a POSIX system: "
                               "set AIGC_REGISTRY_DECODE_ISOLATION=false to decode in this process")
        self._free = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._closed = False
        self._finalizer = weakref.finalize(self, _stop_all, self._all, self._lock)  # also at exit

    def decode(self, job: DecodeJob, *, memory_mb: int, timeout_seconds: float,
               progress: Progress | None = None) -> Decoded:
        """Decode `job` in a worker. A `FingerprintError` from the decoder is raised as it is; past a
        limit, or when the worker dies, an `InvalidInputError` names the file and what happened."""
        name = job.path.name
        with self._worker() as worker:
            started = time.monotonic()
            try:
                worker.connection.send((dataclasses.replace(job, path=job.path.absolute()), memory_mb * 2**20))
            except OSError:
                pass  # the worker has gone: receive() says how
            deadline = started + timeout_seconds
            parts: list[np.ndarray] = []
            while True:
                tag, value = worker.receive(deadline, name, timeout_seconds)
                if tag == "progress":
                    if progress is not None:
                        progress(value)
                elif tag == "chunk":
                    parts.extend(value)
                elif tag == "done":
                    worker.healthy = True
                    duration, times, peak, box = value
                    return Decoded(_cut(name, duration, times, parts, box), time.monotonic() - started, peak)
                elif tag == "refused":
                    worker.healthy = True
                    raise value
                elif tag == "memory":  # the worker exits: its libraries' state is not trusted after
                    raise InvalidInputError(f"decoding {name} needed more than {memory_mb:,} MB "
                                            "(AIGC_REGISTRY_DECODE_MEMORY_MB)", reason="memory_limit")
                else:
                    raise RuntimeError(f"decoding {name} failed in the worker: {value}")

    def close(self) -> None:
        """Stop every worker (idle ones exit when their connection closes; busy ones are killed)."""
        self._closed = True
        self._finalizer()

    @contextmanager
    def _worker(self) -> Iterator[_Worker]:
        """A worker for one decode: an idle one, else a new one; afterwards kept if it ended cleanly."""
        with self._free:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is not None and worker.process.poll() is not None:  # it died while idle
                self._retire(worker)
                worker = None
            if worker is None:
                worker = _Worker.start()
                with self._lock:
                    self._all.add(worker)
            if self._closed:
                self._retire(worker)
                raise RuntimeError("the decoding pool is closed")
            worker.healthy = False
            try:
                yield worker
            finally:
                with self._lock:
                    keep = worker.healthy and not self._closed
                    if keep:
                        self._idle.append(worker)
                if not keep:
                    self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()


class _Worker:
    """One worker process and the parent's end of its connection."""

    def __init__(self, process: subprocess.Popen, connection: Connection) -> None:
        self.process = process
        self.connection = connection
        self.healthy = False  # set when a decode ended cleanly: the worker may be reused

    @classmethod
    def start(cls) -> _Worker:
        ours, theirs = socket.socketpair()
        env = {**os.environ, "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(theirs.fileno()), json.dumps([p for p in sys.path if p])],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env)
        finally:
            theirs.close()
        worker = cls(process, Connection(ours.detach()))
        ready = worker.connection.poll(START_TIMEOUT_SECONDS) and _receive(worker.connection)
        if not ready or ready[0].get("tag") != "ready":
            worker.stop()
            raise RuntimeError(f"the decoding worker did not start within {START_TIMEOUT_SECONDS:.0f} s "
                               f"(exit status {process.poll()}): see the server's log")
        return worker

    def receive(self, deadline: float, name: str, timeout_seconds: float) -> tuple[str, object]:
        """The worker's next reply as (tag, value); past `deadline` the worker is killed; if it died
        or its reply is malformed, say so."""
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self.connection.poll(remaining):
            self.stop()
            raise InvalidInputError(f"decoding {name} took longer than {timeout_seconds:g} s "
                                    "(AIGC_REGISTRY_DECODE_TIMEOUT_SECONDS)", reason="timeout")
        try:
            reply = _receive(self.connection)
            if reply is not None:
                return _interpret(*reply)
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidInputError(f"the decoder sent a malformed reply on {name}", reason="crash") from e
        status = self.stop()
        if status < 0:
            number = -status
            label = next((known.name for known in signal.Signals if known == number), "unknown signal")
            raise InvalidInputError(f"the decoder crashed on {name} (signal {number}, {label})", reason="crash")
        raise InvalidInputError(f"the decoder exited with status {status} on {name}", reason="crash")

    def stop(self) -> int:
        """Close the connection, kill the process if it has not exited, and return its exit status."""
        self.connection.close()
        try:
            return self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def _stop_all(workers: set[_Worker], lock: threading.Lock) -> None:
    with lock:
        stopping = list(workers)
        workers.clear()
    for worker in stopping:
        worker.stop()


def _safe_recv(connection: Connection) -> object | None:
    """The next pickled message (the worker reads its jobs so), or None when the other end has gone."""
    try:
        return connection.recv()
    except (EOFError, OSError):
        return None


def _reply(connection: Connection, header: dict, payload: bytes = b"") -> None:
    """A reply from the worker: the header's length (4 bytes), the header as JSON, the payload."""
    head = json.dumps(header).encode()
    connection.send_bytes(len(head).to_bytes(4, "big") + head + payload)


def _receive(connection: Connection) -> tuple[dict, memoryview] | None:
    """The worker's next reply as (header, payload), None when it has gone; ValueError if malformed."""
    try:
        data = connection.recv_bytes(MAX_REPLY_BYTES)
    except (EOFError, OSError):
        return None
    size = int.from_bytes(data[:4], "big")
    header = json.loads(data[4:4 + size])
    if not isinstance(header, dict):
        raise TypeError(f"expected a JSON object, got {type(header).__name__}")
    return header, memoryview(data)[4 + size:]


def _interpret(header: dict, payload: memoryview) -> tuple[str, object]:
    """(tag, value) of a reply, its fields checked; KeyError, TypeError or ValueError if malformed."""
    tag = header["tag"]
    if tag == "progress":
        return tag, float(header["share"])
    if tag == "chunk":
        return tag, _pictures_from(header["shapes"], payload)
    if tag == "done":
        box = header.get("box")
        if box is not None and len(box) != 4:
            raise ValueError(f"expected a picture box (x0, y0, x1, y1), got {box!r}")
        return tag, (float(header["duration"]), np.array(header["times"], np.float64), int(header["peak"]),
                     tuple(int(v) for v in box) if box is not None else None)
    if tag == "refused":
        error = getattr(fingerprint_errors, str(header["error"]), None)
        if not (isinstance(error, type) and issubclass(error, FingerprintError)):
            error = FingerprintError
        return tag, error(str(header["message"]))
    if tag in ("memory", "failed"):
        return tag, str(header["message"])
    raise ValueError(f"expected a reply the worker sends, got {tag!r}")


def _cut(name: str, duration: float, times: np.ndarray, frames: list[np.ndarray],
         box: tuple[int, int, int, int] | None) -> Pictures:
    """The worker's frames cut to the box it found, the box checked against them."""
    if box is not None:
        x0, y0, x1, y1 = box
        if not frames or any(f.shape != frames[0].shape for f in frames) or not (
                0 <= x0 < x1 <= frames[0].shape[1] and 0 <= y0 < y1 <= frames[0].shape[0]):
            raise RuntimeError(f"decoding {name} failed in the worker: its picture box {box} lies outside its frames")
    return Pictures.cut(duration, times, frames, box)


def _pictures_from(shapes: list, payload: memoryview) -> list[np.ndarray]:
    """Grey uint8 pictures of the given (height, width) shapes, laid end to end in `payload`."""
    pictures, offset = [], 0
    for height, width in shapes:
        height, width = int(height), int(width)
        size = height * width
        if height <= 0 or width <= 0 or offset + size > len(payload):
            raise ValueError(f"expected {size} bytes at {offset} for a {height}x{width} picture, "
                             f"the chunk has {len(payload)}")
        pictures.append(np.frombuffer(payload, np.uint8, size, offset).reshape(height, width).copy())
        offset += size
    if offset != len(payload):
        raise ValueError(f"expected {offset} bytes of pictures, got {len(payload)}")
    return pictures


# The worker's side: runs in the child, which imports this module and fingerprint.video only.

def serve(fd: int) -> None:
    """Decode each job sent over the socket `fd` until the parent closes it."""
    import resource

    import PIL.Image  # noqa: F401 - image_pictures imports it lazily, which a memory limit may refuse

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file of someone's upload
    connection = Connection(fd)
    _reply(connection, {"tag": "ready"})
    while True:
        request = _safe_recv(connection)
        if request is None:
            return
        job, memory_bytes = request
        if _serve_one(connection, job, memory_bytes) == "memory":
            return


def _serve_one(connection: Connection, job: DecodeJob, memory_bytes: int) -> str:
    import cv2

    try:
        with _address_space_limit(memory_bytes):
            pictures = decode(job, lambda share: _reply(connection, {"tag": "progress", "share": share}))
    except MemoryError as e:
        return _outcome(connection, {"tag": "memory", "message": str(e)})
    except cv2.error as e:
        if e.code == cv2.Error.StsNoMem:
            return _outcome(connection, {"tag": "memory", "message": str(e)})
        return _outcome(connection, {"tag": "refused", "error": "FingerprintError",
                                     "message": f"the decoder failed: {str(e).strip()}"})
    except FingerprintError as e:
        if _near_limit(memory_bytes):  # FFmpeg reports a refused allocation as an unreadable stream
            return _outcome(connection, {"tag": "memory", "message": str(e)})
        return _outcome(connection, {"tag": "refused", "error": type(e).__name__, "message": str(e)})
    except Exception:  # noqa: BLE001 - a bug, reported to the parent as one
        return _outcome(connection, {"tag": "failed", "message": traceback.format_exc(limit=-3)})
    _send_pictures(connection, pictures)
    return "done"


def _outcome(connection: Connection, header: dict) -> str:
    _reply(connection, header)
    return header["tag"]


def _send_pictures(connection: Connection, pictures: Pictures) -> None:
    chunk: list[np.ndarray] = []
    size = 0
    for picture in [*(pictures.frames if pictures.frames is not None else pictures.pictures), None]:
        if picture is not None:
            chunk.append(np.ascontiguousarray(picture, np.uint8))
            size += picture.size
        if chunk and (size >= CHUNK_BYTES or picture is None):
            _reply(connection, {"tag": "chunk", "shapes": [p.shape for p in chunk]}, b"".join(p.data for p in chunk))
            chunk, size = [], 0
    _reply(connection, {"tag": "done", "duration": pictures.duration, "times": pictures.times.tolist(),
                        "box": list(pictures.box) if pictures.box is not None else None,
                        "peak": _address_space()[1]})


@contextmanager
def _address_space_limit(limit: int) -> Iterator[None]:
    """RLIMIT_AS at `limit` bytes while decoding (Linux: elsewhere the limit is not enforced)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if soft == resource.RLIM_INFINITY else min(limit, soft), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _near_limit(limit: int) -> bool:
    size, _ = _address_space()
    return sys.platform.startswith("linux") and size + LIMIT_SLACK_BYTES >= limit


def _address_space() -> tuple[int, int]:
    """(current, peak) address space of this process in bytes, from /proc (0, 0 elsewhere)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields.get("VmSize", "0 kB").split()[0]) * 1024, int(fields.get("VmPeak", "0 kB").split()[0]) * 1024)
