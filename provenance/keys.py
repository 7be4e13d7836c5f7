"""Signing material for C2PA manifests, and a local three-level PKI to produce it.

c2pa-rs only signs with an end-entity certificate that looks like a real signing certificate:
issued by a CA (a self-signed leaf or a CA leaf is refused with "certificate is invalid"), ``CA:FALSE``,
key usage ``digitalSignature``, extended key usage ``emailProtection``, and both subject and
authority key identifiers. :func:`create_local_pki` produces exactly that::

    root CA (self-signed) -> intermediate CA (pathlen 0) -> leaf (ES256, P-256)

>>> pki = create_local_pki("example-org")
>>> material = pki.signing_material()
>>> material.alg, material.chain_pem.count(b"BEGIN CERTIFICATE")
('es256', 2)
>>> pki.trust_anchor_pem == pki.root_cert_pem
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance.errors import SigningError

#: Signing algorithms c2pa accepts for a local signer, in its own spelling.
SUPPORTED_ALGS = frozenset({"es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"})

#: Certificates are back-dated by this much so a verifier whose clock lags a little still accepts them.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class SigningMaterial:
    """What a C2PA signer needs: the certificate chain and the private key, both PEM.

    ``chain_pem`` is the leaf certificate first, then the intermediate (never the root: the
    verifier supplies that as its trust anchor). ``key_pem`` is the leaf's unencrypted PKCS#8 key.
    """

    chain_pem: bytes
    key_pem: bytes
    alg: str = "es256"

    def __post_init__(self) -> None:
        if b"-----BEGIN CERTIFICATE-----" not in self.chain_pem:
            raise SigningError("chain_pem holds no PEM certificate")
        if b"-----BEGIN PRIVATE KEY-----" not in self.key_pem:
            raise SigningError(
                "key_pem must be an unencrypted PKCS#8 key ('-----BEGIN PRIVATE KEY-----')"
            )
        if self.alg not in SUPPORTED_ALGS:
            raise SigningError(f"expected alg in {sorted(SUPPORTED_ALGS)}, got {self.alg!r}")

    def __repr__(self) -> str:  # never print the private key
        chain = f"<{len(self.chain_pem)} bytes>"
        return f"SigningMaterial(alg={self.alg!r}, chain_pem={chain}, key_pem=<redacted>)"


@dataclass(frozen=True)
class CallbackSigning:
    """Signing through a callback, for keys that never leave an HSM or a cloud KMS.

    ``sign(data)`` returns the signature of ``data`` for ``alg``: for the ECDSA algorithms the DER
    signature a KMS or ``cryptography`` returns (c2pa converts it), for Ed25519 the 64 raw bytes.
    ``chain_pem`` is the public chain, leaf first, as for :class:`SigningMaterial`.
    """

    chain_pem: bytes
    sign: Callable[[bytes], bytes]
    alg: str = "es256"

    def __post_init__(self) -> None:
        if b"-----BEGIN CERTIFICATE-----" not in self.chain_pem:
            raise SigningError("chain_pem holds no PEM certificate")
        if not callable(self.sign):
            raise SigningError("sign must be a callable taking bytes and returning the signature")
        if self.alg not in SUPPORTED_ALGS:
            raise SigningError(f"expected alg in {sorted(SUPPORTED_ALGS)}, got {self.alg!r}")

    def __repr__(self) -> str:
        return f"CallbackSigning(alg={self.alg!r}, chain_pem=<{len(self.chain_pem)} bytes>)"


def leaf_certificate(chain_pem: bytes) -> x509.Certificate:
    """The first certificate of a chain (the signer's own)."""
    try:
        return x509.load_pem_x509_certificates(chain_pem)[0]
    except (ValueError, IndexError) as e:
        raise SigningError(f"chain_pem holds no readable certificate: {e}") from e


def issue_signing_leaf(
    organisation: str, intermediate_cert_pem: bytes, intermediate_key_pem: bytes, *, valid_days: int = 3650,
    now: datetime | None = None,
) -> tuple[bytes, bytes]:
    """A fresh signing leaf under an existing intermediate: ``(chain_pem, key_pem)``, for rotation.

    Manifests signed by the old leaf keep verifying: each carries its own chain, and the root
    (the verifiers' anchor) is unchanged.
    """
    cert_pem, key_pem = issue_end_entity(
        _name(organisation, f"{organisation} C2PA Signer"), intermediate_cert_pem, intermediate_key_pem,
        purpose=ExtendedKeyUsageOID.EMAIL_PROTECTION, valid_days=valid_days, now=now,
    )
    return cert_pem + intermediate_cert_pem, key_pem


def issue_end_entity(
    subject: x509.Name, issuer_cert_pem: bytes, issuer_key_pem: bytes, *, purpose: x509.ObjectIdentifier,
    purpose_critical: bool = False, valid_days: int = 3650, now: datetime | None = None,
) -> tuple[bytes, bytes]:
    """Issue an end-entity certificate (P-256 key) from a CA: ``(cert_pem, key_pem)``.

    ``CA:FALSE``, key usage ``digitalSignature``, ``purpose`` as the only extended key usage,
    subject and authority key identifiers; its validity never outlasts the issuer's.
    """
    if valid_days < 1:
        raise SigningError(f"expected valid_days >= 1, got {valid_days}")
    try:
        issuer = x509.load_pem_x509_certificate(issuer_cert_pem)
        issuer_key = serialization.load_pem_private_key(issuer_key_pem, password=None)
        issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except (ValueError, TypeError, x509.ExtensionNotFound) as e:
        raise SigningError(f"the issuing CA is unusable (PEM certificate with SKI + unencrypted key): {e}") from e
    if not isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        raise SigningError(f"expected an EC issuer key, got {type(issuer_key).__name__}")
    start = (now or datetime.now(UTC)) - CLOCK_SKEW
    end = min(start + timedelta(days=valid_days), issuer.not_valid_after_utc)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _end_entity_builder(subject, issuer, key, start, end, purpose, purpose_critical).sign(issuer_key, hashes.SHA256())
    return _cert_pem(cert), _key_pem(key)


@dataclass(frozen=True)
class LocalPki:
    """A root CA, an intermediate CA and a signing leaf, all PEM (keys unencrypted PKCS#8)."""

    root_cert_pem: bytes
    root_key_pem: bytes
    intermediate_cert_pem: bytes
    intermediate_key_pem: bytes
    leaf_cert_pem: bytes
    leaf_key_pem: bytes

    @property
    def trust_anchor_pem(self) -> bytes:
        """The root certificate: give it to verifiers as their trust anchor."""
        return self.root_cert_pem

    def signing_material(self) -> SigningMaterial:
        """The leaf key and the chain ``leaf + intermediate`` for :class:`~provenance.sign.ManifestSigner`."""
        return SigningMaterial(
            chain_pem=self.leaf_cert_pem + self.intermediate_cert_pem,
            key_pem=self.leaf_key_pem,
            alg="es256",
        )

    def __repr__(self) -> str:
        subject = x509.load_pem_x509_certificate(self.leaf_cert_pem).subject.rfc4514_string()
        return f"LocalPki(leaf={subject!r})"


def create_local_pki(
    organisation: str = "aigc-registry",
    *,
    valid_days: int = 3650,
    now: datetime | None = None,
) -> LocalPki:
    """Create a fresh root -> intermediate -> leaf PKI that c2pa accepts for signing.

    ``valid_days`` defaults to ten years on purpose: we sign without a timestamp authority, so a
    manifest is only as good as the leaf certificate's validity window. Once the leaf expires,
    every manifest it signed reads ``Invalid`` (``signingCredential.expired``). Until the registry
    stamps manifests with an RFC 3161 timestamp, a long-lived leaf is what keeps old registrations
    verifiable. The CAs outlive the leaf by a day so the chain never expires before its leaf.

    ``now`` fixes the start of validity (tests use it to make expired or not-yet-valid PKIs).
    """
    if not organisation.strip():
        raise SigningError("organisation must be a non-empty name")
    if valid_days < 1:
        raise SigningError(f"expected valid_days >= 1, got {valid_days}")
    start = (now or datetime.now(UTC)) - CLOCK_SKEW
    ca_end = start + timedelta(days=valid_days + 1)
    leaf_end = start + timedelta(days=valid_days)

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(organisation, f"{organisation} Root CA")
    root_cert = (
        _ca_builder(root_name, root_name, root_key.public_key(), start, ca_end, path_length=1)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )

    int_key = ec.generate_private_key(ec.SECP256R1())
    int_name = _name(organisation, f"{organisation} Intermediate CA")
    int_cert = (
        _ca_builder(int_name, root_name, int_key.public_key(), start, ca_end, path_length=0)
        .add_extension(_aki_of(root_cert), critical=False)
        .sign(root_key, hashes.SHA256())
    )

    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = _end_entity_builder(
        _name(organisation, f"{organisation} C2PA Signer"), int_cert, leaf_key, start, leaf_end,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
    ).sign(int_key, hashes.SHA256())

    return LocalPki(
        root_cert_pem=_cert_pem(root_cert),
        root_key_pem=_key_pem(root_key),
        intermediate_cert_pem=_cert_pem(int_cert),
        intermediate_key_pem=_key_pem(int_key),
        leaf_cert_pem=_cert_pem(leaf_cert),
        leaf_key_pem=_key_pem(leaf_key),
    )


def _end_entity_builder(
    subject: x509.Name, issuer: x509.Certificate, key: ec.EllipticCurvePrivateKey, start: datetime, end: datetime,
    purpose: x509.ObjectIdentifier, purpose_critical: bool = False,
) -> x509.CertificateBuilder:
    """An end-entity certificate as c2pa wants one: CA:FALSE, digitalSignature, one extended key
    usage (emailProtection for a signer, timeStamping, critical, for a TSA), SKI and AKI."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=purpose_critical)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_aki_of(issuer), critical=False)
    )


def _name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, digital_signature: bool = False, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _ca_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    start: datetime,
    end: datetime,
    *,
    path_length: int,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _aki_of(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
