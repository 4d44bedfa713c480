"""Generations: a portrait and speech in, a job out; its progress, events and cancellation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from PIL import Image
from sqlalchemy import func
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from gateway import jobs
from gateway.api.deps import GenerateCaller, ServicesDep
from gateway.api.uploads import store_upload
from gateway.errors import InvalidRequest, TooLarge
from gateway.provenance import media_type_by_name
from gateway.schemas import JobPublic, JobsPublic
from gateway.services import Services
from gateway.tables import Job
from generator import GeneratorError, load_portrait, read_audio
from generator.controls import DEFAULT_INTENSITY, Controls, Emotion

router = APIRouter(prefix="/v1/generations", tags=["generations"])

#: Speech shorter than this gives no clip worth watching.
MIN_AUDIO_S = 0.5


@router.post("", status_code=202, response_model=JobPublic)
async def create_generation(
    request: Request,
    response: Response,
    caller: GenerateCaller,
    services: ServicesDep,
    portrait: Annotated[UploadFile, File(description="One face: PNG, JPEG or WebP.")],
    audio: Annotated[UploadFile, File(description="Speech: WAV, MP3, FLAC, M4A or OGG.")],
    consent_id: Annotated[
        str, Form(max_length=40, description="The subject's consent (POST /v1/consents).")
    ],
    purpose: Annotated[str, Form(max_length=100, description="One of the consent's purposes.")],
    voice: Annotated[
        Literal["consented", "synthetic"],
        Form(
            description="'consented': the subject's own voice (it is matched against the "
            "consent); 'synthetic': a synthetic voice, declared as such."
        ),
    ] = "consented",
    seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
    size: Annotated[int, Form(ge=256, le=1024, multiple_of=16)] = 512,
    gaze_yaw: Annotated[
        float, Form(ge=-20, le=20, description="Main gaze, degrees (+: image right).")
    ] = 0.0,
    gaze_pitch: Annotated[
        float, Form(ge=-12, le=12, description="Main gaze, degrees (+: up).")
    ] = 0.0,
    distance: Annotated[
        float, Form(ge=0.85, le=1.2, description="Head distance as a scale (1 = as framed).")
    ] = 1.0,
    emotion: Annotated[Emotion, Form(description="Emotion the face shows.")] = Emotion.NEUTRAL,
    emotion_intensity: Annotated[
        float, Form(ge=0, le=1, description="How strongly the emotion shows.")
    ] = DEFAULT_INTENSITY,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JobPublic:
    """Ask for a talking-head clip of ``portrait`` saying ``audio`` under a consent.

    The policy decides at once: allowed requests are queued and gray-zone ones held for a
    reviewer (both 202 with the job); denied ones answer 403 ``policy_denied`` with every
    reason. A repeated ``Idempotency-Key`` answers 200 with the job it made the first time."""
    portrait_sha, portrait_type = await run_in_threadpool(_store_portrait, services, portrait)
    audio_sha = await run_in_threadpool(_store_audio, services, audio)
    job, created = await run_in_threadpool(
        jobs.submit,
        services,
        caller.partner_id,
        jobs.Submission(
            portrait_sha256=portrait_sha,
            portrait_type=portrait_type,
            audio_sha256=audio_sha,
            audio_type=media_type_by_name(audio.filename or ""),
            consent_id=consent_id,
            purpose=purpose,
            voice_synthetic=voice == "synthetic",
            seed=seed,
            size=size,
            idempotency_key=idempotency_key,
            controls=Controls((gaze_yaw, gaze_pitch), distance, emotion.value, emotion_intensity),
        ),
    )
    if created and request.app.state.worker is not None:
        request.app.state.worker.wake()
    response.status_code = 202 if created else 200
    response.headers["Location"] = f"/v1/generations/{job.id}"
    return JobPublic.of(job)


def _store_portrait(services: Services, upload: UploadFile) -> tuple[str, str]:
    sha256, path = store_upload(services, upload, "portrait")
    try:
        with Image.open(path) as image:
            pixels = image.width * image.height
            media_type = Image.MIME.get(image.format or "", "application/octet-stream")
    except (OSError, Image.DecompressionBombError) as exc:
        raise InvalidRequest(
            "the portrait is not an image talkgate reads (PNG, JPEG, WebP)"
        ) from exc
    if pixels > services.settings.max_image_pixels:
        raise TooLarge(
            f"the portrait has {pixels} pixels; the limit is {services.settings.max_image_pixels}"
        )
    load_portrait(path.read_bytes())  # decodes all of it: truncated and corrupt files fail here
    return sha256, media_type


def _store_audio(services: Services, upload: UploadFile) -> str:
    sha256, path = store_upload(services, upload, "audio")
    try:
        track = read_audio(path)
    except GeneratorError as exc:
        raise InvalidRequest(
            "the audio cannot be decoded: send WAV, MP3, FLAC, M4A or OGG speech"
        ) from exc
    longest = services.settings.max_audio_s
    if track.duration_s > longest:
        raise TooLarge(f"the audio lasts {track.duration_s:.1f} s; the limit is {longest:g} s")
    if track.duration_s < MIN_AUDIO_S:
        raise InvalidRequest(f"the audio lasts {track.duration_s:.2f} s; send at least 0.5 s")
    return sha256


@router.get("", response_model=JobsPublic)
def list_generations(
    caller: GenerateCaller,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JobsPublic:
    """The caller's generations, newest first."""
    with services.db.session() as session:
        mine = select(Job).where(Job.partner_id == caller.partner_id)
        rows = session.exec(
            mine.order_by(col(Job.created_at).desc()).offset(offset).limit(limit)
        ).all()
        count = session.exec(
            select(func.count()).select_from(Job).where(Job.partner_id == caller.partner_id)
        ).one()
    return JobsPublic(data=[JobPublic.of(job) for job in rows], count=count)


@router.get("/{job_id}", response_model=JobPublic)
def get_generation(job_id: str, caller: GenerateCaller, services: ServicesDep) -> JobPublic:
    """A generation's state and progress."""
    with services.db.session() as session:
        return JobPublic.of(jobs.own_job(session, caller.partner_id, job_id))


@router.post("/{job_id}/cancel", response_model=JobPublic)
def cancel_generation(job_id: str, caller: GenerateCaller, services: ServicesDep) -> JobPublic:
    """Cancel a queued generation, or stop a running one at its next frame."""
    return JobPublic.of(jobs.cancel(services, caller.partner_id, job_id))


@router.get("/{job_id}/events", response_class=StreamingResponse)
async def generation_events(
    job_id: str, caller: GenerateCaller, services: ServicesDep
) -> StreamingResponse:
    """Server-sent events: a ``state`` event whenever the state or progress changes, the
    last one when the job has finished."""

    def snapshot() -> JobPublic:
        with services.db.session() as session:
            return JobPublic.of(jobs.own_job(session, caller.partner_id, job_id))

    first = await run_in_threadpool(snapshot)  # a 404 before the stream starts

    async def stream() -> AsyncIterator[str]:
        current, last = first, None
        while True:
            seen = (current.state, current.progress)
            if seen != last:
                yield f"event: state\ndata: {json.dumps(current.model_dump(mode='json'))}\n\n"
                last = seen
            if current.state.finished:
                return
            await asyncio.sleep(0.5)
            current = await run_in_threadpool(snapshot)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
