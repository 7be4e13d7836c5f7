"""claims: a suspect's matches reviewed, confirmed, disputed, released or reinstated

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_s = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'claim',
        sa.Column('id', _s(length=40), primary_key=True),
        sa.Column('work_id', _s(length=40), sa.ForeignKey('work.id'), nullable=False),
        sa.Column('claimant_org_id', _s(length=40), sa.ForeignKey('organisation.id'), nullable=False),
        sa.Column('respondent_org_id', _s(length=40), sa.ForeignKey('organisation.id'), nullable=True),
        sa.Column('suspect_name', sa.String(200), nullable=False),
        sa.Column('suspect_sha256', _s(length=64), nullable=False),
        sa.Column('score_bp', sa.Integer(), nullable=False),
        sa.Column('evidence_json', sa.Text(), nullable=False),
        sa.Column('status', _s(length=16), nullable=False),
        sa.Column('dispute_deadline', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('dispute_statement', sa.Text(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    for column in ('work_id', 'claimant_org_id', 'respondent_org_id', 'suspect_sha256', 'status'):
        op.create_index(op.f(f'ix_claim_{column}'), 'claim', [column], unique=False)
    op.create_table(
        'claim_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('claim_id', _s(length=40), sa.ForeignKey('claim.id'), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('actor', sa.String(300), nullable=False),
        sa.Column('action', _s(length=16), nullable=False),
        sa.Column('from_status', _s(length=16), nullable=True),
        sa.Column('to_status', _s(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
    )
    op.create_index(op.f('ix_claim_event_claim_id'), 'claim_event', ['claim_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_claim_event_claim_id'), table_name='claim_event')
    op.drop_table('claim_event')
    for column in ('work_id', 'claimant_org_id', 'respondent_org_id', 'suspect_sha256', 'status'):
        op.drop_index(op.f(f'ix_claim_{column}'), table_name='claim')
    op.drop_table('claim')
