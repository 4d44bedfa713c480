"""What the API returns: the public shape of each table row, with links instead of paths."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, field_serializer

from gateway.tables import AuditEntry, Clip, Job, JobState, Partner, Role


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Timestamped(BaseModel):
    @field_serializer("created_at", "updated_at", check_fields=False)
    def _as_utc(self, moment: datetime) -> str:
        return _utc(moment).isoformat()


class JobPublic(_Timestamped):
    id: str
    state: JobState
    progress: float = Field(description="0 to 1; 1 once the clip is signed and stored.")
    failure: str | None = Field(description="Why the job failed or was cancelled.")
    clip_id: str | None = Field(description="Set once the job succeeded.")
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
    links: dict[str, str]
    created_at: datetime

    @classmethod
    def of(cls, clip: Clip, leaf_value: bytes) -> RegistryEntry:
        return cls(
            clip_id=clip.id,
            watermark_key_id=clip.key_id,
            video_sha256=clip.video_sha256,
            manifest_sha256=clip.manifest_sha256,
            duration_s=clip.duration_s,
            audit_index=clip.audit_index,
            audit_leaf=leaf_value.decode(),
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
