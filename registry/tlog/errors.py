"""The error family of the transparency log: one base class, one subclass per concern.

Every message says what was expected and what was found, so a caller (or the web layer's
single error handler) can show it as is.

>>> from registry.tlog.errors import LogError, ProofError
>>> issubclass(ProofError, LogError)
True
"""

from __future__ import annotations


class LogError(Exception):
    """Base class of every error raised by ``registry.tlog``."""


class ProofError(LogError):
    """An inclusion or consistency proof cannot be built or does not verify (RFC 9162 2.1.3, 2.1.4)."""


class NoteError(LogError):
    """A signed note or a note key is malformed, or no known key signed the note (c2sp.org/signed-note)."""


class CheckpointError(LogError):
    """A checkpoint body is malformed or is not the one expected (c2sp.org/tlog-checkpoint)."""


class TileError(LogError):
    """A tile path or entry bundle is malformed, or a tile does not exist at a tree size (c2sp.org/tlog-tiles)."""


class ReceiptError(LogError):
    """A tlog-proof receipt is malformed (c2sp.org/tlog-proof)."""
