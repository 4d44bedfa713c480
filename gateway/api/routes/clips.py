"""Clips: a partner's own released clips, their signed manifests and signed stills."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response
from sqlmodel import Session, col, select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from gateway.api.deps import GenerateCaller, ServicesDep
from gateway.errors import InvalidRequest, NotFound
from gateway.provenance import export_still, manifest_document
from gateway.schemas import ClipPublic
from gateway.tables import Clip
from watermark import read_manifest
from watermark.provenance import MANIFEST_STORE

router = APIRouter(prefix="/v1/clips", tags=["clips"])


def own_clip(session: Session, partner_id: str, clip_id: str) -> Clip:
    """Raises: NotFound: no such clip, or another partner's."""
    clip = session.get(Clip, clip_id)
    if clip is None or clip.partner_id != partner_id:
        raise NotFound(f"no clip {clip_id}")
    return clip


@router.get("", response_model=list[ClipPublic])
def list_clips(
    caller: GenerateCaller,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ClipPublic]:
    """The caller's clips, newest first."""
    with services.db.session() as session:
        rows = session.exec(
            select(Clip)
            .where(Clip.partner_id == caller.partner_id)
            .order_by(col(Clip.created_at).desc())
            .offset(offset)
            .limit(limit)
        ).all()
    return [ClipPublic.of(clip) for clip in rows]


@router.get("/{clip_id}", response_model=ClipPublic)
def get_clip(clip_id: str, caller: GenerateCaller, services: ServicesDep) -> ClipPublic:
    with services.db.session() as session:
        return ClipPublic.of(own_clip(session, caller.partner_id, clip_id))


@router.get("/{clip_id}/video", response_class=FileResponse)
def download_clip(clip_id: str, caller: GenerateCaller, services: ServicesDep) -> FileResponse:
    """The clip as released: H.264 + AAC MP4, watermarked, with its C2PA manifest inside."""
    with services.db.session() as session:
        clip = own_clip(session, caller.partner_id, clip_id)
    return FileResponse(
        services.artifacts.path_of(clip.video_sha256),
        media_type="video/mp4",
        filename=f"talkgate-{clip.id}.mp4",
    )


@router.get("/{clip_id}/manifest", response_model=None)
def get_manifest(
    clip_id: str,
    caller: GenerateCaller,
    services: ServicesDep,
    raw: Annotated[bool, Query(description="The C2PA manifest store itself.")] = False,
) -> dict[str, Any] | Response:
    """The clip's signed manifest, read and validated (or ``raw``: application/c2pa)."""
    with services.db.session() as session:
        clip = own_clip(session, caller.partner_id, clip_id)
    store = services.artifacts.path_of(clip.manifest_sha256).read_bytes()
    if raw:
        return Response(store, media_type=MANIFEST_STORE)
    with services.artifacts.path_of(clip.video_sha256).open("rb") as video:
        report = read_manifest(video, "video/mp4", services.trust_anchors)
    if report is None:
        raise NotFound(f"clip {clip_id} has lost its manifest")
    return manifest_document(report)


@router.get("/{clip_id}/still", response_class=FileResponse)
async def get_still(
    clip_id: str,
    caller: GenerateCaller,
    services: ServicesDep,
    at: Annotated[float, Query(ge=0, description="Seconds into the clip.")] = 0.0,
) -> FileResponse:
    """The frame at ``at`` seconds as a PNG, marked (it is a frame of the clip) and signed
    with a manifest that names the clip it came from."""
    with services.db.session() as session:
        clip = own_clip(session, caller.partner_id, clip_id)
    if at >= clip.duration_s:
        raise InvalidRequest(f"the clip lasts {clip.duration_s:.2f} s; there is no frame at {at:g}")
    work = Path(tempfile.mkdtemp(prefix="talkgate-still-"))
    target = work / f"talkgate-{clip.id}-{at:g}s.png"
    await run_in_threadpool(
        export_still,
        services.artifacts.path_of(clip.video_sha256),
        at,
        target,
        services.credentials,
        services.trust_anchors,
    )
    return FileResponse(
        target,
        media_type="image/png",
        filename=target.name,
        background=BackgroundTask(_remove, work),
    )


def _remove(folder: Path) -> None:
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()
