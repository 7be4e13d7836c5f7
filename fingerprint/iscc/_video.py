"""The frame signatures an ISCC Video-Code hashes: MPEG-7 video signatures (ISO/IEC 15938-3, 380
ternary values per frame) at 5 frames a second, computed by FFmpeg's ``signature`` filter, the way
iscc-sdk 0.9.7 does (``fps=fps=5,signature=format=binary``; the same codes, measured on five videos:
docs/research/iscc-codes.md).

The filter exists only in GPL builds of FFmpeg: PyAV's LGPL wheels lack it, so the signatures come
from an ``ffmpeg`` program run as a separate process (imageio-ffmpeg's, or any other that has the
filter). `start_signatures` starts it and returns at once, so it runs beside the registry's own
decoding on the other core; `VideoSignatures.frames` waits for it.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import iscc_lib
import numpy as np

from ..errors import FingerprintError
from ._child import with_address_space_limit

FRAMES_PER_SECOND = 5
TRITS_PER_FRAME = 380
_TRITS_OF_BYTE = np.array([[(b // 3 ** (4 - k)) % 3 for k in range(5)] for b in range(256)],
                          dtype=np.uint8)  # a byte packs 5 ternary values, most significant first


class VideoSignatureError(FingerprintError):
    """FFmpeg could not compute the video's MPEG-7 signatures (or cannot at all: no signature filter)."""


@functools.cache
def has_signature_filter(ffmpeg: str) -> bool:
    """Whether the program `ffmpeg` runs and has the ``signature`` filter (a GPL build)."""
    try:
        listed = subprocess.run([ffmpeg, "-hide_banner", "-filters"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return any(line.split()[1:2] == [b"signature"] for line in listed.stdout.splitlines())


@dataclass
class VideoSignatures:
    """A running signature computation (`start_signatures`)."""

    process: subprocess.Popen
    folder: tempfile.TemporaryDirectory
    out: Path
    _frames: list[tuple[int, ...]] | None = field(default=None, init=False)

    def frames(self, timeout: float | None = None) -> list[tuple[int, ...]]:
        """The frame signatures (waits for FFmpeg); VideoSignatureError if it failed."""
        if self._frames is None:
            try:
                _, stderr = self.process.communicate(timeout=timeout)
                if self.process.returncode != 0 or not self.out.exists():
                    message = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
                    raise VideoSignatureError(f"ffmpeg could not compute the video signature: {message[0]}")
                self._frames = parse_signature_file(self.out.read_bytes())
            except subprocess.TimeoutExpired as e:
                self.cancel()
                raise VideoSignatureError(f"ffmpeg took over {timeout} s for the video signature") from e
            finally:
                self.folder.cleanup()
        return self._frames

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.folder.cleanup()


def start_signatures(path: Path, ffmpeg: str, *, memory_mb: int | None = None) -> VideoSignatures:
    """Start FFmpeg computing the MPEG-7 signatures of the video at `path` (returns at once), within
    `memory_mb` of address space (RLIMIT_AS, POSIX) when given: it reads an uploaded file."""
    folder = tempfile.TemporaryDirectory(prefix="iscc-video-")
    out = Path(folder.name) / "signature.bin"
    escaped = str(out).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    command = [ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-i", str(path), "-an", "-sn", "-dn",  # video only
               "-vf", f"fps=fps={FRAMES_PER_SECOND},signature=format=binary:filename={escaped}", "-f", "null", "-"]
    try:
        process = subprocess.Popen(with_address_space_limit(command, memory_mb), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as e:
        folder.cleanup()
        raise VideoSignatureError(f"cannot run {ffmpeg}: {e}") from e
    return VideoSignatures(process, folder, out)


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
        self.at = 0

    def skip(self, count: int) -> None:
        self.at += count

    def read(self, count: int) -> int:
        chunk = self.bits[self.at:self.at + count]
        if len(chunk) < count:
            raise VideoSignatureError("the video signature file is truncated")
        self.at += count
        return int("".join("1" if b else "0" for b in chunk), 2)

    def take(self, count: int) -> np.ndarray:
        chunk = self.bits[self.at:self.at + count]
        if len(chunk) < count:
            raise VideoSignatureError("the video signature file is truncated")
        self.at += count
        return chunk


def parse_signature_file(data: bytes) -> list[tuple[int, ...]]:
    """The per-frame signatures (380 values in 0..2) of an MPEG-7 binary signature file
    (ISO/IEC 15938-3 binary representation, as FFmpeg writes it)."""
    bits = _Bits(data)
    bits.skip(129)  # descriptor and sub-descriptor flags, then the spatial region
    frame_count = bits.read(32)
    bits.skip(16 + 1 + 32 + 32)  # media time unit, start/end flag and times
    segment_count = bits.read(32)
    bits.skip(segment_count * (4 * 32 + 1 + 5 * 243) + 1)  # coarse signatures, then a flag
    frames = []
    for _ in range(frame_count):
        bits.skip(1 + 32 + 8 + 40)  # flag, media time, confidence, five words
        packed = np.packbits(bits.take(608))  # 76 bytes = 380 ternary values
        frames.append(tuple(_TRITS_OF_BYTE[packed].reshape(-1).tolist()))
    return frames


def video_code(frames: list[tuple[int, ...]]) -> str:
    """The 64-bit ISCC Video-Code unit of a video's frame signatures (``ISCC:EM...``)."""
    if not frames:
        raise VideoSignatureError("the video has no frame to sign")
    return iscc_lib.gen_video_code_v0(frames, bits=64)["iscc"]
