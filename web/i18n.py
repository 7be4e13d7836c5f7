"""Page text in English and Chinese: one message catalogue per language (gettext `.po` files under
`web/locale/`, read with Babel and compiled in memory), chosen by `?lang=`, then the `lang` cookie a
switch set, then Accept-Language.

>>> translations("zh").gettext("Works")
'作品'
>>> translations("en").gettext("Works")
'Works'
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"en": "English", "zh": "中文"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (English, the source language, has none)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.is_file():
        return gettext.NullTranslations()
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language of a page: an explicit choice, then the saved one, then the browser's."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    preferred = []
    for part in (accept_language or "").split(","):
        tag, _, weight = part.strip().partition(";q=")
        try:
            preferred.append((float(weight) if weight else 1.0, tag.strip()))
        except ValueError:
            continue
    for _, tag in sorted(preferred, key=lambda item: -item[0]):
        try:
            language = Locale.parse(tag.replace("-", "_")).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE
