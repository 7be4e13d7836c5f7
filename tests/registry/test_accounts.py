"""Accounts in the registry: keys stored as hashes, listed without secrets, revoked, expired; passwords
hashed with argon2id; organisations owning their party; the migration that brings older registries
into organisations."""

from __future__ import annotations

import pytest
from alembic import command
from sqlmodel import select

from registry.accounts import manage
from registry.accounts.credentials import parse_api_key
from registry.accounts.principal import Principal
from registry.database import Database
from registry.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError, UnauthenticatedError
from registry.models import ApiKey, Organisation, Party, User, Work
from registry.registration.article import register_article
from registry.requests import RegistrationRequest

from ..conftest import SAMPLES

ARTICLE = (SAMPLES / "articles" / "calder-valley-storm.txt").read_bytes()


def test_a_key_is_shown_once_and_stored_as_a_hash(registry):
    manage.create_organisation(registry, "Daily", "newsroom")
    issued = manage.issue_api_key(registry, org_name="Daily", role="editor", name="cms", expires_days=30)
    key_id, secret = parse_api_key(issued["key"])
    assert key_id == issued["key_id"] and issued["expires_at"].endswith("Z")
    with registry.db.reading() as session:
        row = session.get(ApiKey, key_id)
        assert secret not in row.secret_sha256 and len(row.secret_sha256) == 64
    listed = manage.api_keys(registry, org_name="Daily")
    assert [k["key_id"] for k in listed] == [key_id] and "key" not in listed[0]
    principal = registry.key_authenticator.authenticate(registry.db, issued["key"])
    assert (principal.org_name, principal.role, principal.credential) == ("Daily", "editor", f"key:{key_id}")
    assert manage.api_keys(registry, org_name="Daily")[0]["last_used_at"] is not None


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"), "unknown API key"),
    (lambda key: key.replace("aigc_", "aigx_"), "malformed"),
    (lambda key: key[:20], "malformed"),
], ids=["wrong-secret", "wrong-prefix", "truncated"])
def test_a_wrong_key_is_refused(registry, mangle, message):
    manage.create_organisation(registry, "Daily", "newsroom")
    key = manage.issue_api_key(registry, org_name="Daily", role="viewer")["key"]
    with pytest.raises(UnauthenticatedError, match=message):
        registry.key_authenticator.authenticate(registry.db, mangle(key))


def test_revoked_and_expired_keys_are_refused(registry):
    manage.create_organisation(registry, "Daily", "newsroom")
    revoked = manage.issue_api_key(registry, org_name="Daily", role="viewer")
    manage.revoke_api_key(registry, revoked["key_id"])
    with pytest.raises(UnauthenticatedError, match="revoked"):
        registry.key_authenticator.authenticate(registry.db, revoked["key"])
    expired = manage.issue_api_key(registry, org_name="Daily", role="viewer", expires_days=1)
    with registry.db.writing() as session:
        row = session.get(ApiKey, expired["key_id"])
        row.expires_at = row.created_at
        session.add(row)
    with pytest.raises(UnauthenticatedError, match="expired"):
        registry.key_authenticator.authenticate(registry.db, expired["key"])
    assert {k["key_id"]: k["state"] for k in manage.api_keys(registry)} == {
        revoked["key_id"]: "revoked", expired["key_id"]: "expired"}


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"org_name": None, "role": "editor"}, InvalidInputError, "belongs to an organisation"),
    ({"org_name": "Daily", "role": "admin"}, InvalidInputError, "registry-wide"),
    ({"org_name": "Daily", "role": "janitor"}, InvalidInputError, "role must be one of"),
    ({"org_name": "Nowhere", "role": "viewer"}, NotFoundError, "unknown organisation"),
    ({"org_name": "Daily", "role": "viewer", "expires_days": 0}, InvalidInputError, "expiry"),
], ids=["no-org", "admin-with-org", "unknown-role", "unknown-org", "zero-expiry"])
def test_bad_key_requests_are_refused(registry, kwargs, error, message):
    manage.create_organisation(registry, "Daily", "newsroom")
    with pytest.raises(error, match=message):
        manage.issue_api_key(registry, **kwargs)
    assert manage.api_keys(registry) == []


def test_an_owner_issues_keys_of_its_own_organisation_only(registry):
    manage.create_organisation(registry, "Daily", "newsroom")
    manage.create_organisation(registry, "Other", "creator")
    owner = registry.key_authenticator.authenticate(
        registry.db, manage.issue_api_key(registry, org_name="Daily", role="owner")["key"])
    assert manage.issue_api_key(registry, org_name=None, role="viewer", principal=owner)["org"] == "Daily"
    for kwargs in ({"org_name": "Other", "role": "viewer"}, {"org_name": None, "role": "admin"}):
        with pytest.raises(ForbiddenError):
            manage.issue_api_key(registry, principal=owner, **kwargs)


def test_passwords_are_argon2id_and_members_have_roles(registry):
    manage.create_organisation(registry, "Daily", "newsroom")
    manage.add_member(registry, "Ann@Daily.example", "correct horse battery", org_name="Daily", role="editor")
    with registry.db.reading() as session:
        user = session.exec(select(User)).one()
        assert user.email == "ann@daily.example" and user.password_hash.startswith("$argon2id$")
    signed = manage.start_session(registry, "ann@daily.example", "correct horse battery")
    assert (signed.principal.org_name, signed.principal.role) == ("Daily", "editor")
    with pytest.raises(UnauthenticatedError, match="wrong email or password"):
        manage.start_session(registry, "ann@daily.example", "not the password")
    with pytest.raises(InvalidInputError, match="at least 12"):
        manage.add_member(registry, "bo@daily.example", "short", org_name="Daily", role="viewer")


def test_an_organisation_owns_its_party_and_its_name(registry):
    created = manage.create_organisation(registry, "Daily", "newsroom")
    with registry.db.reading() as session:
        party = session.get(Party, created["party_id"])
        assert party.name == "Daily" and party.org_id == created["org_id"]
    with pytest.raises(ConflictError):
        manage.create_organisation(registry, "Daily", "creator")
    with pytest.raises(InvalidInputError, match="kind"):
        manage.create_organisation(registry, "Weekly", "tabloid")


def test_the_registrant_is_the_credentials_organisation(registry):
    manage.create_organisation(registry, "Daily", "newsroom")
    editor = registry.key_authenticator.authenticate(
        registry.db, manage.issue_api_key(registry, org_name="Daily", role="editor")["key"])
    with pytest.raises(ForbiddenError, match="not yours to name"):
        register_article(registry, ARTICLE, RegistrationRequest(model="m", registrant="local"), principal=editor)
    result = register_article(registry, ARTICLE, RegistrationRequest(model="m"), principal=editor)
    with registry.db.reading() as session:
        work = session.get(Work, result.work_id)
        assert session.get(Organisation, work.org_id).name == "Daily"


def test_an_embargo_keeps_a_work_unpublished_until_its_day(registry):
    result = register_article(registry, ARTICLE, RegistrationRequest(model="m", embargo_until="2099-01-01"))
    assert result.published_at.startswith("2099-01-01")
    stranger = Principal(kind="key", org_id="elsewhere", org_name="Elsewhere", role="viewer", credential="key:x")
    from registry.works import list_works

    assert list_works(registry, principal=stranger) == []
    assert [w["work_id"] for w in list_works(registry)] == [result.work_id]
    with pytest.raises(InvalidInputError, match="either"):
        RegistrationRequest(model="m", embargo_until="2099-01-01", unpublished=True)


def test_migration_brings_registrants_into_organisations(settings, tmp_path):
    """A registry at revision 0004 with a work: after 0005 its registrant is an organisation owning the
    work, published."""
    db = Database(settings.effective_database_url)
    with db.engine.begin() as connection:
        config = db._alembic_config(connection)
        command.upgrade(config, "0004")
        connection.exec_driver_sql(
            "INSERT INTO party (id, name, kind, commitment_salt, created_at) VALUES "
            "('P1', 'Old Newsroom', 'organisation', '00', '2026-01-01 00:00:00')")
        connection.exec_driver_sql(
            "INSERT INTO work (id, kind, title, registrant_id, created_at) VALUES "
            "('W1', 'article', 'Old story', 'P1', '2026-01-02 00:00:00')")
        command.upgrade(config, "head")
    with db.reading() as session:
        org = session.exec(select(Organisation)).one()
        work = session.get(Work, "W1")
        assert (org.name, org.kind, org.party_id) == ("Old Newsroom", "creator", "P1")
        assert work.org_id == org.id and work.published_at == work.created_at
        assert session.get(Party, "P1").org_id == org.id
    db.dispose()


def test_a_key_revoked_elsewhere_stops_within_the_cache_time(registry, settings, monkeypatch):
    """Two processes (two registries on one database): the one that revokes forgets the key at once,
    the other within KEY_CACHE_SECONDS."""
    from registry.accounts import api_keys
    from registry.service import Registry

    monkeypatch.setattr(api_keys, "KEY_CACHE_SECONDS", 0.3)
    manage.create_organisation(registry, "Daily", "newsroom")
    issued = manage.issue_api_key(registry, org_name="Daily", role="viewer")
    other = Registry.open(settings)
    try:
        for opened in (registry, other):
            opened.key_authenticator.authenticate(opened.db, issued["key"])
            assert opened.key_authenticator.from_memory(issued["key"]) is not None
        manage.revoke_api_key(registry, issued["key_id"])
        assert registry.key_authenticator.from_memory(issued["key"]) is None
        assert other.key_authenticator.from_memory(issued["key"]) is not None  # still remembered, briefly
        import time

        time.sleep(0.35)
        assert other.key_authenticator.from_memory(issued["key"]) is None
        with pytest.raises(UnauthenticatedError, match="revoked"):
            other.key_authenticator.authenticate(other.db, issued["key"])
        wrong = issued["key"][:-1] + ("A" if issued["key"][-1] != "A" else "B")
        assert other.key_authenticator.from_memory(wrong) is None
    finally:
        other.close()


def test_a_log_signed_by_another_key_is_refused_on_open(registry, settings, tmp_path):
    """A process configured with another log key against the same database must not sign the shared log."""
    from registry.errors import IntegrityError
    from registry.service import Registry
    from registry.tlog.note import generate_note_key

    register_article(registry, ARTICLE, RegistrationRequest(model="m"))
    other_key = tmp_path / "other.skey"
    other_key.write_text(generate_note_key(settings.log_origin)[0] + "\n")
    other_key.chmod(0o600)
    with pytest.raises(IntegrityError, match="does not verify with this registry's log key"):
        Registry.open(settings.model_copy(update={"log_key_path": other_key}))
