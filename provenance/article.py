r"""Turn uploaded article bytes into the one canonical text that gets hashed and signed.

A detached C2PA manifest binds the exact bytes of the text: one changed byte reads
``assertion.dataHash.mismatch``. So before signing, every article goes through
:func:`canonicalise_article`, and the UTF-8 encoding of its result is what the registry stores,
hashes and signs. The rules, in order:

1. Refuse binary files posing as text: known magic numbers (PDF, PNG, JPEG, GIF, ZIP/DOCX/EPUB,
   MP4/MOV ``ftyp``, ELF, ...), UTF-16/UTF-32 byte-order marks, any NUL byte.
2. Decode strict UTF-8 (the error names the byte offset); drop leading UTF-8 BOMs (re-saved files
   can stack several).
3. Refuse a text with a high share of control characters (more than
   :data:`MAX_CONTROL_CHAR_SHARE`, tab/newline/carriage return/form feed not counted).
4. Newlines: CRLF and lone CR become LF. Unicode line/paragraph separators are kept as written.
5. Unicode NFC (the composed form every editor and browser produces by default).
6. Whitespace at the very end is removed and exactly one final ``"\n"`` appended, so "saved with
   or without a final newline" does not change the hash. Trailing spaces *inside* the text are
   kept (Markdown uses them for line breaks). An empty or whitespace-only text is refused.

The result is a fixed point: ``canonicalise_article(canonicalise_article(raw).encode()) ==
canonicalise_article(raw)``.

>>> canonicalise_article("\ufeffCafe\u0301\r\nline two\r\n\r\n".encode())
'Café\nline two\n'
>>> canonicalise_article("春眠不觉晓，处处闻啼鸟。".encode())
'春眠不觉晓，处处闻啼鸟。\n'
"""

from __future__ import annotations

import re
import unicodedata

from provenance.errors import InvalidArticleError

UTF8_BOM = b"\xef\xbb\xbf"

#: Above this share of control characters (C0 other than tab, LF, CR, FF; DEL; C1) a text is
#: treated as binary. Real prose has none; a stray escape sequence or two stays well below.
MAX_CONTROL_CHAR_SHARE = 0.01

# Unicode category Cc is U+0000-U+001F and U+007F-U+009F; tab, LF, FF and CR are allowed.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

# (description, offset, magic bytes): binary formats people upload by mistake. Only signatures
# that cannot begin real prose are listed; anything else binary trips the NUL or UTF-8 checks.
_MAGIC_NUMBERS: tuple[tuple[str, int, bytes], ...] = (
    ("a PDF document", 0, b"%PDF-"),
    ("a PNG image", 0, b"\x89PNG\r\n\x1a\n"),
    ("a JPEG image", 0, b"\xff\xd8\xff"),
    ("a GIF image", 0, b"GIF87a"),
    ("a GIF image", 0, b"GIF89a"),
    ("a WebP image", 8, b"WEBP"),
    ("a TIFF image", 0, b"II*\x00"),
    ("a TIFF image", 0, b"MM\x00*"),
    ("a ZIP archive (DOCX, XLSX, EPUB, JAR...)", 0, b"PK\x03\x04"),
    ("a ZIP archive (DOCX, XLSX, EPUB, JAR...)", 0, b"PK\x05\x06"),
    ("an OLE2 document (DOC, XLS, PPT)", 0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ("an RTF document", 0, b"{\\rtf"),
    ("a gzip archive", 0, b"\x1f\x8b"),
    ("a 7-Zip archive", 0, b"7z\xbc\xaf\x27\x1c"),
    ("a RAR archive", 0, b"Rar!\x1a\x07"),
    ("an MP4/MOV/HEIF file", 4, b"ftyp"),
    ("a Matroska/WebM video", 0, b"\x1a\x45\xdf\xa3"),
    ("a RIFF file (WAV, AVI)", 0, b"RIFF"),
    ("an Ogg file", 0, b"OggS"),
    ("an MP3 file", 0, b"ID3"),
    ("a FLAC file", 0, b"fLaC"),
    ("an ELF executable", 0, b"\x7fELF"),
    ("a Windows executable", 0, b"MZ\x90\x00"),
    ("a Mach-O executable", 0, b"\xcf\xfa\xed\xfe"),
    ("a WebAssembly module", 0, b"\x00asm"),
    ("a SQLite database", 0, b"SQLite format 3\x00"),
    ("UTF-32 text (convert it to UTF-8)", 0, b"\xff\xfe\x00\x00"),
    ("UTF-32 text (convert it to UTF-8)", 0, b"\x00\x00\xfe\xff"),
    ("UTF-16 text (convert it to UTF-8)", 0, b"\xff\xfe"),
    ("UTF-16 text (convert it to UTF-8)", 0, b"\xfe\xff"),
)


def canonicalise_article(raw: bytes) -> str:
    """Return the canonical text of an uploaded article, or raise :class:`InvalidArticleError`.

    The UTF-8 encoding of the returned string is what gets hashed and signed; see the module
    docstring for the rules.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise InvalidArticleError(f"expected the article as bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if not raw:
        raise InvalidArticleError("the article is empty (0 bytes)")
    _refuse_binary(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidArticleError(
            f"the article is not valid UTF-8: byte {raw[e.start]:#04x} at offset {e.start} ({e.reason})"
        ) from e
    text = text.lstrip("\ufeff")  # byte-order marks, however many a re-save stacked up, are not content
    _refuse_control_characters(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = text.rstrip()
    if not text:
        raise InvalidArticleError("the article is empty: it holds only whitespace")
    return text + "\n"


def is_canonical_article(text: str) -> bool:
    """True when ``text`` is already in canonical form (what :class:`ManifestSigner` requires)."""
    try:
        return canonicalise_article(text.encode("utf-8")) == text
    except (InvalidArticleError, UnicodeEncodeError):
        return False


def _refuse_binary(raw: bytes) -> None:
    for description, offset, magic in _MAGIC_NUMBERS:
        if raw.startswith(magic, offset):
            raise InvalidArticleError(f"the upload is {description}, not a UTF-8 text article")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InvalidArticleError(f"the upload is binary, not text: NUL byte at offset {nul}")


def _refuse_control_characters(text: str) -> None:
    controls = len(_CONTROL_CHARS.findall(text))
    if controls and controls / len(text) > MAX_CONTROL_CHAR_SHARE:
        raise InvalidArticleError(
            f"the upload looks binary: {controls} control characters in {len(text)} "
            f"(more than {MAX_CONTROL_CHAR_SHARE:.0%})"
        )
