"""revenue sheets terms ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('work_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('payout_json', sa.Text(), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('entry_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_entry.id'], ),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('log_index'),
    sa.UniqueConstraint('reverses_id')
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_occurred_on'), ['occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_work_id'), ['work_id'], unique=False)

    op.create_table('sheet_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('replaces', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('sheet_json', sa.Text(), nullable=False),
    sa.Column('signatures_json', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sheet_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sheet_amendment_work_id'), ['work_id'], unique=False)

    op.create_table('work_terms',
    sa.Column('work_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('parents_json', sa.Text(), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('resale_royalty_bps', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], ),
    sa.PrimaryKeyConstraint('work_id')
    )
    op.create_table('ledger_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entry.id'], ),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_line_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_line_party_id'), ['party_id'], unique=False)

    op.create_table('sheet_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('version_json', sa.Text(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('adopted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['sheet_amendment.id'], ),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('work_id', 'number', name='uq_sheet_version_number')
    )
    with op.batch_alter_table('sheet_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sheet_version_work_id'), ['work_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sheet_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sheet_version_work_id'))

    op.drop_table('sheet_version')
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_line_party_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_line_entry_id'))

    op.drop_table('ledger_line')
    op.drop_table('work_terms')
    with op.batch_alter_table('sheet_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sheet_amendment_work_id'))

    op.drop_table('sheet_amendment')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_work_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_occurred_on'))

    op.drop_table('ledger_entry')
