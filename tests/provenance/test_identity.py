"""One signing identity: a key, its chain and the trust anchors agree, or the one line says what
disagrees (table-driven over two independent PKIs)."""

from __future__ import annotations

import pytest

from provenance.identity import identity_problem
from provenance.keys import create_local_pki

OURS, THEIRS = create_local_pki("ours"), create_local_pki("theirs")
CHAIN = OURS.leaf_cert_pem + OURS.intermediate_cert_pem


@pytest.mark.parametrize(("chain", "anchors", "key", "problem"), [
    (CHAIN, OURS.root_cert_pem, OURS.leaf_key_pem, None),
    (CHAIN, OURS.root_cert_pem, None, None),  # a key held by a callback: the chain and anchors still checked
    (CHAIN, THEIRS.root_cert_pem + OURS.root_cert_pem, OURS.leaf_key_pem, None),  # one of several anchors
    (OURS.leaf_cert_pem + OURS.intermediate_cert_pem + OURS.root_cert_pem, OURS.root_cert_pem, None, None),
    (CHAIN, OURS.root_cert_pem, THEIRS.leaf_key_pem, "is not the key of the chain's leaf certificate"),
    (CHAIN, THEIRS.root_cert_pem, OURS.leaf_key_pem, "which is none of the trust anchors"),
    (OURS.leaf_cert_pem + THEIRS.intermediate_cert_pem, OURS.root_cert_pem, None, "is not issued by the next"),
    (OURS.intermediate_cert_pem + OURS.leaf_cert_pem, OURS.root_cert_pem, None, "is not issued by the next"),
    (b"", OURS.root_cert_pem, None, "holds no certificate"),
    (CHAIN, OURS.root_cert_pem, b"not a key", "is not a PEM private key"),
], ids=["agree", "callback", "several-anchors", "root-in-chain", "foreign-key", "foreign-anchor",
        "broken-chain", "wrong-order", "empty-chain", "bad-key"])
def test_identity(chain, anchors, key, problem):
    found = identity_problem(chain, anchors, key)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and "\n" not in found
