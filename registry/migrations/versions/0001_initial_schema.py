"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('log_checkpoint',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('size')
    )
    op.create_table('log_entry',
    sa.Column('index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('leaf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('index'),
    sa.UniqueConstraint('leaf_hash')
    )
    op.create_table('log_node',
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'index')
    )
    op.create_table('party',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('commitment_salt', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('work',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('registrant_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['registrant_id'], ['party.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('work', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_registrant_id'), ['registrant_id'], unique=False)

    op.create_table('work_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('provenance_json', sa.Text(), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('log_index'),
    sa.UniqueConstraint('sha256'),
    sa.UniqueConstraint('work_id', 'version', name='uq_work_version_number')
    )
    with op.batch_alter_table('work_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_version_work_id'), ['work_id'], unique=False)

    op.create_table('fingerprint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('algorithm', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['work_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fingerprint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fingerprint_version_id'), ['version_id'], unique=False)

    op.create_table('manifest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('embedding', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['work_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('manifest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manifest_version_id'), ['version_id'], unique=False)

    op.create_table('work_parent',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('parent_work_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.ForeignKeyConstraint(['parent_work_id'], ['work.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['work_version.id'], ),
    sa.PrimaryKeyConstraint('version_id', 'parent_work_id')
    )
    with op.batch_alter_table('work_parent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_parent_parent_work_id'), ['parent_work_id'], unique=False)

    op.create_table('text_hash',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint_id', sa.Integer(), nullable=False),
    sa.Column('hash', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['fingerprint_id'], ['fingerprint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('text_hash', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_hash_fingerprint_id'), ['fingerprint_id'], unique=False)
        batch_op.create_index('ix_text_hash_hash', ['hash'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('text_hash', schema=None) as batch_op:
        batch_op.drop_index('ix_text_hash_hash')
        batch_op.drop_index(batch_op.f('ix_text_hash_fingerprint_id'))

    op.drop_table('text_hash')
    with op.batch_alter_table('work_parent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_parent_parent_work_id'))

    op.drop_table('work_parent')
    with op.batch_alter_table('manifest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manifest_version_id'))

    op.drop_table('manifest')
    with op.batch_alter_table('fingerprint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fingerprint_version_id'))

    op.drop_table('fingerprint')
    with op.batch_alter_table('work_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_version_work_id'))

    op.drop_table('work_version')
    with op.batch_alter_table('work', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_registrant_id'))
        batch_op.drop_index(batch_op.f('ix_work_kind'))

    op.drop_table('work')
    op.drop_table('party')
    op.drop_table('log_node')
    op.drop_table('log_entry')
    op.drop_table('log_checkpoint')
