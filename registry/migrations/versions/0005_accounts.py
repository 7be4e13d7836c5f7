"""accounts: organisations, users, memberships, API keys, sessions, audit; works owned and
published; sheet adoptions and terms in the log; reversal reasons

Existing registrants become organisations of kind "creator" owning their works, and every
existing work is published (they were all public before accounts existed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

from registry.ids import new_id

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_s = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'organisation',
        sa.Column('id', _s(length=40), primary_key=True),
        sa.Column('name', sa.String(200), nullable=False, unique=True),
        sa.Column('kind', _s(length=16), nullable=False),
        sa.Column('party_id', _s(length=40), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        'account_user',
        sa.Column('id', _s(length=40), primary_key=True),
        sa.Column('email', sa.String(320), nullable=False, unique=True),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('is_admin', sa.Boolean(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        'membership',
        sa.Column('user_id', _s(length=40), sa.ForeignKey('account_user.id'), primary_key=True),
        sa.Column('org_id', _s(length=40), sa.ForeignKey('organisation.id'), primary_key=True),
        sa.Column('role', _s(length=16), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        'api_key',
        sa.Column('id', _s(length=16), primary_key=True),
        sa.Column('secret_sha256', _s(length=64), nullable=False),
        sa.Column('name', _s(length=200), nullable=False),
        sa.Column('org_id', _s(length=40), sa.ForeignKey('organisation.id'), nullable=True),
        sa.Column('user_id', _s(length=40), sa.ForeignKey('account_user.id'), nullable=True),
        sa.Column('role', _s(length=16), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index('ix_api_key_org_id', 'api_key', ['org_id'])
    op.create_table(
        'user_session',
        sa.Column('token_sha256', _s(length=64), primary_key=True),
        sa.Column('user_id', _s(length=40), sa.ForeignKey('account_user.id'), nullable=False),
        sa.Column('org_id', _s(length=40), sa.ForeignKey('organisation.id'), nullable=True),
        sa.Column('csrf_token', _s(length=64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index('ix_user_session_user_id', 'user_session', ['user_id'])
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('actor', sa.String(300), nullable=False),
        sa.Column('action', _s(length=64), nullable=False),
        sa.Column('target', sa.String(300), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
    )
    op.create_index('ix_audit_event_at', 'audit_event', ['at'])

    # plain ADD COLUMN, never a batch copy: SQLite cannot drop and rebuild `party` or `work` while
    # other tables' foreign keys point at their rows. SQLite cannot add a constraint to an existing
    # table either, so the references are enforced on PostgreSQL (and by the registry's code).
    op.add_column('party', sa.Column('org_id', _s(length=40), nullable=True))
    op.add_column('party', sa.Column('user_id', _s(length=40), nullable=True))
    op.create_index('ix_party_org_id', 'party', ['org_id'])
    op.create_index('ix_party_user_id', 'party', ['user_id'])
    op.add_column('work', sa.Column('org_id', _s(length=40), nullable=True))
    op.add_column('work', sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index('ix_work_org_id', 'work', ['org_id'])
    op.create_index('ix_work_published_at', 'work', ['published_at'])
    if op.get_bind().dialect.name != 'sqlite':
        op.create_foreign_key('fk_party_org', 'party', 'organisation', ['org_id'], ['id'])
        op.create_foreign_key('fk_party_user', 'party', 'account_user', ['user_id'], ['id'])
        op.create_foreign_key('fk_work_org', 'work', 'organisation', ['org_id'], ['id'])
    op.add_column('sheet_amendment', sa.Column('amendment_sha256', _s(length=64), nullable=True))
    op.add_column('sheet_amendment', sa.Column('proposer_org_id', _s(length=40), nullable=True))
    op.add_column('sheet_amendment', sa.Column('proposed_by', _s(length=300), nullable=True))
    op.add_column('sheet_version', sa.Column('log_index', sa.BigInteger(), nullable=True))
    op.add_column('work_terms', sa.Column('log_index', sa.BigInteger(), nullable=True))
    op.add_column('ledger_entry', sa.Column('reason', sa.Text(), nullable=True))
    _backfill_organisations()


def _backfill_organisations() -> None:
    """Every party that registered a work becomes an organisation owning those works."""
    bind = op.get_bind()
    registrants = bind.execute(sa.text(
        "SELECT DISTINCT p.id, p.name, p.created_at FROM party p JOIN work w ON w.registrant_id = p.id")).all()
    for party_id, name, created_at in registrants:
        org_id = new_id()
        bind.execute(sa.text("INSERT INTO organisation (id, name, kind, party_id, created_at) "
                             "VALUES (:id, :name, 'creator', :party, :at)"),
                     {"id": org_id, "name": name, "party": party_id, "at": created_at})
        bind.execute(sa.text("UPDATE party SET org_id = :org WHERE id = :party"), {"org": org_id, "party": party_id})
        bind.execute(sa.text("UPDATE work SET org_id = :org WHERE registrant_id = :party"),
                     {"org": org_id, "party": party_id})
    bind.execute(sa.text("UPDATE work SET published_at = created_at WHERE published_at IS NULL"))


def downgrade() -> None:
    op.drop_column('ledger_entry', 'reason')
    op.drop_column('work_terms', 'log_index')
    op.drop_column('sheet_version', 'log_index')
    for column in ('proposed_by', 'proposer_org_id', 'amendment_sha256'):
        op.drop_column('sheet_amendment', column)
    if op.get_bind().dialect.name != 'sqlite':
        for table, constraint in (('work', 'fk_work_org'), ('party', 'fk_party_user'), ('party', 'fk_party_org')):
            op.drop_constraint(constraint, table, type_='foreignkey')
    for table, index in (('work', 'ix_work_published_at'), ('work', 'ix_work_org_id'),
                         ('party', 'ix_party_user_id'), ('party', 'ix_party_org_id')):
        op.drop_index(index, table_name=table)
    with op.batch_alter_table('work') as batch:
        batch.drop_column('published_at')
        batch.drop_column('org_id')
    with op.batch_alter_table('party') as batch:
        batch.drop_column('user_id')
        batch.drop_column('org_id')
    for table in ('audit_event', 'user_session', 'api_key', 'membership', 'account_user', 'organisation'):
        op.drop_table(table)
