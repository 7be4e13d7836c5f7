"""webhooks: each organisation's endpoints, and the outbox of their deliveries

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_s = sqlmodel.sql.sqltypes.AutoString
_t = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'webhook_endpoint',
        sa.Column('id', _s(length=40), primary_key=True),
        sa.Column('org_id', _s(length=40), sa.ForeignKey('organisation.id'), nullable=False),
        sa.Column('url', sa.String(2000), nullable=False),
        sa.Column('events', sa.String(500), nullable=False),
        sa.Column('secret', _s(length=100), nullable=False),
        sa.Column('description', sa.String(200), nullable=False),
        sa.Column('created_by', sa.String(300), nullable=False),
        sa.Column('created_at', _t(), nullable=False),
        sa.Column('deleted_at', _t(), nullable=True),
    )
    op.create_index(op.f('ix_webhook_endpoint_org_id'), 'webhook_endpoint', ['org_id'], unique=False)
    op.create_table(
        'webhook_delivery',
        sa.Column('id', _s(length=40), primary_key=True),
        sa.Column('endpoint_id', _s(length=40), sa.ForeignKey('webhook_endpoint.id'), nullable=False),
        sa.Column('event_type', _s(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', _s(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', _t(), nullable=False),
        sa.Column('leased_until', _t(), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(500), nullable=False),
        sa.Column('last_attempt_at', _t(), nullable=True),
        sa.Column('delivered_at', _t(), nullable=True),
        sa.Column('created_at', _t(), nullable=False),
    )
    op.create_index(op.f('ix_webhook_delivery_endpoint_id'), 'webhook_delivery', ['endpoint_id'], unique=False)
    op.create_index('ix_webhook_delivery_due', 'webhook_delivery', ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_delivery_due', table_name='webhook_delivery')
    op.drop_index(op.f('ix_webhook_delivery_endpoint_id'), table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_index(op.f('ix_webhook_endpoint_org_id'), table_name='webhook_endpoint')
    op.drop_table('webhook_endpoint')
