"""The gateway's database tables (SQLModel). Migrations in gateway/migrations follow them.

IDs are prefixed random strings (``ptn_``, ``job_``) so a log line says what it names; a clip's
ID is its watermark payload's clip ID in hex, so the registry is keyed by what a frame says.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    """Now, in UTC, to the second (what the API shows)."""
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Role(enum.StrEnum):
    """What a client is: each role may ask for some scopes only (see gateway.auth)."""

    PARTNER = "partner"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class JobState(enum.StrEnum):
    """Held jobs wait for a reviewer; refused ones were denied by one."""

    HELD = "held"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUSED = "refused"

    @property
    def finished(self) -> bool:
        return self in (
            JobState.SUCCEEDED,
            JobState.FAILED,
            JobState.CANCELLED,
            JobState.REFUSED,
        )


#: Jobs that count against a consent's clip limit and a partner's quota.
COUNTED_STATES = (JobState.HELD, JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED)


class ConsentState(enum.StrEnum):
    """Pending until the subject's recording is accepted; revoked for good."""

    PENDING = "pending"
    ACTIVE = "active"
    REVOKED = "revoked"


class ReviewOutcome(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


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
    #: The consent, purpose and policy decision; None only on jobs made before consent was
    #: required (schema 0001).
    consent_id: str | None = Field(default=None, index=True, max_length=40)
    purpose: str | None = Field(default=None, max_length=100)
    decision_id: str | None = Field(default=None, foreign_key="decision.id", max_length=40)
    #: The partner declared the driving voice synthetic (no voice match needed).
    voice_synthetic: bool = False
    seed: int = 0
    size: int = 512
    #: Motion controls (schema 0003): main gaze in degrees, head distance as a scale, and
    #: an emotion with its intensity (generator.controls.Controls).
    gaze_yaw: float = 0.0
    gaze_pitch: float = 0.0
    distance: float = 1.0
    emotion: str = Field(default="neutral", max_length=20)
    emotion_intensity: float = 0.0
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
    consent_id: str | None = Field(
        default=None, foreign_key="consent.id", index=True, max_length=40
    )
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


class Consent(SQLModel, table=True):
    """A subject's consent to one partner: the request, its capture, and its revocation.

    The capture and revocation links are bearer secrets: only their SHA-256 is stored. The
    face and voice embeddings are sealed (AES-GCM, see gateway.sealing) and never leave
    the gateway; the raw recording is kept until ``media_expires_at``.
    """

    id: str = Field(primary_key=True, max_length=40)
    partner_id: str = Field(foreign_key="partner.id", index=True, max_length=40)
    subject_name: str = Field(max_length=200)
    purposes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    clip_limit: int
    photo_audio_allowed: bool = False
    statement: str = Field(max_length=2000)
    code: str = Field(max_length=12)
    state: ConsentState = Field(index=True)
    expires_at: datetime = Field(sa_column=_timestamp())
    capture_token_sha256: str = Field(unique=True, max_length=64)
    capture_expires_at: datetime = Field(sa_column=_timestamp())
    capture_attempts: int = 0
    revoke_token_sha256: str | None = Field(default=None, unique=True, max_length=64)
    face_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    voice_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    media_sha256: str | None = Field(default=None, max_length=64)
    media_expires_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    captured_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    #: "subject" or "partner".
    revoked_by: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(sa_column=_timestamp())


class BlockedIdentity(SQLModel, table=True):
    """A face no consent can unlock. Only the sealed embedding and the photo's hash are kept."""

    id: str = Field(primary_key=True, max_length=40)
    label: str = Field(max_length=200)
    face_sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    photo_sha256: str = Field(max_length=64)
    added_by: str = Field(foreign_key="partner.id", max_length=40)
    created_at: datetime = Field(sa_column=_timestamp())


class Decision(SQLModel, table=True):
    """The policy's decision on one generation request, and a reviewer's word on it.

    ``consent_id`` is what the request named, which may not exist. ``reasons`` holds
    ``{code, outcome, message}`` objects; ``scores`` the similarities behind them.
    """

    id: str = Field(primary_key=True, max_length=40)
    partner_id: str = Field(foreign_key="partner.id", index=True, max_length=40)
    consent_id: str = Field(max_length=40)
    outcome: str = Field(index=True, max_length=10)
    reasons: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    scores: dict[str, float] = Field(sa_column=Column(JSON, nullable=False))
    rules_version: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=_timestamp())
    review_outcome: ReviewOutcome | None = None
    reviewer_id: str | None = Field(default=None, foreign_key="partner.id", max_length=40)
    review_note: str | None = Field(default=None, max_length=2000)
    reviewed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


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
