"""Opening a registry: keys created once with mode 0600, schema guarded, a corrupted log refused."""

from __future__ import annotations

import stat

import pytest
import sqlalchemy
from sqlmodel import select

from registry.errors import IntegrityError
from registry.models import LogNode
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry

from .test_register_article import ARTICLE


def test_keys_are_private_and_stable(registry, settings):
    files = sorted(settings.key_dir.iterdir())
    assert {f.name for f in files} >= {"c2pa-root.pem", "c2pa-signing-chain.pem", "c2pa-signing.key",
                                       "log-checkpoint.skey", "log-checkpoint.vkey"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(settings.key_dir.stat().st_mode) == 0o700
    vkey = registry.log_vkey
    registry.close()
    again = Registry.open(settings)
    assert again.log_vkey == vkey
    again.close()


def test_database_at_another_revision_is_refused(registry, settings):
    registry.close()
    engine = sqlalchemy.create_engine(settings.effective_database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    engine.dispose()
    with pytest.raises(IntegrityError, match="run `aigc-registry migrate`"):
        Registry.open(settings)


def test_foreign_database_is_refused(settings):
    engine = sqlalchemy.create_engine(settings.effective_database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(IntegrityError, match="not an aigc-registry database"):
        Registry.open(settings)


def test_a_log_that_no_longer_recomputes_is_refused(registry, settings):
    register_article(registry, ARTICLE.encode(), RegistrationRequest(model="m"))
    with registry.db.writing() as session:
        node = session.exec(select(LogNode).where(LogNode.level == 0, LogNode.index == 0)).one()
        node.hash = bytes(32)
        session.add(node)
    registry.close()
    with pytest.raises(IntegrityError, match="expected .* got"):
        Registry.open(settings)
