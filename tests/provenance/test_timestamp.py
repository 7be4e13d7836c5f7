"""Our RFC 3161 TSA: c2pa-rs accepts its tokens, and they keep a manifest trusted after its leaf expires.

What c2pa-rs 0.91 does with a token (found here, see the report in each test):

- a good token adds the success codes ``timeStamp.validated`` and ``timeStamp.trusted``, and the
  reader's ``signature_info.time`` is the token's ``genTime``;
- the leaf is then judged at ``genTime``, not now: an expired leaf stays ``Trusted``;
- the TSA certificate must chain to ``trust.trust_anchors`` (the same anchors as the signer; the token
  carries the intermediate). If it does not, c2pa logs ``timeStamp.untrusted`` (informational),
  ignores the token, and judges the leaf now;
- ``verify.verify_timestamp_trust: false`` skips that check: then *any* TSA's token extends a leaf's
  life, a stranger's too. The registry must leave it on (the default).
"""

from __future__ import annotations

import doctest
import hashlib
import http.client
import io
import json
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import c2pa
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

import provenance.timestamp
from provenance import _c2pa
from provenance.errors import SigningError
from provenance.keys import LocalPki, SigningMaterial
from provenance.timestamp import (
    DEFAULT_POLICY_OID,
    LocalTimestampServer,
    TimestampAuthority,
    TimeStampResp,
    create_tsa_certificate,
)

TEXT = b"A short article, stamped by our own time-stamp authority.\n"
LEAF_LIFETIME = timedelta(seconds=2)


# -- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tsa(pki: LocalPki) -> TimestampAuthority:
    return TimestampAuthority.create(pki.intermediate_cert_pem, pki.intermediate_key_pem, "aigc-registry-test")


@pytest.fixture(scope="module")
def tsa_url(tsa: TimestampAuthority) -> Iterator[str]:
    with LocalTimestampServer(tsa) as server:
        yield server.url


@pytest.fixture(scope="module")
def stranger_tsa_url(other_pki: LocalPki) -> Iterator[str]:
    """A well-formed TSA whose certificate chains to someone else's root."""
    stranger = TimestampAuthority.create(other_pki.intermediate_cert_pem, other_pki.intermediate_key_pem, "x")
    with LocalTimestampServer(stranger) as server:
        yield server.url


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    """About 1 MB of JPEG: seeded noise, which JPEG cannot shrink."""
    pixels = np.random.default_rng(0).integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=91)
    return out.getvalue()


def short_lived_material(pki: LocalPki, lifetime: timedelta) -> SigningMaterial:
    """A signing leaf from ``pki``'s intermediate that expires ``lifetime`` from now (profile as keys.py)."""
    issuer = x509.load_pem_x509_certificate(pki.intermediate_cert_pem)
    issuer_key = serialization.load_pem_private_key(pki.intermediate_key_pem, password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "short-lived C2PA Signer")]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + lifetime)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningMaterial(cert.public_bytes(serialization.Encoding.PEM) + pki.intermediate_cert_pem, key_pem)


def native_signer(material: SigningMaterial, tsa_url: str | None) -> c2pa.Signer:
    url = tsa_url.encode("ascii") if tsa_url else None
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", material.chain_pem, material.key_pem, url))


def sign_detached(signer: c2pa.Signer, asset: bytes, media_type: str = "text/plain") -> bytes:
    """A detached manifest over ``asset``, made as provenance/sign.py makes them."""
    definition = {
        "claim_generator_info": [{"name": "aigc-registry-test"}],
        "title": "stamped",
        "format": media_type,
        "assertions": [{"label": _c2pa.ACTIONS_LABEL, "data": {"actions": [
            {"action": "c2pa.created", "digitalSourceType": _c2pa.TRAINED_ALGORITHMIC_MEDIA}]}}],
    }
    with (
        c2pa.Context.from_dict(_c2pa.builder_settings()) as context,
        c2pa.Builder(definition, context=context) as builder,
    ):
        builder.set_no_embed()
        return builder.sign(signer, media_type, io.BytesIO(asset), io.BytesIO())


def read(asset: bytes, manifest: bytes, anchors: bytes, media_type: str = "text/plain",
         **verify: bool) -> dict[str, Any]:
    """State, status codes by kind and ``signature_info`` of the active manifest."""
    settings = _c2pa.reader_settings(anchors.decode("ascii"))
    settings["verify"].update(verify)
    with (
        c2pa.Context.from_dict(settings) as context,
        c2pa.Reader(media_type, io.BytesIO(asset), manifest, context=context) as reader,
    ):
        store = json.loads(reader.json())
    results = store.get("validation_results")
    return {
        "state": store["validation_state"],
        **{kind: set(_c2pa.unique_codes(_c2pa.status_entries(results, kind)))
           for kind in ("success", "informational", "failure")},
        "signature_info": _c2pa.active_manifest(store)["signature_info"],
    }


def request(*, hash_name: str = "sha256", digest: bytes | None = None, **fields: Any) -> bytes:
    imprint = {"hash_algorithm": {"algorithm": hash_name},
               "hashed_message": digest if digest is not None else hashlib.new(hash_name, TEXT).digest()}
    return tsp.TimeStampReq({"version": 1, "message_imprint": imprint, **fields}).dump()


def granted_token(response_der: bytes) -> cms.SignedData:
    response = TimeStampResp.load(response_der)
    assert response["status"]["status"].native == "granted"
    return response["time_stamp_token"]["content"]


# -- c2pa-rs accepts our tokens ------------------------------------------------------------------


@pytest.mark.parametrize("media_type", ["text/plain", "image/jpeg"])
def test_c2pa_validates_and_trusts_our_timestamp(pki: LocalPki, tsa_url: str, jpeg: bytes, media_type: str) -> None:
    asset = TEXT if media_type == "text/plain" else jpeg
    manifest = sign_detached(native_signer(pki.signing_material(), tsa_url), asset, media_type)
    report = read(asset, manifest, pki.trust_anchor_pem, media_type)
    assert report["state"] == "Trusted"
    assert {"timeStamp.validated", "timeStamp.trusted", "signingCredential.trusted"} <= report["success"]
    assert report["failure"] == set()


def test_signature_time_is_the_tsa_time(pki: LocalPki) -> None:
    stamped_at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    tsa = TimestampAuthority.create(pki.intermediate_cert_pem, pki.intermediate_key_pem, "t", clock=lambda: stamped_at)
    with LocalTimestampServer(tsa) as server:
        manifest = sign_detached(native_signer(pki.signing_material(), server.url), TEXT)
    report = read(TEXT, manifest, pki.trust_anchor_pem)
    assert report["signature_info"]["time"] == stamped_at.isoformat()  # "...T..:..:..+00:00"
    unstamped = read(TEXT, sign_detached(native_signer(pki.signing_material(), None), TEXT), pki.trust_anchor_pem)
    assert "time" not in unstamped["signature_info"]


# -- THE measurement: a manifest outlives its leaf only with a trusted timestamp -----------------------


@pytest.fixture(scope="module")
def after_leaf_expiry(pki: LocalPki, tsa_url: str, stranger_tsa_url: str) -> dict[str, bytes]:
    """Three manifests by one leaf that expires 2 s after it is made, read once it has expired."""
    material = short_lived_material(pki, LEAF_LIFETIME)
    manifests = {
        "no timestamp": sign_detached(native_signer(material, None), TEXT),
        "our TSA": sign_detached(native_signer(material, tsa_url), TEXT),
        "stranger's TSA": sign_detached(native_signer(material, stranger_tsa_url), TEXT),
    }
    for manifest in manifests.values():  # the leaf was good when it signed
        assert read(TEXT, manifest, pki.trust_anchor_pem)["state"] == "Trusted"
    leaf = x509.load_pem_x509_certificates(material.chain_pem)[0]
    time.sleep(max(0.0, (leaf.not_valid_after_utc - datetime.now(UTC)).total_seconds() + 1.1))
    return manifests


@pytest.mark.parametrize(
    ("manifest", "verify", "state", "failure", "informational"),
    [
        # without a token the leaf is judged now: expired (and, expired, no longer trusted)
        pytest.param("no timestamp", {}, "Invalid",
                     {"signingCredential.expired", "signingCredential.untrusted"}, set(), id="no-timestamp"),
        pytest.param("no timestamp", {"verify_timestamp_trust": False}, "Invalid",
                     {"signingCredential.expired", "signingCredential.untrusted"}, set(), id="no-timestamp-no-ts-trust"),
        # our token: the leaf is judged at genTime, when it was valid
        pytest.param("our TSA", {}, "Trusted", set(), set(), id="our-tsa"),
        pytest.param("our TSA", {"verify_timestamp_trust": False}, "Trusted", set(), set(), id="our-tsa-no-ts-trust"),
        # a TSA that does not chain to our anchors: its token is ignored...
        pytest.param("stranger's TSA", {}, "Invalid",
                     {"signingCredential.expired", "signingCredential.untrusted"}, {"timeStamp.untrusted"},
                     id="stranger-tsa"),
        # ...unless timestamp trust is switched off: then anyone's token rescues the leaf
        pytest.param("stranger's TSA", {"verify_timestamp_trust": False}, "Trusted", set(), set(),
                     id="stranger-tsa-no-ts-trust"),
    ],
)
def test_an_expired_leaf_stays_trusted_only_with_a_trusted_timestamp(
    after_leaf_expiry: dict[str, bytes], pki: LocalPki, manifest: str, verify: dict[str, bool],
    state: str, failure: set[str], informational: set[str],
) -> None:
    report = read(TEXT, after_leaf_expiry[manifest], pki.trust_anchor_pem, **verify)
    assert (report["state"], report["failure"]) == (state, failure)
    assert informational <= report["informational"]
    if state == "Trusted":
        assert {"timeStamp.validated", "timeStamp.trusted"} <= report["success"]


@pytest.mark.parametrize(
    "make_tsa",
    [
        # the token carries no intermediate, so the TSA certificate cannot reach the root
        pytest.param(lambda pki, other: TimestampAuthority(
            *create_tsa_certificate(pki.intermediate_cert_pem, pki.intermediate_key_pem)), id="no-chain"),
        pytest.param(lambda pki, other: TimestampAuthority.create(
            other.intermediate_cert_pem, other.intermediate_key_pem), id="stranger-root"),
    ],
)
def test_an_untrusted_tsa_is_informational_while_the_leaf_is_valid(pki: LocalPki, other_pki: LocalPki,
                                                                    make_tsa: Any) -> None:
    with LocalTimestampServer(make_tsa(pki, other_pki)) as server:
        manifest = sign_detached(native_signer(pki.signing_material(), server.url), TEXT)
    report = read(TEXT, manifest, pki.trust_anchor_pem)
    assert (report["state"], report["failure"]) == ("Trusted", set())
    assert "timeStamp.validated" in report["success"] and "timeStamp.trusted" not in report["success"]
    assert "timeStamp.untrusted" in report["informational"]


def test_c2pa_refuses_a_token_outside_the_tsa_certificate(pki: LocalPki) -> None:
    late = TimestampAuthority.create(pki.intermediate_cert_pem, pki.intermediate_key_pem,
                                     clock=lambda: datetime.now(UTC) + timedelta(days=365 * 20))
    with LocalTimestampServer(late) as server, pytest.raises(c2pa.C2paError, match="expired certificate"):
        sign_detached(native_signer(pki.signing_material(), server.url), TEXT)


# -- the TSA on its own ------------------------------------------------------------------------------


def test_tsa_certificate_profile(pki: LocalPki, tsa: TimestampAuthority) -> None:
    cert = x509.load_pem_x509_certificate(tsa.cert_pem)
    issuer = x509.load_pem_x509_certificate(pki.intermediate_cert_pem)
    cert.verify_directly_issued_by(issuer)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING] and eku.critical
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert cert.not_valid_after_utc <= issuer.not_valid_after_utc  # never outlives its issuer
    assert cert.not_valid_after_utc - cert.not_valid_before_utc > timedelta(days=3640)
    assert tsa.chain_pem == pki.intermediate_cert_pem


@pytest.mark.parametrize(
    ("cert_and_key", "message"),
    [
        pytest.param(lambda pki: (pki.leaf_cert_pem, pki.leaf_key_pem), "id-kp-timeStamping", id="signing-leaf"),
        pytest.param(lambda pki: (create_tsa_certificate(pki.intermediate_cert_pem, pki.intermediate_key_pem)[0],
                                  pki.leaf_key_pem), "does not match", id="wrong-key"),
        pytest.param(lambda pki: (b"junk", pki.leaf_key_pem), "unusable", id="not-pem"),
    ],
)
def test_a_tsa_refuses_unfit_credentials(pki: LocalPki, cert_and_key: Any, message: str) -> None:
    with pytest.raises(SigningError, match=message):
        TimestampAuthority(*cert_and_key(pki))


def test_a_granted_token_is_what_rfc3161_and_rfc5652_say(tsa: TimestampAuthority, pki: LocalPki) -> None:
    signed = granted_token(tsa.respond(request(nonce=2**70 + 1, cert_req=True)))
    info = signed["encap_content_info"]["content"].parsed
    assert signed["encap_content_info"]["content_type"].native == "tst_info"
    assert info["nonce"].native == 2**70 + 1 and info["policy"].dotted == DEFAULT_POLICY_OID
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(TEXT).digest()
    assert info["accuracy"]["seconds"].native == 1
    tsa_der = x509.load_pem_x509_certificate(tsa.cert_pem).public_bytes(serialization.Encoding.DER)
    intermediate_der = x509.load_pem_x509_certificate(pki.intermediate_cert_pem).public_bytes(serialization.Encoding.DER)
    assert {c.chosen.dump() for c in signed["certificates"]} == {tsa_der, intermediate_der}  # a DER SET: sorted

    signer = signed["signer_infos"][0]
    attrs = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
    assert attrs["content_type"].native == "tst_info"
    assert attrs["message_digest"].native == hashlib.sha256(info.dump()).digest()
    ess = attrs["signing_certificate_v2"]["certs"][0]
    assert ess["cert_hash"].native == hashlib.sha256(tsa_der).digest()
    assert ess["hash_algorithm"]["algorithm"].native == "sha256"  # the DEFAULT, left out of the DER
    public_key = x509.load_pem_x509_certificate(tsa.cert_pem).public_key()
    to_be_signed = cms.CMSAttributes(list(signer["signed_attrs"])).dump()  # as SET OF, not [0]
    public_key.verify(signer["signature"].native, to_be_signed, ec.ECDSA(hashes.SHA256()))

    without = granted_token(tsa.respond(request()))
    assert not without["certificates"] and without["encap_content_info"]["content"].parsed["nonce"].native is None


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_verifies_our_token(tsa: TimestampAuthority, pki: LocalPki, tmp_path: Path) -> None:
    (tmp_path / "data").write_bytes(TEXT)
    (tmp_path / "reply.tsr").write_bytes(tsa.respond(request(nonce=5, cert_req=True)))
    (tmp_path / "root.pem").write_bytes(pki.root_cert_pem)
    (tmp_path / "intermediate.pem").write_bytes(pki.intermediate_cert_pem)
    subprocess.run(["openssl", "ts", "-verify", "-data", "data", "-in", "reply.tsr", "-CAfile", "root.pem",
                    "-untrusted", "intermediate.pem"], cwd=tmp_path, check=True, capture_output=True)


@pytest.mark.parametrize(
    ("request_der", "fail_info"),
    [
        pytest.param(b"", "bad_request", id="empty"),
        pytest.param(b"GET / HTTP/1.1\r\n", "bad_request", id="not-der"),
        pytest.param(request()[:-3], "bad_request", id="truncated"),
        pytest.param(request() + b"\x00", "bad_request", id="trailing-byte"),
        pytest.param(request(version=2), "bad_request", id="version-2"),
        pytest.param(request(hash_name="sha1"), "bad_alg", id="sha1"),
        pytest.param(request(hash_name="md5"), "bad_alg", id="md5"),
        pytest.param(request(digest=b"\x01" * 20), "bad_data_format", id="short-digest"),
        pytest.param(request(req_policy="1.2.3.4"), "unaccepted_policy", id="other-policy"),
        pytest.param(request(extensions=[{"extn_id": "1.2.3.4", "extn_value": b"x"}]), "unaccepted_extensions",
                     id="extension"),
    ],
)
def test_a_bad_request_gets_a_rejection_not_an_exception(tsa: TimestampAuthority, request_der: bytes,
                                                         fail_info: str) -> None:
    response = TimeStampResp.load(tsa.respond(request_der))
    assert response["status"]["status"].native == "rejection"
    assert response["status"]["fail_info"].native == {fail_info}
    assert response["status"]["status_string"].native  # says why
    assert response["time_stamp_token"].native is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), byte=st.integers(min_value=0, max_value=255),
       tail=st.binary(max_size=8))
def test_any_mutated_request_gets_a_response(tsa: TimestampAuthority, position: int, byte: int, tail: bytes) -> None:
    original = request(nonce=9, cert_req=True)
    mutated = bytearray(original)
    mutated[position % len(mutated)] = byte
    status = TimeStampResp.load(tsa.respond(bytes(mutated) + tail))["status"]["status"].native
    assert status in {"granted", "rejection"}


@pytest.mark.parametrize("hash_name", ["sha256", "sha384", "sha512"])
def test_our_policy_and_every_sha2_imprint_are_granted(tsa: TimestampAuthority, hash_name: str) -> None:
    granted_token(tsa.respond(request(hash_name=hash_name, req_policy=DEFAULT_POLICY_OID)))


@pytest.mark.parametrize(
    ("method", "content_type", "body", "status", "reply_type"),
    [
        pytest.param("POST", "application/timestamp-query", request(), 200, "application/timestamp-reply", id="query"),
        pytest.param("POST", "application/timestamp-query", b"junk", 200, "application/timestamp-reply",
                     id="junk-query-is-a-rejection"),
        pytest.param("POST", "application/octet-stream", request(), 415, "text/plain", id="wrong-type"),
        pytest.param("GET", None, None, 405, "text/plain", id="get"),
    ],
)
def test_the_http_face(tsa_url: str, method: str, content_type: str | None, body: bytes | None, status: int,
                       reply_type: str) -> None:
    host, port = tsa_url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request(method, "/", body=body, headers={"Content-Type": content_type} if content_type else {})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    assert (response.status, response.getheader("Content-Type")) == (status, reply_type)
    if status == 200:
        expected = "granted" if body == request() else "rejection"
        assert TimeStampResp.load(payload)["status"]["status"].native == expected


def test_module_example_runs() -> None:
    result = doctest.testmod(provenance.timestamp, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- cost ----------------------------------------------------------------------------------------------


def test_tsa_round_trip_cost_per_signature(pki: LocalPki, tsa_url: str, jpeg: bytes,
                                           record_property: Any) -> None:
    """Median of 50 detached signatures of a ~1 MB JPEG, without and with the local TSA."""
    assert 900_000 < len(jpeg) < 1_300_000
    medians = {}
    for label, url in (("without", None), ("with", tsa_url)):
        signer = native_signer(pki.signing_material(), url)
        sign_detached(signer, jpeg, "image/jpeg")  # warm up
        seconds = []
        for _ in range(50):
            start = time.perf_counter()
            sign_detached(signer, jpeg, "image/jpeg")
            seconds.append(time.perf_counter() - start)
        medians[label] = statistics.median(seconds) * 1000
    added = medians["with"] - medians["without"]
    record_property("sign_ms_without_tsa", round(medians["without"], 2))
    record_property("sign_ms_with_tsa", round(medians["with"], 2))
    print(f"\n1 MB JPEG: {medians['without']:.1f} ms without TSA, {medians['with']:.1f} ms with (+{added:.1f} ms)")
    assert added < 50, f"the local TSA round trip should cost a few ms, got {added:.1f} ms"
