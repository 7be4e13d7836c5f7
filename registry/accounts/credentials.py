"""Credential formats: API keys, session tokens and password hashes.

An API key is `aigc_<key id>_<secret>`: the key id (12 hex digits) is public and names the key in
listings and logs; only the SHA-256 of the 256-bit secret is stored, so a database dump reveals no
usable key. SHA-256 suffices for a random 256-bit secret (no dictionary to try); passwords, which
people choose, get argon2id (argon2-cffi's defaults, RFC 9106's second recommendation).

>>> key = new_api_key()
>>> parsed = parse_api_key(key.text)
>>> parsed == (key.key_id, key.secret), secret_matches(key.secret, key.secret_sha256)
(True, True)
>>> parse_api_key("not-a-key") is None
True
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_KEY = re.compile(r"aigc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    secret: str

    @property
    def text(self) -> str:
        return f"aigc_{self.key_id}_{self.secret}"

    @property
    def secret_sha256(self) -> str:
        return sha256_hex(self.secret)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_api_key() -> NewApiKey:
    return NewApiKey(secrets.token_hex(6), secrets.token_urlsafe(32))


def parse_api_key(text: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    found = _KEY.fullmatch(text.strip())
    return (found.group(1), found.group(2)) if found else None


def secret_matches(secret: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(sha256_hex(secret), stored_sha256)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(password: str, stored_hash: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_password_check() -> None:
    """Spend what a real check costs, so an unknown email answers as slowly as a wrong password."""
    password_matches("x" * MIN_PASSWORD_LENGTH, _dummy_hash())


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_hex(16))
