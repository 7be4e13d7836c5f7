"""work segments: each registered video cut into segments with ids, time ranges and digests

Videos registered from this revision on have their segments here and committed to by their log
statement (``segments_root``). Videos registered before have none: their statements in the log
commit to no segments, and a segment list made now could not be proven part of them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_s = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'work_segment',
        sa.Column('version_id', sa.Integer(), sa.ForeignKey('work_version.id'), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('start_ms', sa.BigInteger(), nullable=False),
        sa.Column('end_ms', sa.BigInteger(), nullable=False),
        sa.Column('first_sample', sa.Integer(), nullable=False),
        sa.Column('sample_count', sa.Integer(), nullable=False),
        sa.Column('fingerprint_sha256', _s(length=64), nullable=False),
        sa.PrimaryKeyConstraint('version_id', 'number'),
    )


def downgrade() -> None:
    op.drop_table('work_segment')
