"""manifest labels: each manifest's active-manifest label, its id in the Soft Binding Resolution API

The C2PA Soft Binding Resolution API names a manifest by its label (``urn:c2pa:<uuid>``). Manifests
stored from this revision on get it at registration; those stored before are read from the blob
store by `aigc-registry migrate` (`registry.soft_binding.labels`), which a schema migration cannot reach.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_s = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('manifest') as batch:
        batch.add_column(sa.Column('label', _s(length=255), nullable=True))
        batch.create_index('ix_manifest_label', ['label'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('manifest') as batch:
        batch.drop_index('ix_manifest_label')
        batch.drop_column('label')
