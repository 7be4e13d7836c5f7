"""jobs: asynchronous registrations, matches, verifications and claims, polled through any process

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_s = sqlmodel.sql.sqltypes.AutoString
_t = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'job',
        sa.Column('id', _s(length=40), primary_key=True),
        sa.Column('kind', _s(length=32), nullable=False),
        sa.Column('state', _s(length=16), nullable=False),
        sa.Column('stage', _s(length=64), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('owner', sa.String(300), nullable=True),
        sa.Column('principal_json', sa.Text(), nullable=False),
        sa.Column('params_json', sa.Text(), nullable=False),
        sa.Column('input_sha256', _s(length=64), nullable=True),
        sa.Column('input_name', sa.String(255), nullable=False),
        sa.Column('result_json', sa.Text(), nullable=True),
        sa.Column('error_json', sa.Text(), nullable=True),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('leased_until', _t(), nullable=True),
        sa.Column('created_at', _t(), nullable=False),
        sa.Column('updated_at', _t(), nullable=False),
        sa.Column('ended_at', _t(), nullable=True),
    )
    op.create_index(op.f('ix_job_state'), 'job', ['state'], unique=False)
    op.create_index(op.f('ix_job_ended_at'), 'job', ['ended_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_job_ended_at'), table_name='job')
    op.drop_index(op.f('ix_job_state'), table_name='job')
    op.drop_table('job')
