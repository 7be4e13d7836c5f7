"""video index snapshots: memory-mapped video indexes built by a worker, opened by every process

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_s = sqlmodel.sql.sqltypes.AutoString
_t = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'video_index_snapshot',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('sha256', _s(length=64), nullable=False),
        sa.Column('through_id', sa.BigInteger(), nullable=False),
        sa.Column('works', sa.BigInteger(), nullable=False),
        sa.Column('frames', sa.BigInteger(), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('created_at', _t(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('video_index_snapshot')
