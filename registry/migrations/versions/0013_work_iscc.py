"""work ISCC codes: each registered version's ISCC-CODE (ISO 24138) and its units

Versions registered from this revision on get their code at registration; those registered before
are given theirs by `aigc-registry migrate` (`registry.iscc.backfill_iscc`), which reads their
content from the blob store, out of a schema migration's reach.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_s = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'work_iscc',
        sa.Column('version_id', sa.Integer(), sa.ForeignKey('work_version.id'), nullable=False),
        sa.Column('code', _s(length=80), nullable=False),
        sa.Column('meta', _s(length=32), nullable=False),
        sa.Column('content', _s(length=32), nullable=True),
        sa.Column('data', _s(length=32), nullable=False),
        sa.Column('instance', _s(length=32), nullable=False),
        sa.PrimaryKeyConstraint('version_id'),
    )
    for column in ('code', 'meta', 'content', 'data', 'instance'):
        op.create_index(f'ix_work_iscc_{column}', 'work_iscc', [column])


def downgrade() -> None:
    op.drop_table('work_iscc')
