"""What the API returns: the public shape of each table row, with links instead of paths."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, field_serializer

from gateway.tables import (
    AuditEntry,
    BlockedIdentity,
    Clip,
    Consent,
    ConsentState,
    Decision,
    Job,
    JobState,
    Partner,
    ReviewOutcome,
    Role,
    as_utc,
)


class _Timestamped(BaseModel):
    @field_serializer("created_at", "updated_at", check_fields=False)
    def _asas_utc(self, moment: datetime) -> str:
        return as_utc(moment).isoformat()


class JobPublic(_Timestamped):
    id: str
    state: JobState
    progress: float = Field(description="0 to 1; 1 once the clip is signed and stored.")
    failure: str | None = Field(description="Why the job failed, was cancelled or refused.")
    clip_id: str | None = Field(description="Set once the job succeeded.")
    consent_id: str | None
    purpose: str | None
    decision_id: str | None = Field(description="The policy decision: GET /v1/decisions/{id}.")
    links: dict[str, str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, job: Job) -> JobPublic:
        done = job.state is JobState.SUCCEEDED
        links = {"self": f"/v1/generations/{job.id}", "events": f"/v1/generations/{job.id}/events"}
        if done:
            links["clip"] = f"/v1/clips/{job.clip_id}"
            links["video"] = f"/v1/clips/{job.clip_id}/video"
        return cls(
            id=job.id,
            state=job.state,
            progress=job.progress,
            failure=job.failure,
            clip_id=job.clip_id if done else None,
            consent_id=job.consent_id,
            purpose=job.purpose,
            decision_id=job.decision_id,
            links=links,
            created_at=job.created_at,
            updated_at=job.updated_at,
        )


class JobsPublic(BaseModel):
    data: list[JobPublic]
    count: int


class ClipPublic(_Timestamped):
    id: str
    job_id: str
    watermark_key_id: int
    video_sha256: str
    manifest_sha256: str
    size_bytes: int
    frames: int
    width: int
    height: int
    duration_s: float
    audit_index: int
    links: dict[str, str]
    created_at: datetime

    @classmethod
    def of(cls, clip: Clip) -> ClipPublic:
        base = f"/v1/clips/{clip.id}"
        return cls(
            id=clip.id,
            job_id=clip.job_id,
            watermark_key_id=clip.key_id,
            video_sha256=clip.video_sha256,
            manifest_sha256=clip.manifest_sha256,
            size_bytes=clip.size_bytes,
            frames=clip.frames,
            width=clip.width,
            height=clip.height,
            duration_s=clip.duration_s,
            audit_index=clip.audit_index,
            links={
                "video": f"{base}/video",
                "manifest": f"{base}/manifest",
                "still": f"{base}/still?at=0",
            },
            created_at=clip.created_at,
        )


def _consent_now(consent: Consent | None) -> str:
    if consent is None:
        return "not recorded"
    if consent.state is ConsentState.REVOKED:
        return "revoked"
    return "expired" if as_utc(consent.expires_at) <= datetime.now(UTC) else "active"


class RegistryEntry(_Timestamped):
    """What anyone may learn from a watermark payload: that talkgate made the clip, when,
    its digests, and the audit entry that recorded its signing (no partner, no inputs)."""

    clip_id: str
    watermark_key_id: int
    video_sha256: str
    manifest_sha256: str
    duration_s: float
    audit_index: int
    audit_leaf: str = Field(description="The audit entry's canonical JSON, to hash and prove.")
    consent: str = Field(
        description="The subject's consent now: 'active', 'revoked' (the subject withdrew it "
        "after release), 'expired', or 'not recorded' (a clip made before consent was required)."
    )
    links: dict[str, str]
    created_at: datetime

    @classmethod
    def of(cls, clip: Clip, leaf_value: bytes, consent: Consent | None) -> RegistryEntry:
        return cls(
            clip_id=clip.id,
            watermark_key_id=clip.key_id,
            video_sha256=clip.video_sha256,
            manifest_sha256=clip.manifest_sha256,
            duration_s=clip.duration_s,
            audit_index=clip.audit_index,
            audit_leaf=leaf_value.decode(),
            consent=_consent_now(consent),
            links={
                "self": f"/v1/registry/{clip.id}",
                "inclusion_proof": f"/v1/audit/proofs/inclusion?leaf_index={clip.audit_index}",
            },
            created_at=clip.created_at,
        )


class VerifyResult(BaseModel):
    """`talkgate verify`'s judgement of the upload, plus what the registry knows of it."""

    verification: dict[str, Any]
    registry: RegistryEntry | None
    #: The manifest signed at release, when the upload lost its own (stripped, re-encoded).
    recovered_manifest: dict[str, Any] | None = None
    note: str | None = None


class AuditEntryPublic(_Timestamped):
    leaf_index: int
    leaf_value: str
    leaf_hash: str
    created_at: datetime

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryPublic:
        return cls(
            leaf_index=entry.leaf_index,
            leaf_value=entry.leaf_value.decode(),
            leaf_hash=entry.leaf_hash.hex(),
            created_at=entry.created_at,
        )


class AuditEntriesPublic(BaseModel):
    data: list[AuditEntryPublic]
    tree_size: int


class TreeHeadPublic(BaseModel):
    origin: str
    tree_size: int
    root_hash: str = Field(description="hex")
    signature: str = Field(description="base64 Ed25519 signature over the checkpoint body")
    checkpoint: str = Field(description="The signed body: origin, size, base64 root.")
    public_key: str = Field(description="The audit key, PEM")


class InclusionProofPublic(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]


class ConsistencyProofPublic(BaseModel):
    first: int
    second: int
    proof: list[str]


class PartnerCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.PARTNER


class PartnerPublic(_Timestamped):
    id: str
    name: str
    role: Role
    client_id: str
    suspended: bool
    created_at: datetime

    @classmethod
    def of(cls, partner: Partner) -> PartnerPublic:
        return cls.model_validate(partner, from_attributes=True)


class PartnerCreated(PartnerPublic):
    client_secret: str = Field(description="Shown once; only its hash is stored.")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class ConsentCreate(BaseModel):
    subject_name: str = Field(min_length=1, max_length=120, description="As the subject says it.")
    purposes: list[str] = Field(
        min_length=1, max_length=5, description="What the clips are for, e.g. 'product demos'."
    )
    valid_days: int = Field(default=90, ge=1, le=365)
    clip_limit: int = Field(default=20, ge=1, le=10_000)
    photo_audio_allowed: bool = Field(
        default=False,
        description="Accept a photo plus an audio recording instead of a video with sound.",
    )


class ConsentPublic(BaseModel):
    id: str
    subject_name: str
    purposes: list[str]
    clip_limit: int
    photo_audio_allowed: bool
    state: ConsentState
    expires_at: datetime
    captured_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    created_at: datetime

    @field_serializer("expires_at", "captured_at", "revoked_at", "created_at")
    def _as_utc(self, moment: datetime | None) -> str | None:
        return as_utc(moment).isoformat() if moment else None

    @classmethod
    def of(cls, consent: Consent) -> ConsentPublic:
        return cls.model_validate(consent, from_attributes=True)


class ConsentRequested(ConsentPublic):
    statement: str = Field(description="What the subject must say, one-time code included.")
    code: str
    capture_url: str = Field(description="The subject's link; shown once, secret.")
    capture_expires_at: datetime

    @field_serializer("capture_expires_at")
    def _capture_utc(self, moment: datetime) -> str:
        return as_utc(moment).isoformat()


class ConsentsPublic(BaseModel):
    data: list[ConsentPublic]
    count: int


class CaptureInvitation(BaseModel):
    """What the subject sees on opening the capture link."""

    subject_name: str
    partner: str
    purposes: list[str]
    statement: str
    modes: list[str] = Field(description="'video', and 'photo+audio' where allowed.")
    state: ConsentState


class CaptureAccepted(BaseModel):
    consent_id: str
    state: ConsentState
    scores: dict[str, float]
    revoke_url: str = Field(description="The subject's own link to revoke; shown once.")


class ReasonPublic(BaseModel):
    code: str
    outcome: str
    message: str


class DecisionPublic(BaseModel):
    """A policy decision: outcome, reasons and scores (similarities, never embeddings)."""

    id: str
    partner_id: str
    consent_id: str
    outcome: str
    reasons: list[ReasonPublic]
    scores: dict[str, float]
    rules_version: str
    created_at: datetime
    job_id: str | None
    review_outcome: ReviewOutcome | None
    reviewer_id: str | None
    review_note: str | None
    reviewed_at: datetime | None

    @field_serializer("created_at", "reviewed_at")
    def _as_utc(self, moment: datetime | None) -> str | None:
        return as_utc(moment).isoformat() if moment else None

    @classmethod
    def of(cls, decision: Decision, job_id: str | None) -> DecisionPublic:
        fields = decision.model_dump()
        return cls.model_validate({**fields, "job_id": job_id})


class DecisionsPublic(BaseModel):
    data: list[DecisionPublic]
    count: int


class ReviewVerdict(BaseModel):
    outcome: ReviewOutcome
    note: str = Field(min_length=1, max_length=2000, description="Why, for the audit trail.")


class BlockedIdentityPublic(_Timestamped):
    id: str
    label: str
    photo_sha256: str
    added_by: str
    created_at: datetime

    @classmethod
    def of(cls, blocked: BlockedIdentity) -> BlockedIdentityPublic:
        return cls.model_validate(blocked, from_attributes=True)


class BlockedIdentitiesPublic(BaseModel):
    data: list[BlockedIdentityPublic]
    count: int
