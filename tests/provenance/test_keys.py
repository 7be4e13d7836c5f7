"""create_local_pki makes exactly what c2pa accepts; c2pa refuses the usual mistakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance.errors import SigningError
from provenance.keys import LocalPki, SigningMaterial, create_local_pki
from provenance.record import AIProvenance
from provenance.sign import ManifestSigner
from provenance.verify import verify_article


def _certs(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


def test_chain_shape(pki: LocalPki) -> None:
    root, intermediate, leaf = (
        _certs(pem)[0] for pem in (pki.root_cert_pem, pki.intermediate_cert_pem, pki.leaf_cert_pem)
    )
    assert root.issuer == root.subject
    assert intermediate.issuer == root.subject and leaf.issuer == intermediate.subject
    for ca in (root, intermediate):
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0

    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey) and leaf.public_key().curve.name == "secp256r1"
    ski = intermediate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    leaf.verify_directly_issued_by(intermediate)
    intermediate.verify_directly_issued_by(root)


def test_signing_material_is_leaf_then_intermediate_and_pkcs8(pki: LocalPki) -> None:
    material = pki.signing_material()
    chain = _certs(material.chain_pem)
    expected = [_certs(pki.leaf_cert_pem)[0].subject, _certs(pki.intermediate_cert_pem)[0].subject]
    assert [c.subject for c in chain] == expected
    assert material.key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    serialization.load_pem_private_key(material.key_pem, password=None)
    assert pki.trust_anchor_pem == pki.root_cert_pem
    assert b"PRIVATE" not in repr(material).encode() and "redacted" in repr(material)


def test_default_validity_is_ten_years(pki: LocalPki) -> None:
    leaf = _certs(pki.leaf_cert_pem)[0]
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc >= timedelta(days=3650)


def test_c2pa_accepts_the_pki_and_a_manifest_reads_trusted(pki: LocalPki) -> None:
    signer = ManifestSigner(pki.signing_material())  # the constructor signs a probe
    manifest = signer.sign_article("ok\n", AIProvenance("m", "1"), work_id="w")
    assert verify_article(b"ok\n", manifest, trust_anchors_pem=pki.trust_anchor_pem).state == "Trusted"


def _leaf(pki: LocalPki, *, ca: bool = False, eku: bool = True) -> tuple[bytes, bytes]:
    """A leaf issued by ``pki``'s intermediate, optionally with a classic mistake."""
    issuer = _certs(pki.intermediate_cert_pem)[0]
    issuer_key = serialization.load_pem_private_key(pki.intermediate_key_pem, password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "broken leaf")]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, ca, ca, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), critical=False)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM) + pki.intermediate_cert_pem, key_pem


BROKEN = [
    # (how to build the material from a good PKI, what c2pa says)
    pytest.param(lambda p: (p.root_cert_pem, p.root_key_pem), "self-signed", id="self-signed-leaf"),
    pytest.param(lambda p: _leaf(p, ca=True), "invalid", id="ca-leaf"),
    pytest.param(lambda p: _leaf(p, eku=False), "invalid", id="missing-eku"),
    pytest.param(lambda p: (p.signing_material().chain_pem, p.root_key_pem), "does not match",
                 id="key-of-another-cert"),
    pytest.param(lambda p: (p.intermediate_cert_pem + p.leaf_cert_pem, p.leaf_key_pem), "invalid",
                 id="chain-in-wrong-order"),
]


@pytest.mark.parametrize(("build", "phrase"), BROKEN)
def test_c2pa_refuses_broken_material_at_construction(pki: LocalPki, build, phrase: str) -> None:
    chain, key = build(pki)
    with pytest.raises(SigningError, match=phrase):
        ManifestSigner(SigningMaterial(chain_pem=chain, key_pem=key))


@pytest.mark.parametrize("shift_days", [pytest.param(-10, id="expired"), pytest.param(10, id="not-yet-valid")])
def test_leaf_outside_its_validity_cannot_sign(shift_days: int) -> None:
    pki = create_local_pki(now=datetime.now(UTC) + timedelta(days=shift_days), valid_days=1)
    with pytest.raises(SigningError, match="not valid at time of signing"):
        ManifestSigner(pki.signing_material())


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        pytest.param({"chain_pem": b"not pem"}, "no PEM certificate", id="chain-not-pem"),
        pytest.param({"key_pem": b"-----BEGIN ENCRYPTED PRIVATE KEY-----"}, "unencrypted PKCS#8", id="encrypted-key"),
        pytest.param({"key_pem": b"-----BEGIN EC PRIVATE KEY-----"}, "PKCS#8", id="sec1-key"),
        pytest.param({"alg": "rs256"}, "alg", id="unknown-alg"),
    ],
)
def test_signing_material_validation(pki: LocalPki, kwargs: dict, phrase: str) -> None:
    good = pki.signing_material()
    with pytest.raises(SigningError, match=phrase):
        SigningMaterial(**{"chain_pem": good.chain_pem, "key_pem": good.key_pem, **kwargs})


def test_pki_arguments_are_checked() -> None:
    with pytest.raises(SigningError, match="valid_days"):
        create_local_pki(valid_days=0)
    with pytest.raises(SigningError, match="organisation"):
        create_local_pki(" ")
