"""Blocked identities (admin): reference photos in, sealed embeddings kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from sqlalchemy import func
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from gateway import blocklist
from gateway.api.deps import Admin, ServicesDep
from gateway.errors import TooLarge
from gateway.schemas import BlockedIdentitiesPublic, BlockedIdentityPublic
from gateway.tables import BlockedIdentity

router = APIRouter(prefix="/v1/blocked-identities", tags=["blocked identities"])


@router.post("", status_code=201, response_model=BlockedIdentityPublic)
async def add_blocked(
    caller: Admin,
    services: ServicesDep,
    label: Annotated[str, Form(min_length=1, max_length=200, description="Who this is.")],
    photo: Annotated[UploadFile, File(description="One face: PNG, JPEG or WebP.")],
) -> BlockedIdentityPublic:
    """Block a face: every generation whose portrait matches it is denied."""
    limit = services.settings.max_upload_bytes
    data = await photo.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the photo is over the {limit}-byte limit")
    row = await run_in_threadpool(blocklist.block, services, label, data, caller.partner_id)
    return BlockedIdentityPublic.of(row)


@router.get("", response_model=BlockedIdentitiesPublic)
def list_blocked(caller: Admin, services: ServicesDep) -> BlockedIdentitiesPublic:
    with services.db.session() as session:
        rows = session.exec(select(BlockedIdentity).order_by(col(BlockedIdentity.created_at))).all()
        count = session.exec(select(func.count()).select_from(BlockedIdentity)).one()
    return BlockedIdentitiesPublic(data=[BlockedIdentityPublic.of(r) for r in rows], count=count)


@router.delete("/{blocked_id}", status_code=204)
def remove_blocked(blocked_id: str, caller: Admin, services: ServicesDep) -> None:
    blocklist.unblock(services, blocked_id, caller.partner_id)
