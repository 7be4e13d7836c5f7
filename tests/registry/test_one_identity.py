"""One signing identity for every process of a deployment (issue 14), on SQLite and PostgreSQL: a
process with its own data folder but no keys never makes new ones for a database that holds a log;
processes share the identity through one keys folder (AIGC_REGISTRY_KEYS_PATH) or keys given through
the environment (AIGC_REGISTRY_LOG_KEY, AIGC_REGISTRY_SIGNING_KEY_PEM); a log key, a chain or a
signing key that is not the identity's stops the start with one line naming the mismatch."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from provenance.keys import create_local_pki
from registry.errors import IntegrityError
from registry.keys import LOG_KEY
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings
from registry.tlog.note import generate_note_key

from ..conftest import database_for

ARTICLES = sorted((Path(__file__).resolve().parents[2] / "samples" / "articles").glob("*.txt"))


@pytest.fixture
def first(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    """The deployment's first process: it made the identity and logged one registration."""
    settings = Settings(data_dir=tmp_path / "first", database_url=database_url, load_samples=False)
    registry = Registry.open(settings)
    register_article(registry, ARTICLES[0].read_bytes(), RegistrationRequest(model="m"))
    registry.close()
    return settings


def _second(first: Settings, tmp_path: Path, **changes) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(data_dir=tmp_path / "second", database_url=first.database_url, load_samples=False, **changes)


def test_a_process_without_the_keys_makes_none_and_says_why(first, tmp_path):
    with pytest.raises(IntegrityError) as refused:
        Registry.open(_second(first, tmp_path))
    message = str(refused.value)
    assert "does not exist" in message and "a new key would fork the log" in message and "\n" not in message
    assert not (tmp_path / "second" / "keys").exists()


def test_processes_share_the_identity_through_one_keys_folder(first, tmp_path):
    second = Registry.open(_second(first, tmp_path, keys_path=first.key_dir))
    try:
        result = register_article(second, ARTICLES[1].read_bytes(), RegistrationRequest(model="m"))
        assert result.log_index == 1
        original = Registry.open(first)
        assert original.log_vkey == second.log_vkey
        original.close()
    finally:
        second.close()


def test_the_log_key_through_the_environment(first, tmp_path, monkeypatch):
    skey = (first.key_dir / LOG_KEY).read_text().strip()
    monkeypatch.setenv("AIGC_REGISTRY_LOG_KEY", skey)
    monkeypatch.setenv("AIGC_REGISTRY_KEYS_PATH", str(first.key_dir))
    settings = Settings(data_dir=tmp_path / "second", database_url=first.database_url, load_samples=False)
    assert settings.log_key is not None and skey not in repr(settings)  # a secret, never printed
    registry = Registry.open(settings)
    registry.close()

    other, _ = generate_note_key(first.log_origin)  # another key of the same name
    monkeypatch.setenv("AIGC_REGISTRY_LOG_KEY", other)
    with pytest.raises(IntegrityError) as refused:
        Registry.open(Settings(data_dir=tmp_path / "third", database_url=first.database_url, load_samples=False))
    assert "does not verify with this registry's log key" in str(refused.value) and "\n" not in str(refused.value)


def test_a_signing_chain_outside_the_trust_anchors_is_refused_at_start(first, tmp_path):
    theirs = create_local_pki("theirs")
    chain = tmp_path / "chain.pem"
    chain.write_bytes(theirs.leaf_cert_pem + theirs.intermediate_cert_pem)
    settings = _second(first, tmp_path, keys_path=first.key_dir, signing_chain_path=chain,
                       signing_key_pem=theirs.leaf_key_pem.decode())
    with pytest.raises(IntegrityError) as refused:
        Registry.open(settings)
    assert "none of the trust anchors" in str(refused.value) and "\n" not in str(refused.value)

    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(theirs.root_cert_pem)
    trusted = Registry.open(settings.model_copy(update={"trust_anchors_path": anchors}))
    trusted.close()

    other_key = SecretStr(create_local_pki("other").leaf_key_pem.decode())
    with pytest.raises(IntegrityError) as mismatched:
        Registry.open(settings.model_copy(update={"trust_anchors_path": anchors, "signing_key_pem": other_key}))
    assert "is not the key of the chain's leaf certificate" in str(mismatched.value)


def test_processes_starting_together_on_an_empty_database_agree(tmp_path):
    """Two processes' first start at once on PostgreSQL (a deployment's database; SQLite serves one
    process): one makes the schema and the keys, both then open."""
    with database_for("postgresql", tmp_path) as database_url:
        _start_together(tmp_path, database_url)


def _start_together(tmp_path: Path, database_url: str) -> None:
    import threading
    keys = tmp_path / "shared-keys"
    opened: list[Registry] = []
    failures: list[BaseException] = []

    def start(n: int) -> None:
        try:
            opened.append(Registry.open(Settings(data_dir=tmp_path / f"p{n}", database_url=database_url,
                                                 keys_path=keys, load_samples=False)))
        except BaseException as e:  # noqa: BLE001
            failures.append(e)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not failures, failures
        assert len(opened) == 2 and opened[0].log_vkey == opened[1].log_vkey
    finally:
        for registry in opened:
            registry.close()
