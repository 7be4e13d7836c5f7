"""embedded manifests: the signed copy of a video or image

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('manifest', sa.Column('asset_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column('manifest', sa.Column('asset_size', sa.BigInteger(), nullable=True))
    op.create_index(op.f('ix_manifest_asset_sha256'), 'manifest', ['asset_sha256'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_manifest_asset_sha256'), table_name='manifest')
    op.drop_column('manifest', 'asset_size')
    op.drop_column('manifest', 'asset_sha256')
