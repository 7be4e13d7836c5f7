"""The registry's own RFC 3161 time-stamp authority, so manifests outlive their signing certificate.

Without a timestamp, c2pa judges the signing certificate at *reading* time: once the leaf expires,
every manifest it signed reads ``Invalid`` (``signingCredential.expired``). With a timestamp token
in the COSE signature, c2pa judges the leaf at the token's ``genTime`` instead, so a manifest signed
while its leaf was valid stays ``Trusted``.

The pieces, each an RFC 3161 structure:

- :func:`create_tsa_certificate`: a TSA certificate issued by a CA of the local PKI (section 2.3:
  the only extended key usage is ``id-kp-timeStamping``, marked critical);
- :class:`TimestampAuthority`: ``TimeStampReq`` (section 2.4.1) in, ``TimeStampResp`` (section
  2.4.2) out, the token a CMS ``SignedData`` (RFC 5652) over a ``TSTInfo``, signed ES256 with the
  attributes content-type, message-digest and signing-certificate-v2 (RFC 5035 ``ESSCertIDv2``);
  a request it cannot serve gets a ``rejection`` response, never an exception;
- :class:`LocalTimestampServer`: the HTTP transport of section 3.4 on ``127.0.0.1``, for
  ``c2pa.C2paSignerInfo(..., tsa_url=server.url)``.

>>> import hashlib
>>> from asn1crypto import tsp
>>> from provenance.keys import create_local_pki
>>> pki = create_local_pki("example-org")
>>> tsa = TimestampAuthority.create(pki.intermediate_cert_pem, pki.intermediate_key_pem, "example-org")
>>> request = tsp.TimeStampReq({"version": 1, "nonce": 7, "cert_req": True, "message_imprint": {
...     "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(b"hi").digest()}})
>>> response = TimeStampResp.load(tsa.respond(request.dump()))
>>> tst_info = response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
>>> response["status"]["status"].native, tst_info["nonce"].native
('granted', 7)
>>> rejected = TimeStampResp.load(tsa.respond(b"not DER"))
>>> rejected["status"]["status"].native, sorted(rejected["status"]["fail_info"].native)
('rejection', ['bad_request'])
"""

from __future__ import annotations

import hashlib
import http.server
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance.errors import SigningError
from provenance.keys import issue_end_entity

#: Our TSA policy (RFC 3161 section 2.4.2 ``policy``): a UUID-derived OID (ITU-T X.667), needing no
#: registration. A request naming another policy is rejected with ``unacceptedPolicy``.
DEFAULT_POLICY_OID = "2.25.93026466231954066881701545593706426533"

#: Message-imprint hash algorithms accepted, with their digest sizes (SHA-1 is refused: ``badAlg``).
ACCEPTED_IMPRINT_HASHES = {"sha256": 32, "sha384": 48, "sha512": 64}

#: The HTTP media types of RFC 3161 section 3.4; c2pa-rs insists on both, exactly.
QUERY_MEDIA_TYPE = "application/timestamp-query"
REPLY_MEDIA_TYPE = "application/timestamp-reply"

#: Requests are tens of bytes; anything above this is refused before it is read.
MAX_REQUEST_BYTES = 64 * 1024

#: Stated accuracy of ``genTime`` (section 2.4.2 ``accuracy``): it is truncated to whole seconds.
ACCURACY_SECONDS = 1


def create_tsa_certificate(
    issuer_cert_pem: bytes,
    issuer_key_pem: bytes,
    name: str = "aigc-registry",
    *,
    valid_days: int = 3650,
    now: datetime | None = None,
) -> tuple[bytes, bytes]:
    """Issue a TSA certificate from a CA (``LocalPki.intermediate_*``); return ``(cert_pem, key_pem)``.

    The certificate is what RFC 3161 section 2.3 and the C2PA profile ask of a TSA: ``CA:FALSE``,
    key usage ``digitalSignature``, extended key usage ``id-kp-timeStamping`` alone and critical,
    subject and authority key identifiers, a P-256 key. Its validity never outlasts the issuer's.
    """
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                         x509.NameAttribute(NameOID.COMMON_NAME, f"{name} Time-Stamp Authority")])
    return issue_end_entity(subject, issuer_cert_pem, issuer_key_pem, purpose=ExtendedKeyUsageOID.TIME_STAMPING,
                            purpose_critical=True, valid_days=valid_days, now=now)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TimeStampResp(core.Sequence):
    """RFC 3161 ``TimeStampResp``; asn1crypto's own makes the token mandatory, the RFC does not."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class _Rejection(Exception):
    """A request the TSA refuses: ``fail_info`` is a PKIFailureInfo bit name (section 2.4.2)."""

    def __init__(self, fail_info: str, reason: str) -> None:
        super().__init__(reason)
        self.fail_info = fail_info


class TimestampAuthority:
    """An RFC 3161 TSA: one ES256 key and its certificate; thread-safe, no I/O.

    ``chain_pem`` holds the certificates between the TSA certificate and the verifier's trust
    anchor (for the local PKI: the intermediate); they travel in each token when ``certReq`` is set.
    ``clock`` returns the current UTC time (tests pass a fixed or skewed one).
    """

    def __init__(
        self,
        cert_pem: bytes,
        key_pem: bytes,
        *,
        chain_pem: bytes = b"",
        policy_oid: str = DEFAULT_POLICY_OID,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        try:
            cert = x509.load_pem_x509_certificate(cert_pem)
            key = serialization.load_pem_private_key(key_pem, password=None)
            chain = x509.load_pem_x509_certificates(chain_pem) if chain_pem.strip() else []
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        except (ValueError, TypeError, x509.ExtensionNotFound) as e:
            raise SigningError(f"unusable TSA credentials (PEM certificate with EKU, PKCS#8 key): {e}") from e
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise SigningError(f"expected a P-256 TSA key, got {type(key).__name__}")
        if key.public_key() != cert.public_key():
            raise SigningError("the TSA key does not match the TSA certificate")
        if list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING] or not eku.critical:
            raise SigningError("expected the TSA certificate's only EKU to be id-kp-timeStamping, critical")
        self._key = key
        self._cert_pem = cert_pem
        self._key_pem = key_pem
        self._chain_pem = chain_pem
        self._cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        self._chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]
        self._policy = policy_oid
        self._clock = clock
        # Constant per TSA; built once because asn1crypto takes ~8 ms to build it from a dict.
        self._signing_certificate_attr = cms.CMSAttribute(
            {"type": "signing_certificate_v2", "values": [{"certs": [self._ess_cert_id()]}]}
        ).dump()

    @classmethod
    def create(
        cls,
        issuer_cert_pem: bytes,
        issuer_key_pem: bytes,
        name: str = "aigc-registry",
        *,
        valid_days: int = 3650,
        now: datetime | None = None,
        policy_oid: str = DEFAULT_POLICY_OID,
        clock: Callable[[], datetime] = _utc_now,
    ) -> TimestampAuthority:
        """A TSA with a fresh certificate from the issuing CA (see :func:`create_tsa_certificate`,
        which takes ``valid_days`` and ``now``); the issuer travels in the tokens as the chain."""
        cert_pem, key_pem = create_tsa_certificate(
            issuer_cert_pem, issuer_key_pem, name, valid_days=valid_days, now=now
        )
        return cls(cert_pem, key_pem, chain_pem=issuer_cert_pem, policy_oid=policy_oid, clock=clock)

    @property
    def cert_pem(self) -> bytes:
        return self._cert_pem

    @property
    def key_pem(self) -> bytes:
        """The TSA's PKCS#8 key, for storing the TSA and loading it again with the constructor."""
        return self._key_pem

    @property
    def chain_pem(self) -> bytes:
        return self._chain_pem

    def __repr__(self) -> str:
        return f"TimestampAuthority({self._cert.subject.human_friendly!r}, policy={self._policy})"

    def respond(self, request_der: bytes) -> bytes:
        """Answer one DER ``TimeStampReq`` with a DER ``TimeStampResp`` (granted or rejection)."""
        try:
            request = _parse_request(request_der, self._policy)
            token = self._token(request)
        except _Rejection as e:
            return _rejection(e.fail_info, str(e))
        except Exception as e:  # noqa: BLE001 - a TSA answers every request (section 2.4.2 systemFailure)
            return _rejection("system_failure", f"{type(e).__name__}")
        return TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()

    # -- internals ---------------------------------------------------------------------------

    def _token(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        """The ``TimeStampToken`` (section 2.4.2): SignedData over the DER ``TSTInfo``."""
        gen_time = self._clock().astimezone(UTC).replace(microsecond=0)
        info = {
            "version": "v1",
            "policy": self._policy,
            "message_imprint": request["message_imprint"],
            "serial_number": secrets.randbits(127) | 1,
            "gen_time": gen_time,
            "accuracy": {"seconds": ACCURACY_SECONDS},
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self._cert.subject),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]  # c2pa-rs refuses a token whose nonce differs
        tst_info = tsp.TSTInfo(info).dump()

        signed_attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(tst_info).digest()]},
                cms.CMSAttribute.load(self._signing_certificate_attr),
            ]
        )
        # RFC 5652 section 5.4: the signature covers the attributes DER-encoded as a SET OF.
        signature = self._key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer = {
            "version": "v1",
            "sid": {"issuer_and_serial_number": {
                "issuer": self._cert.issuer, "serial_number": self._cert.serial_number}},
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        }
        signed_data = {
            "version": "v3",  # eContentType is not id-data (RFC 5652 section 5.1)
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_info)},
            "signer_infos": [signer],
        }
        if request["cert_req"].native:
            signed_data["certificates"] = [self._cert, *self._chain]
        return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})

    def _ess_cert_id(self) -> tsp.ESSCertIDv2:
        """RFC 5035 ``ESSCertIDv2``: SHA-256 of the TSA certificate (the DEFAULT, so left out) and
        its issuer and serial number."""
        return tsp.ESSCertIDv2(
            {
                "cert_hash": hashlib.sha256(self._cert.dump()).digest(),
                "issuer_serial": {
                    "issuer": [asn1_x509.GeneralName(name="directory_name", value=self._cert.issuer)],
                    "serial_number": self._cert.serial_number,
                },
            }
        )


def _parse_request(request_der: bytes, policy: str) -> tsp.TimeStampReq:
    """Parse and check a ``TimeStampReq`` (section 2.4.1), raising :class:`_Rejection`."""
    if not isinstance(request_der, bytes) or not request_der:
        raise _Rejection("bad_request", "expected a DER TimeStampReq, got no bytes")
    try:
        request = tsp.TimeStampReq.load(request_der, strict=True)
        request.native  # asn1crypto parses lazily: force every field now
    except (ValueError, TypeError, OverflowError) as e:
        raise _Rejection("bad_request", f"not a DER TimeStampReq: {e}") from e
    if request["version"].native != "v1":
        raise _Rejection("bad_request", f"expected version 1, got {request['version'].native}")
    imprint = request["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in ACCEPTED_IMPRINT_HASHES:
        raise _Rejection("bad_alg", f"expected a hash in {sorted(ACCEPTED_IMPRINT_HASHES)}, got {algorithm}")
    size = len(imprint["hashed_message"].native)
    if size != ACCEPTED_IMPRINT_HASHES[algorithm]:
        expected = ACCEPTED_IMPRINT_HASHES[algorithm]
        raise _Rejection("bad_data_format", f"expected a {expected}-byte {algorithm} digest, got {size} bytes")
    requested_policy = request["req_policy"].native
    if requested_policy is not None and request["req_policy"].dotted != policy:
        raise _Rejection("unaccepted_policy", f"expected policy {policy}, got {request['req_policy'].dotted}")
    if request["extensions"].native:
        raise _Rejection("unaccepted_extensions", "this TSA supports no request extensions")
    return request


def _rejection(fail_info: str, reason: str) -> bytes:
    status = {"status": "rejection", "status_string": [reason[:200]], "fail_info": tsp.PKIFailureInfo({fail_info})}
    return TimeStampResp({"status": status}).dump()


class LocalTimestampServer:
    """Serve a :class:`TimestampAuthority` over HTTP on ``127.0.0.1`` (random port, daemon thread).

    ``POST`` with ``Content-Type: application/timestamp-query`` gets ``200`` and an
    ``application/timestamp-reply`` body (a rejection is still a 200, per RFC 3161 section 3.4);
    any other request gets a 4xx. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, authority: TimestampAuthority, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = http.server.ThreadingHTTPServer((host, port), _handler_for(authority))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="tsa-server", daemon=True
        )  # the poll interval bounds how long close() waits
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> LocalTimestampServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalTimestampServer({self.url!r})"


def _handler_for(authority: TimestampAuthority) -> type[http.server.BaseHTTPRequestHandler]:
    class TimestampHandler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # headers and body leave in one segment: no 40 ms delayed-ACK stall per request
        timeout = 10  # seconds a silent client may hold its thread

        def do_POST(self) -> None:  # noqa: N802 - http.server's spelling
            media_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if media_type != QUERY_MEDIA_TYPE:
                self._reply(415, b"expected Content-Type: " + QUERY_MEDIA_TYPE.encode(), "text/plain")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._reply(411, b"Content-Length required", "text/plain")
                return
            if not 0 <= length <= MAX_REQUEST_BYTES:
                self._reply(413, b"request too large", "text/plain")
                return
            self._reply(200, authority.respond(self.rfile.read(length)), REPLY_MEDIA_TYPE)

        def do_GET(self) -> None:  # noqa: N802
            self._reply(405, b"POST an application/timestamp-query", "text/plain")

        def _reply(self, status: int, body: bytes, media_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            if status != 200:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr
            pass

    return TimestampHandler
