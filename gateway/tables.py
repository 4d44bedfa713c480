"""The gateway's database tables (SQLModel). Migrations in gateway/migrations follow them.

IDs are prefixed random strings (``ptn_``, ``job_``) so a log line says what it names; a clip's
ID is its watermark payload's clip ID in hex, so the registry is keyed by what a frame says.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    """Now, in UTC, to the second (what the API shows)."""
    return datetime.now(UTC).replace(microsecond=0)


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Role(enum.StrEnum):
    """What a client is: each role may ask for some scopes only (see gateway.auth)."""

    PARTNER = "partner"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class Partner(SQLModel, table=True):
    """An OAuth2 client: a partner, a reviewer or an admin. Its secret is stored hashed."""

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    role: Role
    client_id: str = Field(unique=True, index=True, max_length=64)
    secret_sha256: str = Field(max_length=64)
    suspended: bool = False
    created_at: datetime = Field(sa_column=_timestamp())


class Job(SQLModel, table=True):
    """A generation request and its progress; the worker's only source of work."""

    __table_args__ = (UniqueConstraint("partner_id", "idempotency_key"),)

    id: str = Field(primary_key=True, max_length=40)
    partner_id: str = Field(foreign_key="partner.id", index=True, max_length=40)
    idempotency_key: str | None = Field(default=None, max_length=200)
    state: JobState = Field(index=True)
    progress: float = 0.0
    #: Why the job failed, in words the partner can act on.
    failure: str | None = Field(default=None, max_length=2000)
    cancel_requested: bool = False
    portrait_sha256: str = Field(max_length=64)
    portrait_type: str = Field(max_length=40)
    audio_sha256: str = Field(max_length=64)
    audio_type: str = Field(max_length=40)
    text: str | None = Field(default=None, max_length=5000)
    seed: int = 0
    size: int = 512
    #: The watermark clip ID, fixed at submission so that a job run twice after a crash
    #: marks the same ID and the registry can hold only one clip for it.
    clip_id: str = Field(unique=True, max_length=16)
    attempts: int = 0
    #: A worker owns a running job until then; a job whose lease ran out is taken again.
    lease_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class Clip(SQLModel, table=True):
    """A released clip: the registry entry its watermark payload leads to."""

    id: str = Field(primary_key=True, max_length=16)
    key_id: int
    job_id: str = Field(foreign_key="job.id", unique=True, max_length=40)
    partner_id: str = Field(foreign_key="partner.id", index=True, max_length=40)
    video_sha256: str = Field(max_length=64)
    manifest_sha256: str = Field(max_length=64)
    size_bytes: int
    frames: int
    width: int
    height: int
    duration_s: float
    #: The "clip.signed" audit entry, whose inclusion proof anyone may ask for.
    audit_index: int
    created_at: datetime = Field(sa_column=_timestamp())


class AuditEntry(SQLModel, table=True):
    """One leaf of the Merkle log, with the signed tree head of the log it completes.

    ``leaf_value`` is canonical JSON and is all that is hashed; the rest is derived and
    re-checked by ``talkgate audit verify``.
    """

    leaf_index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    leaf_value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    #: Root of the tree of leaves 0..leaf_index, and its Ed25519 signature (a tree head).
    root_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    signature: bytes = Field(sa_column=Column(LargeBinary(64), nullable=False))
    #: The perfect-subtree hashes that let the next leaf extend the tree in O(log n).
    frontier: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=_timestamp())
