"""Is this one signing identity? A signing key, its certificate chain and the trust anchors that
validators are given must agree, or every manifest signed from now on fails to validate while the
registry keeps running. `identity_problem` says, in one line, what disagrees (None: all agree):

- the key is not the key of the chain's leaf certificate;
- a certificate of the chain is not issued by the next one (the chain is leaf first);
- the last certificate of the chain is not issued by, nor is, one of the trust anchors.

Pure: cryptography only, nothing read or written.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def _certificates(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "(no subject)"


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):  # noqa: BLE001 - any failure: not issued by it
        return False
    return True


def _public_bytes(key) -> bytes:  # type: ignore[no-untyped-def]
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def identity_problem(chain_pem: bytes, anchors_pem: bytes, key_pem: bytes | None = None) -> str | None:
    if b"-----BEGIN CERTIFICATE-----" not in chain_pem:
        return "the signing chain holds no certificate"
    try:
        chain, anchors = _certificates(chain_pem), _certificates(anchors_pem)
    except ValueError as e:
        return f"the signing chain or the trust anchors are not PEM certificates ({str(e).splitlines()[0]})"
    if not chain:
        return "the signing chain holds no certificate"
    if key_pem is not None:
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as e:
            return f"the signing key is not a PEM private key ({e})"
        if _public_bytes(key.public_key()) != _public_bytes(chain[0].public_key()):
            return f"the signing key is not the key of the chain's leaf certificate {_subject(chain[0])}"
    for cert, issuer in zip(chain, chain[1:]):
        if not _issued_by(cert, issuer):
            return f"{_subject(cert)} in the signing chain is not issued by the next certificate {_subject(issuer)}"
    top = chain[-1]
    if any(top == anchor or _issued_by(top, anchor) for anchor in anchors):
        return None
    names = ", ".join(_subject(anchor) for anchor in anchors) or "none"
    return (f"the signing chain ends at {_subject(top)}, issued by {top.issuer.rfc4514_string()}, which is none of "
            f"the trust anchors ({names})")
