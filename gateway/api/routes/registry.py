"""Public routes: what a watermark payload names, and verification of any uploaded file."""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from gateway.api.deps import PublicLimit, ServicesDep
from gateway.errors import NotFound, TooLarge
from gateway.provenance import manifest_document, verification_document, verify_file
from gateway.schemas import RegistryEntry, VerifyResult
from gateway.services import Services
from gateway.tables import AuditEntry, Clip, Consent
from watermark import read_manifest
from watermark.provenance import MANIFEST_STORE

router = APIRouter(prefix="/v1", tags=["registry"], dependencies=[PublicLimit])

RECOVERED_NOTE = (
    "The file carries no manifest of its own (it was stripped, re-encoded or screenshotted), "
    "but its watermark names a clip in the registry: recovered_manifest is the manifest "
    "signed when that clip was released. Its hash binding covers the original file, not "
    "these bytes, so c2pa reports a hash mismatch for it; the signature and statements stand."
)


def registry_entry(session: Session, clip_id: str) -> tuple[Clip, RegistryEntry]:
    """Raises: NotFound: no clip has that ID."""
    clip = session.get(Clip, clip_id.lower())
    if clip is None:
        raise NotFound(f"no clip {clip_id} in the registry")
    leaf = session.get(AuditEntry, clip.audit_index)
    if leaf is None:
        raise NotFound(f"the audit entry of clip {clip_id} is missing")
    consent = session.get(Consent, clip.consent_id) if clip.consent_id else None
    return clip, RegistryEntry.of(clip, leaf.leaf_value, consent)


@router.get("/registry/{clip_id}", response_model=RegistryEntry)
def lookup(clip_id: str, services: ServicesDep) -> RegistryEntry:
    """The registry entry of the clip whose watermark or manifest carries ``clip_id``."""
    with services.db.session() as session:
        return registry_entry(session, clip_id)[1]


@router.post("/verify", response_model=VerifyResult)
async def verify(
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="An MP4 clip or a PNG/JPEG still.")],
) -> VerifyResult:
    """Judge a file as `talkgate verify` does (manifest and watermark), and add what the
    registry knows of the clip it names."""
    limit = services.settings.max_upload_bytes
    if file.size is not None and file.size > limit:
        raise TooLarge(f"the file is {file.size} bytes; the limit is {limit}")
    return await run_in_threadpool(_verify_upload, services, file, limit)


def _verify_upload(services: Services, upload: UploadFile, limit: int) -> VerifyResult:
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the file is over the {limit}-byte limit")
    name = Path(upload.filename or "upload").name
    with tempfile.TemporaryDirectory(prefix="talkgate-verify-") as work:
        path = Path(work) / name
        path.write_bytes(data)
        verification = verify_file(path, services.trust_anchors, [services.watermark_key])
    document = {**verification_document(path, verification), "file": name}
    clip_id = _named_clip(document)
    registry, recovered, note = None, None, None
    with services.db.session() as session:
        if clip_id is not None:
            try:
                clip, registry = registry_entry(session, clip_id)
            except NotFound:
                clip = None
            if clip is not None and verification.manifest is None:
                store = services.artifacts.path_of(clip.manifest_sha256).read_bytes()
                report = read_manifest(io.BytesIO(store), MANIFEST_STORE, services.trust_anchors)
                recovered = None if report is None else manifest_document(report)
                note = RECOVERED_NOTE
        services.audit.commit(
            session,
            {
                "type": "verification.requested",
                "file_sha256": hashlib.sha256(data).hexdigest(),
                "verdict": verification.verdict.value,
                "clip_id": clip_id,
            },
        )
    return VerifyResult(
        verification=document, registry=registry, recovered_manifest=recovered, note=note
    )


def _named_clip(document: dict) -> str | None:
    """The clip the manifest names, or else the one the watermark names."""
    manifest = document.get("manifest") or {}
    return manifest.get("clip_id") or document["watermark"].get("clip_id")
