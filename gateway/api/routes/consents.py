"""Consents: partners open and revoke them; subjects record and revoke them by their links."""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from sqlalchemy import func
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from gateway import consent as consents
from gateway.api.deps import PublicLimit, ServicesDep, require
from gateway.api.uploads import save_upload, scratch_dir
from gateway.auth.tokens import Principal
from gateway.errors import CaptureRefused, InvalidRequest
from gateway.schemas import (
    CaptureAccepted,
    CaptureInvitation,
    ConsentCreate,
    ConsentPublic,
    ConsentRequested,
    ConsentsPublic,
)
from gateway.services import Services
from gateway.tables import Consent, Partner
from policy import CaptureMode

router = APIRouter(tags=["consents"])
ConsentCaller = Annotated[Principal, Depends(require("consent"))]


@router.post("/v1/consents", status_code=201, response_model=ConsentRequested)
def create_consent(
    body: ConsentCreate, caller: ConsentCaller, services: ServicesDep
) -> ConsentRequested:
    """Open a consent request: the statement (with its one-time code) for the subject to
    say, and the subject's capture link, shown this once."""
    terms = consents.ConsentTerms(
        subject_name=body.subject_name.strip(),
        purposes=[purpose.strip() for purpose in body.purposes],
        valid_days=body.valid_days,
        clip_limit=body.clip_limit,
        photo_audio_allowed=body.photo_audio_allowed,
    )
    consent, token = consents.open_consent(services, caller.partner_id, terms)
    return ConsentRequested(
        **ConsentPublic.of(consent).model_dump(),
        statement=consent.statement,
        code=consent.code,
        capture_url=f"{services.issuer}/v1/capture/{token}",
        capture_expires_at=consent.capture_expires_at,
    )


@router.get("/v1/consents", response_model=ConsentsPublic)
def list_consents(
    caller: ConsentCaller,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ConsentsPublic:
    """The caller's consents, newest first."""
    with services.db.session() as session:
        mine = Consent.partner_id == caller.partner_id
        rows = session.exec(
            select(Consent).where(mine).order_by(col(Consent.created_at).desc())
            .offset(offset).limit(limit)
        ).all()  # fmt: skip
        count = session.exec(select(func.count()).select_from(Consent).where(mine)).one()
    return ConsentsPublic(data=[ConsentPublic.of(row) for row in rows], count=count)


@router.get("/v1/consents/{consent_id}", response_model=ConsentPublic)
def get_consent(consent_id: str, caller: ConsentCaller, services: ServicesDep) -> ConsentPublic:
    with services.db.session() as session:
        return ConsentPublic.of(consents.own_consent(session, caller.partner_id, consent_id))


@router.post("/v1/consents/{consent_id}/revoke", response_model=ConsentPublic)
def revoke_consent(consent_id: str, caller: ConsentCaller, services: ServicesDep) -> ConsentPublic:
    """Revoke now: the consent's held and queued generations are cancelled and a running
    one stops at its next frame."""
    with services.db.session() as session:
        consents.own_consent(session, caller.partner_id, consent_id)
    consent, _ = consents.revoke(services, consent_id, consents.PARTNER)
    return ConsentPublic.of(consent)


@router.get("/v1/capture/{token}", response_model=CaptureInvitation, dependencies=[PublicLimit])
def capture_invitation(token: str, services: ServicesDep) -> CaptureInvitation:
    """What the subject is asked to say, for whom, and how they may record it."""
    with services.db.session() as session:
        consent = consents.consent_by_link(session, token)
        partner = session.get(Partner, consent.partner_id)
    modes = [CaptureMode.VIDEO.value]
    if consent.photo_audio_allowed:
        modes.append(CaptureMode.PHOTO_AUDIO.value)
    return CaptureInvitation(
        subject_name=consent.subject_name,
        partner=partner.name if partner else "",
        purposes=consent.purposes,
        statement=consent.statement,
        modes=modes,
        state=consent.state,
    )


@router.post(
    "/v1/capture/{token}",
    status_code=201,
    response_model=CaptureAccepted,
    dependencies=[PublicLimit],
)
async def submit_capture(
    token: str,
    services: ServicesDep,
    recording: Annotated[
        UploadFile | None, File(description="A video with sound of the subject saying it.")
    ] = None,
    photo: Annotated[UploadFile | None, File(description="A photo of the subject.")] = None,
    audio: Annotated[UploadFile | None, File(description="The subject saying it.")] = None,
) -> CaptureAccepted:
    """Record consent: a video with sound (``recording``), or where the partner allows it a
    ``photo`` plus an ``audio`` recording. Answers 201 with the subject's revocation link,
    or 422 ``consent_refused`` with every reason to fix before trying again."""
    if recording is not None and photo is None and audio is None:
        mode, uploads = CaptureMode.VIDEO, [recording]
    elif recording is None and photo is not None and audio is not None:
        mode, uploads = CaptureMode.PHOTO_AUDIO, [photo, audio]
    else:
        raise InvalidRequest("send either `recording` (a video with sound) or `photo` + `audio`")
    return await run_in_threadpool(_capture, services, token, mode, uploads)


def _capture(
    services: Services, token: str, mode: CaptureMode, uploads: list[UploadFile]
) -> CaptureAccepted:
    folder = scratch_dir(services, "capture-" + consents.link_digest(token)[:16])
    try:
        media = [
            save_upload(
                services, upload, folder / f"{index}-{upload.filename or 'media'}"[:80], "recording"
            )
            for index, upload in enumerate(uploads)
        ]
        outcome = consents.capture(services, token, mode, media)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    judgement = outcome.judgement
    if outcome.revoke_token is None:
        reasons = [reason.as_dict() for reason in judgement.reasons]
        raise CaptureRefused(
            "the recording was not accepted: " + "; ".join(r["message"] for r in reasons),
            reasons,
            consent_id=outcome.consent.id,
        )
    return CaptureAccepted(
        consent_id=outcome.consent.id,
        state=outcome.consent.state,
        scores=judgement.scores,
        revoke_url=f"{services.issuer}/v1/revocations/{outcome.revoke_token}",
    )


@router.post("/v1/revocations/{token}", response_model=ConsentPublic, dependencies=[PublicLimit])
def subject_revokes(token: str, services: ServicesDep) -> ConsentPublic:
    """The subject withdraws their consent with the link they were given at capture."""
    with services.db.session() as session:
        consent = consents.consent_by_link(session, token, revocation=True)
    revoked, _ = consents.revoke(services, consent.id, consents.SUBJECT)
    return ConsentPublic.of(revoked)
