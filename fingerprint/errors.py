"""The error family of ``fingerprint``: one base class, one subclass per concern.

Every message says what was expected and what was found, so a caller (or the web layer's single
error handler) can show it as is.

>>> from fingerprint.errors import EmptyTextError, FingerprintError
>>> issubclass(EmptyTextError, FingerprintError)
True
"""

from __future__ import annotations


class FingerprintError(Exception):
    """Base class of every error raised by ``fingerprint``."""


class EmptyTextError(FingerprintError):
    """The text is too short, once normalised, to be fingerprinted.

    ``length`` is what the text had and ``minimum`` what a fingerprint needs, both in characters of
    the normalised text with spaces not counted.
    """

    def __init__(self, length: int, minimum: int) -> None:
        self.length = length
        self.minimum = minimum
        super().__init__(
            f"expected at least {minimum} characters after normalisation (spaces and punctuation "
            f"not counted), got {length}: the text is too short to fingerprint"
        )


class InvalidFingerprintError(FingerprintError):
    """A fingerprint, or its serialised bytes, is malformed or was made with other parameters."""


class VideoDecodeError(FingerprintError):
    """The file is not a video OpenCV can decode, has no frame, or breaks off (truncated, corrupt)."""


class VideoLimitError(FingerprintError):
    """The file is past a decoding limit (pixels, sides, frames, duration, time): refused unread."""


class ImageDecodeError(FingerprintError):
    """The bytes are not an image that can be decoded, or the image is past the pixel limit."""
