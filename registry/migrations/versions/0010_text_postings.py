"""text postings: a sample of each text fingerprint's hashes, keyed by (hash, fingerprint)

The ``text_hash`` table held every winnowed hash of every article (a row id, two indexes: about
50 bytes a hash, 685 hashes a 4 KB article). ``text_posting`` holds the hashes
`fingerprint.text.index_hashes` picks (a quarter of a long text's), keyed by (hash, fingerprint
id), WITHOUT ROWID on SQLite. It is filled from the stored fingerprints, which do not change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_BATCH = 500  # fingerprints read at a time


def _each_text_fingerprint(bind):  # type: ignore[no-untyped-def]
    """(fingerprint id, TextFingerprint) of every stored text fingerprint, _BATCH rows read at a time."""
    from fingerprint.text import TextFingerprint

    after = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, data FROM fingerprint WHERE algorithm LIKE 'text-%' AND id > :after ORDER BY id LIMIT :n"),
            {"after": after, "n": _BATCH}).all()
        if not rows:
            return
        for fingerprint_id, data in rows:
            yield fingerprint_id, TextFingerprint.from_bytes(bytes(data))
        after = rows[-1][0]


def upgrade() -> None:
    from fingerprint.text import index_hashes

    op.create_table(
        'text_posting',
        sa.Column('hash', sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column('fingerprint_id', sa.Integer(), sa.ForeignKey('fingerprint.id'), nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint('hash', 'fingerprint_id'),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    posting = sa.table('text_posting', sa.column('hash', sa.BigInteger()), sa.column('fingerprint_id', sa.Integer()))
    for fingerprint_id, fingerprint in _each_text_fingerprint(bind):
        values = index_hashes(fingerprint.distinct_hashes).tolist()
        if values:
            bind.execute(posting.insert(), [{"hash": v, "fingerprint_id": fingerprint_id} for v in values])
    with op.batch_alter_table('text_hash', schema=None) as batch_op:
        batch_op.drop_index('ix_text_hash_hash')
        batch_op.drop_index(batch_op.f('ix_text_hash_fingerprint_id'))
    op.drop_table('text_hash')


def downgrade() -> None:
    op.create_table(
        'text_hash',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint_id', sa.Integer(), sa.ForeignKey('fingerprint.id'), nullable=False),
        sa.Column('hash', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    bind = op.get_bind()
    text_hash = sa.table('text_hash', sa.column('hash', sa.BigInteger()), sa.column('fingerprint_id', sa.Integer()))
    for fingerprint_id, fingerprint in _each_text_fingerprint(bind):
        values = fingerprint.distinct_hashes.tolist()
        if values:
            bind.execute(text_hash.insert(), [{"hash": v, "fingerprint_id": fingerprint_id} for v in values])
    with op.batch_alter_table('text_hash', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_hash_fingerprint_id'), ['fingerprint_id'], unique=False)
        batch_op.create_index('ix_text_hash_hash', ['hash'], unique=False)
    op.drop_table('text_posting')
