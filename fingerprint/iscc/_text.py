"""The text an ISCC Text-Code hashes, the way iscc-sdk 0.9.7 reads a plain-text file: Apache Tika
drops a leading BOM and replaces the characters XML cannot hold (C0 controls other than tab, line
feed and carriage return, DEL and C1 controls, U+FFFE, U+FFFF) with U+FFFD; then ``text_clean``
(NFKC, control characters dropped except line breaks, at most one empty line in a row, stripped).
``gen_text_code_v0`` collapses the result itself (lower case, no whitespace, marks or punctuation).
Measured against iscc-sdk on 57 awkward files: the same code for 56; the other is a ``.txt`` that
Tika took for HTML (docs/research/iscc-codes.md).

iscc-lib holds every 13-character n-gram of the text at once: about 24 bytes of memory a character,
240 MB and 2 s for a 10 MiB article. A text longer than `INLINE_CHARS` is therefore coded in a child
process (`python -c`, within `memory_mb` of address space), so the caller's memory stays bounded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import iscc_lib

from ..errors import FingerprintError
from ._child import with_address_space_limit

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
INLINE_CHARS = 1 << 20
"""Texts up to this many characters are coded in the calling process (at most about 25 MB)."""
CHILD_TIMEOUT_SECONDS = 120.0
_CHILD = ("import sys\n"
          "from fingerprint.iscc._text import _code_here\n"
          "sys.stdout.write(_code_here(sys.stdin.buffer.read().decode('utf-8', 'surrogatepass')))\n")


def text_for_iscc(text: str) -> str:
    """``text`` as iscc-sdk hashes it (a leading BOM dropped, Tika's replacements, ``text_clean``)."""
    return iscc_lib.text_clean(_NOT_IN_XML.sub("\ufffd", text.removeprefix("\ufeff")))


def _code_here(text: str) -> str:
    return iscc_lib.gen_text_code_v0(text_for_iscc(text), bits=64)["iscc"]


def text_code(text: str, *, memory_mb: int | None = None) -> str:
    """The 64-bit ISCC Text-Code unit of an article's text (``ISCC:EA...``); a long text in a child
    process (FingerprintError if it fails there)."""
    if len(text) <= INLINE_CHARS:
        return _code_here(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run(with_address_space_limit([sys.executable, "-c", _CHILD], memory_mb),
                              input=text.encode("utf-8", "surrogatepass"),
                              capture_output=True, env=env, timeout=CHILD_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise FingerprintError(f"the ISCC Text-Code of a {len(text):,}-character text failed: {e}") from e
    if done.returncode != 0 or not done.stdout.startswith(b"ISCC:"):
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        raise FingerprintError(f"the ISCC Text-Code of a {len(text):,}-character text failed: {json.dumps(last)}")
    return done.stdout.decode("ascii")
