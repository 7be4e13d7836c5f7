"""Signing keys from settings: a callback into a key store (as for an HSM or KMS), timestamps off or
local, bad callbacks refused clearly, and rotation of the local leaf."""

from __future__ import annotations

import sys
import textwrap

import pytest
from sqlmodel import select

from provenance.verify import verify_media
from registry.errors import InvalidInputError
from registry.keys import INTERMEDIATE_CERT, SIGNING_CHAIN, SIGNING_KEY, rotate_signing_key
from registry.models import Manifest
from registry.registration.media import register_media
from registry.requests import RegistrationRequest
from registry.service import Registry

from ..conftest import SAMPLES

STILL = SAMPLES / "media" / "market-street-still.jpg"


def _signed_copy(registry: Registry):
    with registry.db.reading() as session:
        row = session.exec(select(Manifest)).one()
    return registry.blobs.path_of(row.asset_sha256)


@pytest.fixture
def key_store(settings, tmp_path, monkeypatch):
    """A module whose `sign` signs with a key the registry never reads: the callback of a key store."""
    Registry.open(settings).close()  # create the local PKI
    key_file = tmp_path / "held-elsewhere.key"
    key_file.write_bytes((settings.key_dir / SIGNING_KEY).read_bytes())
    calls = tmp_path / "calls"
    (tmp_path / "kms_fake.py").write_text(textwrap.dedent(f"""
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        KEY = serialization.load_pem_private_key(open({str(key_file)!r}, "rb").read(), password=None)
        def sign(data: bytes) -> bytes:
            open({str(calls)!r}, "a").write("x")
            return KEY.sign(data, ec.ECDSA(hashes.SHA256()))
        NOT_CALLABLE = 3
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield calls
    sys.modules.pop("kms_fake", None)


def test_a_signing_callback_signs_and_verifies(settings, key_store):
    (settings.key_dir / SIGNING_KEY).unlink()  # the key is gone from the registry's folder
    callback = settings.model_copy(update={"signing_callback": "kms_fake:sign",
                                           "signing_chain_path": settings.key_dir / SIGNING_CHAIN})
    registry = Registry.open(callback)
    try:
        register_media(registry, STILL, RegistrationRequest(model="imagen", kind="image"))
        report = verify_media(_signed_copy(registry), "image/jpeg", trust_anchors_pem=registry.keys.trust_anchors_pem)
    finally:
        registry.close()
    assert report.state == "Trusted" and key_store.read_text()


@pytest.mark.parametrize(("spec", "words"), [
    ("kms_fake:missing", "not an importable"),
    ("no_such_module:sign", "not an importable"),
    ("kms_fake:NOT_CALLABLE", "not callable"),
], ids=["missing-function", "missing-module", "not-callable"])
def test_a_bad_callback_is_refused_clearly(settings, key_store, spec, words):
    with pytest.raises(InvalidInputError, match=words):
        Registry.open(settings.model_copy(update={"signing_callback": spec,
                                                  "signing_chain_path": settings.key_dir / SIGNING_CHAIN}))


def test_timestamps_off_leaves_the_signers_claim(settings):
    registry = Registry.open(settings.model_copy(update={"timestamp_authority": "off"}))
    try:
        assert registry.timestamps is None
        register_media(registry, STILL, RegistrationRequest(model="imagen", kind="image"))
        report = verify_media(_signed_copy(registry), "image/jpeg", trust_anchors_pem=registry.keys.trust_anchors_pem)
    finally:
        registry.close()
    assert report.state == "Trusted" and report.time_source == "claimed"


def test_rotation_keeps_the_old_leaf_retired_and_refuses_a_deployments_own_key(settings):
    Registry.open(settings).close()
    before = (settings.key_dir / SIGNING_CHAIN).read_bytes()
    rotated = rotate_signing_key(settings)
    assert (settings.key_dir / SIGNING_CHAIN).read_bytes() != before
    retired = list((settings.key_dir / "retired").iterdir())
    assert len(retired) == 2 and any(p.read_bytes() == before for p in retired)
    assert rotated["serial"] != rotated["retired_serial"]
    own = settings.model_copy(update={"signing_chain_path": settings.key_dir / INTERMEDIATE_CERT})
    with pytest.raises(InvalidInputError, match="deployment's own"):
        rotate_signing_key(own)
