"""Database tables (SQLModel). Schema changes go through Alembic migrations in registry/migrations.

Hashes are stored as lowercase hex strings, 64-bit fingerprint values as BIGINT (a plain INTEGER
overflows on PostgreSQL), Merkle hashes as 32 raw bytes.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """A datetime read back from a database that forgot its zone (SQLite does), as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


class Party(SQLModel, table=True):
    """Someone who registers works or shares revenue. `commitment_salt` keeps the log free of names.

    A party is linked to the organisation whose owners may consent for it (`org_id`) and, for a
    person with an account, to that user (`user_id`), who may consent for it too."""

    __tablename__ = "party"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    kind: str = Field(default="organisation", max_length=32)
    commitment_salt: str = Field(max_length=64)
    org_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=40, index=True)
    user_id: str | None = Field(default=None, foreign_key="account_user.id", max_length=40, index=True)
    created_at: datetime = Field(default_factory=utc_now)


# -- accounts: organisations, users, memberships, API keys, sessions, audit (issue 11) ----------


class Organisation(SQLModel, table=True):
    """A newsroom, creator, rights team, platform, data provider or model developer."""

    __tablename__ = "organisation"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    kind: str = Field(max_length=16)
    party_id: str | None = Field(default=None, max_length=40)  # its own payee party (same name)
    created_at: datetime = Field(default_factory=utc_now)


class User(SQLModel, table=True):
    """A person who signs in to the pages (argon2id password hash); `is_admin` is registry-wide."""

    __tablename__ = "account_user"

    id: str = Field(primary_key=True, max_length=40)
    email: str = Field(sa_column=Column(String(320), unique=True, nullable=False))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    is_admin: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utc_now)


class Membership(SQLModel, table=True):
    """A user's role in an organisation: owner, editor, reviewer or viewer."""

    __tablename__ = "membership"

    user_id: str = Field(foreign_key="account_user.id", primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=40)
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utc_now)


class ApiKey(SQLModel, table=True):
    """An API key, stored as its public id (the prefix shown in listings) and the SHA-256 of its
    secret. `org_id` is None only for a registry-wide admin key."""

    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=16)
    secret_sha256: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    org_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=40, index=True)
    user_id: str | None = Field(default=None, foreign_key="account_user.id", max_length=40)
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime | None = Field(default=None)
    revoked_at: datetime | None = Field(default=None)
    last_used_at: datetime | None = Field(default=None)


class UserSession(SQLModel, table=True):
    """A signed-in browser session: the cookie holds the token, the table its SHA-256."""

    __tablename__ = "user_session"

    token_sha256: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="account_user.id", max_length=40, index=True)
    org_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=40)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime


class AuditEvent(SQLModel, table=True):
    """Who did or read what: reads of unpublished works from outside their organisation, key
    issue and revocation, withdrawn amendments, reversals."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, index=True)
    actor: str = Field(sa_column=Column(String(300), nullable=False))
    action: str = Field(max_length=64)
    target: str = Field(default="", sa_column=Column(String(300), nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class Work(SQLModel, table=True):
    __tablename__ = "work"

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=16, index=True)
    title: str = Field(sa_column=Column(String(500), nullable=False))
    registrant_id: str = Field(foreign_key="party.id", max_length=40, index=True)
    org_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=40, index=True)
    # None: unpublished until its organisation publishes it; a future time: embargoed until then
    published_at: datetime | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utc_now)


class WorkVersion(SQLModel, table=True):
    """One registered content of a work. `sha256` is unique: the same bytes register once."""

    __tablename__ = "work_version"
    __table_args__ = (UniqueConstraint("work_id", "version", name="uq_work_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: str = Field(foreign_key="work.id", max_length=40, index=True)
    version: int = Field(default=1)
    sha256: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    media_type: str = Field(max_length=100)
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    provenance_json: str = Field(sa_column=Column(Text, nullable=False))
    log_index: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    created_at: datetime = Field(default_factory=utc_now)


class WorkParent(SQLModel, table=True):
    """Edge of the derivation graph: `version_id` was derived from `parent_work_id`."""

    __tablename__ = "work_parent"

    version_id: int = Field(foreign_key="work_version.id", primary_key=True)
    parent_work_id: str = Field(foreign_key="work.id", primary_key=True, max_length=40, index=True)
    relationship: str = Field(default="parentOf", max_length=32)


class Manifest(SQLModel, table=True):
    """A C2PA manifest store; its bytes live in the blob store under `sha256`."""

    __tablename__ = "manifest"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="work_version.id", index=True)
    sha256: str = Field(max_length=64)
    embedding: str = Field(default="detached", max_length=16)
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    # "embedded": the signed copy of the video or image (manifest inside) is the blob `asset_sha256`
    asset_sha256: str | None = Field(default=None, max_length=64, index=True)
    asset_size: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # the active manifest's label, ``urn:c2pa:<uuid>``: its id in the C2PA Soft Binding Resolution API
    # (None for manifests stored before 0012 until `aigc-registry migrate` reads them)
    label: str | None = Field(default=None, max_length=255, index=True, unique=True)
    created_at: datetime = Field(default_factory=utc_now)


class Fingerprint(SQLModel, table=True):
    __tablename__ = "fingerprint"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="work_version.id", index=True)
    algorithm: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)


class WorkSegment(SQLModel, table=True):
    """Segment `number` of a registered video version (`registry.segments`): its time range, its
    samples in the stored fingerprint, and the SHA-256 of its own fingerprint bytes."""

    __tablename__ = "work_segment"

    version_id: int = Field(foreign_key="work_version.id", primary_key=True)
    number: int = Field(primary_key=True)
    start_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    end_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_sample: int = Field(sa_column=Column(Integer, nullable=False))
    sample_count: int = Field(sa_column=Column(Integer, nullable=False))
    fingerprint_sha256: str = Field(max_length=64)


class WorkIscc(SQLModel, table=True):
    """The ISCC-CODE of a registered version (`fingerprint.iscc`) and its units, each indexed so a
    code, or any one unit (Meta, Content, Data, Instance), finds the works that have it. ``content``
    is None when no Content-Code could be made (a video without an FFmpeg that signs videos)."""

    __tablename__ = "work_iscc"

    version_id: int = Field(foreign_key="work_version.id", primary_key=True)
    code: str = Field(max_length=80, index=True)
    meta: str = Field(max_length=32, index=True)
    content: str | None = Field(default=None, max_length=32, index=True)
    data: str = Field(max_length=32, index=True)
    instance: str = Field(max_length=32, index=True)


class VideoIndexSnapshot(SQLModel, table=True):
    """A video index snapshot (`fingerprint.video.FrozenVideoIndex`) stored as a blob: every video
    and image fingerprint up to row `through_id`, for processes to open memory-mapped."""

    __tablename__ = "video_index_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64)
    through_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    works: int = Field(sa_column=Column(BigInteger, nullable=False))
    frames: int = Field(sa_column=Column(BigInteger, nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))  # bytes
    created_at: datetime = Field(default_factory=utc_now)


class TextPosting(SQLModel, table=True):
    """Inverted index of text fingerprints: one row per posted hash (`fingerprint.text.index_hashes`),
    keyed by (hash, fingerprint): on SQLite a WITHOUT ROWID table, the key is the table (about 20
    bytes a row, no second copy in an index)."""

    __tablename__ = "text_posting"
    __table_args__ = {"sqlite_with_rowid": False}

    hash: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    fingerprint_id: int = Field(sa_column=Column(Integer, ForeignKey("fingerprint.id"), primary_key=True,
                                                 autoincrement=False))


class LogEntry(SQLModel, table=True):
    """A leaf of the transparency log: `leaf` is the canonical-JSON registration statement."""

    __tablename__ = "log_entry"

    index: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary(32), unique=True, nullable=False))
    leaf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


class LogNode(SQLModel, table=True):
    """A complete (perfect, aligned) subtree hash: level 0 are leaf hashes."""

    __tablename__ = "log_node"

    level: int = Field(primary_key=True)
    index: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class LogCheckpoint(SQLModel, table=True):
    """Every signed checkpoint the log has published, newest = largest size."""

    __tablename__ = "log_checkpoint"

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


# -- revenue: split sheets, royalty terms and the ledger (issue 6) ------------------------------


class SheetAmendment(SQLModel, table=True):
    """A proposed split-sheet version collecting the signatures it needs; `status` open|adopted."""

    __tablename__ = "sheet_amendment"

    id: int | None = Field(default=None, primary_key=True)
    work_id: str = Field(foreign_key="work.id", max_length=40, index=True)
    replaces: int
    effective_from: date
    sheet_json: str = Field(sa_column=Column(Text, nullable=False))
    signatures_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=16)  # open | adopted | withdrawn
    amendment_sha256: str | None = Field(default=None, max_length=64)  # of its canonical bytes
    proposer_org_id: str | None = Field(default=None, max_length=40)
    proposed_by: str | None = Field(default=None, max_length=300)  # the credential that proposed it
    created_at: datetime = Field(default_factory=utc_now)


class SheetVersionRow(SQLModel, table=True):
    """An adopted split-sheet version (revenue.SheetVersion as JSON); never updated."""

    __tablename__ = "sheet_version"
    __table_args__ = (UniqueConstraint("work_id", "number", name="uq_sheet_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: str = Field(foreign_key="work.id", max_length=40, index=True)
    number: int
    version_json: str = Field(sa_column=Column(Text, nullable=False))
    amendment_id: int = Field(foreign_key="sheet_amendment.id")
    adopted_at: datetime = Field(default_factory=utc_now)
    log_index: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class WorkTerms(SQLModel, table=True):
    """A work's royalty terms: each parent's share (bps), relative/absolute model, resale royalty."""

    __tablename__ = "work_terms"

    work_id: str = Field(foreign_key="work.id", primary_key=True, max_length=40)
    parents_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    model: str = Field(default="relative", max_length=16)
    resale_royalty_bps: int = Field(default=0)
    created_at: datetime = Field(default_factory=utc_now)
    log_index: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class LedgerEntry(SQLModel, table=True):
    """One revenue event, resale or reversal with its payout (revenue.Payout as JSON); append-only.
    Its statement is a leaf of the transparency log (`log_index`)."""

    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    work_id: str = Field(foreign_key="work.id", max_length=40, index=True)
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    occurred_on: date = Field(index=True)
    payout_json: str = Field(sa_column=Column(Text, nullable=False))
    reverses_id: int | None = Field(default=None, foreign_key="ledger_entry.id", unique=True)
    entry_sha256: str = Field(max_length=64)
    log_index: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # of a reversal
    created_at: datetime = Field(default_factory=utc_now)


class LedgerLine(SQLModel, table=True):
    """One payee's amount of a ledger entry (negative in a reversal)."""

    __tablename__ = "ledger_line"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="ledger_entry.id", index=True)
    party_id: str = Field(foreign_key="party.id", max_length=40, index=True)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)


class LogCosignature(SQLModel, table=True):
    """A witness's cosignature line (C2SP tlog-cosignature) on the checkpoint of `size`."""

    __tablename__ = "log_cosignature"

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    witness: str = Field(primary_key=True, max_length=200)
    line: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utc_now)


class Claim(SQLModel, table=True):
    """A claim that a suspect file copies a registered work: who claims it, what the match showed,
    and where the review stands (`registry.claims.states`)."""

    __tablename__ = "claim"

    id: str = Field(primary_key=True, max_length=40)
    work_id: str = Field(foreign_key="work.id", max_length=40, index=True)
    claimant_org_id: str = Field(foreign_key="organisation.id", max_length=40, index=True)
    respondent_org_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=40, index=True)
    suspect_name: str = Field(sa_column=Column(String(200), nullable=False))
    suspect_sha256: str = Field(max_length=64, index=True)
    score_bp: int  # the match's score in basis points (1/10,000)
    evidence_json: str = Field(sa_column=Column(Text, nullable=False))  # passages or segments
    status: str = Field(max_length=16, index=True)
    dispute_deadline: datetime | None = Field(default=None)
    dispute_statement: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class ClaimEvent(SQLModel, table=True):
    """One change of a claim: who, when, from and to which state, and why."""

    __tablename__ = "claim_event"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: str = Field(foreign_key="claim.id", max_length=40, index=True)
    at: datetime = Field(default_factory=utc_now)
    actor: str = Field(sa_column=Column(String(300), nullable=False))
    action: str = Field(max_length=16)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class WebhookEndpoint(SQLModel, table=True):
    """Where an organisation wants to hear of its events: a URL, the events it wants, and the secret
    its deliveries are signed with (Standard Webhooks: HMAC-SHA256 over id, timestamp and body)."""

    __tablename__ = "webhook_endpoint"

    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organisation.id", max_length=40, index=True)
    url: str = Field(sa_column=Column(String(2000), nullable=False))
    events: str = Field(sa_column=Column(String(500), nullable=False))  # space-separated event types
    secret: str = Field(max_length=100)  # "whsec_" + base64: HMAC needs it in the clear, as every sender does
    description: str = Field(default="", sa_column=Column(String(200), nullable=False))
    created_by: str = Field(default="", sa_column=Column(String(300), nullable=False))
    created_at: datetime = Field(default_factory=utc_now)
    deleted_at: datetime | None = Field(default=None)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint, written in the transaction of the change it announces (an outbox),
    then sent, and sent again with backoff until the endpoint answers 2xx or the attempts run out."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: str = Field(primary_key=True, max_length=40)  # the message id ("msg_..."), the same on every attempt
    endpoint_id: str = Field(foreign_key="webhook_endpoint.id", max_length=40, index=True)
    event_type: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))  # the exact JSON bytes sent, as text
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utc_now)
    leased_until: datetime | None = Field(default=None)  # a sender is on it until then
    last_status_code: int | None = Field(default=None)
    last_error: str = Field(default="", sa_column=Column(String(500), nullable=False))
    last_attempt_at: datetime | None = Field(default=None)
    delivered_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utc_now)


class JobRow(SQLModel, table=True):
    """A long registration, match, verification or claim asked for with `Prefer: respond-async`: its
    input (a blob), who asked, its state and progress, and its outcome. Any process answers a poll
    from this row; a runner (threads of `serve`, or `aigc-registry worker` on a Redis queue) runs it."""

    __tablename__ = "job"

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=32)
    state: str = Field(default="queued", max_length=16, index=True)  # queued | running | done | failed
    stage: str = Field(default="", max_length=64)
    progress: float = Field(default=0.0)
    owner: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))  # the caller's actor
    principal_json: str = Field(sa_column=Column(Text, nullable=False))
    params_json: str = Field(sa_column=Column(Text, nullable=False))
    input_sha256: str | None = Field(default=None, max_length=64)
    input_name: str = Field(default="upload", sa_column=Column(String(255), nullable=False))
    result_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: int | None = Field(default=None)
    attempts: int = Field(default=0)
    leased_until: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    ended_at: datetime | None = Field(default=None, index=True)
