"""Witness cosignatures: the log pushes checkpoints to a real witness app and keeps verified lines."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from registry.cosigning import request_cosignatures
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.settings import WitnessConfig
from registry.tlog.cosignature import CosignatureSigner, CosignatureVerifier, verify_cosignatures
from registry.tlog.offline import verify_receipt_offline
from registry.tlog.witness import AddCheckpointRequest, Witness
from web.witness_app import create_witness_app

from .test_register_article import ARTICLE


def _article(n: int) -> bytes:
    return (ARTICLE.replace("harbour", f"harbour number {n}") + f"\nEdition {n}.\n").encode()


class WitnessProcess:
    """The real witness app behind a TestClient; `post` is what the log's pusher calls."""

    def __init__(self, registry, name: str = "witness.example.org") -> None:
        self.signer = CosignatureSigner(name, Ed25519PrivateKey.generate())
        self.restart(registry)

    def restart(self, registry) -> None:  # a witness that lost its state
        self.witness = Witness(self.signer, {registry.settings.log_origin: registry.keys.log_verifier})
        self.client = TestClient(create_witness_app(self.witness))

    def post(self, url: str, body: str) -> tuple[int, str]:
        assert url == "http://witness.test/add-checkpoint"
        response = self.client.post("/add-checkpoint", content=body)
        return response.status_code, response.text

    @property
    def config(self) -> WitnessConfig:
        return WitnessConfig(url="http://witness.test/", key=self.signer.verifier_key())


@pytest.fixture
def witness(registry):
    process = WitnessProcess(registry)
    registry.settings.witnesses = [process.config]
    return process


def test_checkpoints_are_cosigned_and_receipts_carry_the_cosignature(registry, witness):
    first = register_article(registry, _article(1), RegistrationRequest(model="m"))
    register_article(registry, _article(2), RegistrationRequest(model="m"))
    [outcome] = request_cosignatures(registry, post=witness.post)
    assert outcome.ok and outcome.size == 2, outcome
    assert request_cosignatures(registry, post=witness.post)[0].message == "already cosigned"

    with registry.db.reading() as session:
        receipt = registry.log.receipt(session, first.log_index)
        note = registry.log.cosigned_note(session, registry.log.latest_checkpoint(session))
    verifier = CosignatureVerifier.from_vkey(witness.signer.verifier_key())
    assert verify_cosignatures(note, [verifier], required=1) == [witness.signer.name]
    verdict = verify_receipt_offline(receipt.to_text(), None, registry.log_vkey,
                                     witness_vkeys=[witness.signer.verifier_key()], required_cosignatures=1)
    assert verdict.size == 2 and verdict.witnesses == (witness.signer.name,)

    register_article(registry, _article(3), RegistrationRequest(model="m"))  # grows: a consistency proof from 2
    assert request_cosignatures(registry, post=witness.post)[0].ok
    assert witness.witness.state.get(registry.settings.log_origin).size == 3


def test_a_witness_that_lost_its_state_is_caught_up_after_a_409(registry, witness):
    register_article(registry, _article(1), RegistrationRequest(model="m"))
    assert request_cosignatures(registry, post=witness.post)[0].ok
    witness.restart(registry)
    register_article(registry, _article(2), RegistrationRequest(model="m"))
    [outcome] = request_cosignatures(registry, post=witness.post)
    assert outcome.ok, outcome


def test_a_cosignature_that_does_not_verify_is_not_stored(registry, witness):
    impostor = CosignatureSigner(witness.signer.name, Ed25519PrivateKey.generate())
    registry.settings.witnesses = [WitnessConfig(url="http://witness.test", key=impostor.verifier_key())]
    register_article(registry, _article(1), RegistrationRequest(model="m"))
    [outcome] = request_cosignatures(registry, post=witness.post)
    assert not outcome.ok and "key id" in outcome.message
    with registry.db.reading() as session:
        checkpoint = registry.log.latest_checkpoint(session)
        assert registry.log.cosigned_note(session, checkpoint) == checkpoint.note


def test_witness_app_answers_per_tlog_witness(registry, witness):
    register_article(registry, _article(1), RegistrationRequest(model="m"))
    with registry.db.reading() as session:
        note = registry.log.latest_checkpoint(session).note
    client = witness.client
    assert client.post("/add-checkpoint", content=AddCheckpointRequest(0, (), note).to_text()).status_code == 200
    stale = client.post("/add-checkpoint", content=AddCheckpointRequest(0, (), note).to_text())
    assert (stale.status_code, stale.text.strip()) == (409, "1")  # the witness has recorded size 1
    other_log = note.replace(registry.settings.log_origin, "other.example/log", 1)
    assert client.post("/add-checkpoint", content=AddCheckpointRequest(1, (), other_log).to_text()).status_code == 404
    forged = note.replace("\n1\n", "\n2\n", 1)
    assert client.post("/add-checkpoint", content=AddCheckpointRequest(1, (), forged).to_text()).status_code == 403
    assert client.post("/add-checkpoint", content="garbage").status_code == 400
    assert client.get("/key").text.strip() == witness.signer.verifier_key()
