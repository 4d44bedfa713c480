"""Consents: a partner opens one, the subject records it, either of them can revoke it.

A consent request gives the partner a statement with a one-time code and an unguessable
capture link for the subject (only its SHA-256 is stored). The subject's recording is
measured (:mod:`gateway.analysis.recording`) and judged (:func:`policy.judge_capture`); when
accepted, the face and voice embeddings are sealed into the record, the recording is kept for
``consent_media_days``, and the subject gets a revocation link of their own. Revoking cancels
the consent's queued and held jobs in the same transaction and stops a running one.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from gateway.audit.log import AuditLog
from gateway.db import Database
from gateway.errors import Conflict, NotFound
from gateway.services import Services
from gateway.tables import Consent, ConsentState, Job, JobState, as_utc, utc_now
from policy import CaptureJudgement, CaptureMode, CaptureRequest, CodeState, judge_capture
from policy.statement import new_code, statement_for

#: Revocation by the subject or by the partner.
SUBJECT, PARTNER = "subject", "partner"


def link_digest(token: str) -> str:
    """What the database keeps of a capture or revocation link's secret."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ConsentTerms:
    """What a partner asks a subject to consent to."""

    subject_name: str
    purposes: list[str]
    valid_days: int
    clip_limit: int
    photo_audio_allowed: bool


def open_consent(services: Services, partner_id: str, terms: ConsentTerms) -> tuple[Consent, str]:
    """Create a pending consent; returns it and the capture link's secret (shown once)."""
    rules = services.rules.capture
    code = new_code(rules.code_digits)
    token = secrets.token_urlsafe(32)
    now = utc_now()
    consent = Consent(
        id="cns_" + secrets.token_hex(10),
        partner_id=partner_id,
        subject_name=terms.subject_name,
        purposes=terms.purposes,
        clip_limit=terms.clip_limit,
        photo_audio_allowed=terms.photo_audio_allowed,
        statement=statement_for(terms.subject_name, terms.purposes, code),
        code=code,
        state=ConsentState.PENDING,
        expires_at=now + timedelta(days=terms.valid_days),
        capture_token_sha256=link_digest(token),
        capture_expires_at=now + timedelta(hours=rules.link_hours),
        created_at=now,
    )
    with services.db.session() as session:
        session.add(consent)
        services.audit.commit(session, _event(consent, "consent.requested"))
        session.refresh(consent)
    return consent, token


def own_consent(session: Session, partner_id: str, consent_id: str) -> Consent:
    """The consent ``consent_id`` if it was given to ``partner_id``.

    Raises:
        NotFound: no such consent, or another partner's (the two look the same).
    """
    consent = session.get(Consent, consent_id)
    if consent is None or consent.partner_id != partner_id:
        raise NotFound(f"no consent {consent_id}")
    return consent


def consent_by_link(session: Session, token: str, *, revocation: bool = False) -> Consent:
    """The consent a capture (or revocation) link opens.

    Raises:
        NotFound: the link is not one talkgate gave out.
    """
    column = Consent.revoke_token_sha256 if revocation else Consent.capture_token_sha256
    consent = session.exec(select(Consent).where(column == link_digest(token))).first()
    if consent is None:
        raise NotFound("this link is not valid; ask the partner for a new one")
    return consent


def code_state(consent: Consent, now: datetime, max_attempts: int) -> CodeState:
    if consent.captured_at is not None or consent.state is not ConsentState.PENDING:
        return CodeState.USED
    if now >= as_utc(consent.capture_expires_at):
        return CodeState.EXPIRED
    if consent.capture_attempts >= max_attempts:
        return CodeState.EXHAUSTED
    return CodeState.FRESH


@dataclass(frozen=True)
class CaptureOutcome:
    consent: Consent
    judgement: CaptureJudgement
    #: The subject's own revocation link's secret, when the capture was accepted.
    revoke_token: str | None


def capture(services: Services, token: str, mode: CaptureMode, media: list[Path]) -> CaptureOutcome:
    """Measure and judge a subject's recording (a video, or a photo and an audio file).

    Raises:
        NotFound: the link is not valid. AnalysisError: the media cannot be measured.
    """
    with services.db.session() as session:
        consent = consent_by_link(session, token)
    limit = services.settings.max_consent_s
    if mode is CaptureMode.VIDEO:
        measures = services.recordings.video(media[0], limit)
    else:
        measures = services.recordings.photo_and_audio(media[0], media[1], limit)
    with services.db.session() as session:
        # The code is spent at most once: the row is re-read under the write lock.
        session.execute(
            update(Consent).where(col(Consent.id) == consent.id).values(code=Consent.code)
        )
        consent = session.get(Consent, consent.id)
        assert consent is not None
        now = utc_now()
        request = CaptureRequest(
            consent.statement,
            consent.code,
            code_state(consent, now, services.rules.capture.max_attempts),
            consent.photo_audio_allowed,
        )
        judgement = judge_capture(measures.evidence, request, services.rules.capture)
        revoke_token = None
        if judgement.accepted and measures.face is not None and measures.voice is not None:
            revoke_token = secrets.token_urlsafe(32)
            consent.state = ConsentState.ACTIVE
            consent.captured_at = now
            consent.revoke_token_sha256 = link_digest(revoke_token)
            consent.face_sealed = services.sealer.seal(measures.face, consent.id)
            consent.voice_sealed = services.sealer.seal(measures.voice, consent.id)
            consent.media_sha256, consent.media_expires_at = _keep_media(
                services, consent.id, media, now
            )
        else:
            consent.capture_attempts += 1
        session.add(consent)
        event = _event(consent, "consent.captured" if revoke_token else "consent.capture_refused")
        reasons = [reason.code.value for reason in judgement.reasons]
        services.audit.commit(session, {**event, "mode": mode.value, "reasons": reasons})
        session.refresh(consent)
    return CaptureOutcome(consent, judgement, revoke_token)


def _keep_media(
    services: Services, consent_id: str, media: list[Path], now: datetime
) -> tuple[str | None, datetime | None]:
    """Copy the accepted recording into the consent's media folder for the retention time;
    returns the SHA-256 of its first file and when it is to be deleted."""
    days = services.settings.consent_media_days
    if days == 0:
        return None, None
    folder = services.settings.consent_media_dir / consent_id
    folder.mkdir(parents=True, exist_ok=True)
    for path in media:
        shutil.copyfile(path, folder / path.name)
    return hashlib.sha256(media[0].read_bytes()).hexdigest(), now + timedelta(days=days)


def revoke(services: Services, consent_id: str, by: str) -> tuple[Consent, list[str]]:
    """Revoke a consent now; returns it and the jobs that were cancelled or told to stop.

    Raises:
        Conflict: it is revoked already.
    """
    with services.db.session() as session:
        consent = session.get(Consent, consent_id)
        if consent is None:
            raise NotFound(f"no consent {consent_id}")
        if consent.state is ConsentState.REVOKED:
            raise Conflict(f"consent {consent_id} was revoked already")
        now = utc_now()
        consent.state = ConsentState.REVOKED
        consent.revoked_at = now
        consent.revoked_by = by
        session.add(consent)
        live = (JobState.HELD, JobState.QUEUED, JobState.RUNNING)
        jobs = session.exec(
            select(Job).where(Job.consent_id == consent_id).where(col(Job.state).in_(live))
        ).all()
        for job in jobs:
            if job.state is not JobState.RUNNING:
                job.state = JobState.CANCELLED
            job.cancel_requested = True
            job.failure = "cancelled: the subject's consent was revoked"
            job.updated_at = now
            session.add(job)
        stopped = [job.id for job in jobs]
        event = {**_event(consent, "consent.revoked"), "by": by, "jobs_cancelled": stopped}
        services.audit.commit(session, event)
        session.refresh(consent)
    return consent, stopped


def purge_expired_media(db: Database, audit: AuditLog, media_dir: Path) -> int:
    """Delete consent recordings past their retention (``TALKGATE_CONSENT_MEDIA_DAYS``),
    each deletion audited; returns how many were deleted. The worker runs this hourly;
    `talkgate admin purge-consent-media` runs it now."""
    now = utc_now()
    with db.session() as session:
        due = session.exec(select(Consent).where(col(Consent.media_expires_at) <= now)).all()
        for consent in due:
            shutil.rmtree(media_dir / consent.id, ignore_errors=True)
            consent.media_expires_at = None
            session.add(consent)
            audit.commit(session, _event(consent, "consent.media_deleted"))
    return len(due)


def _event(consent: Consent, kind: str) -> dict[str, object]:
    return {
        "type": kind,
        "consent_id": consent.id,
        "partner_id": consent.partner_id,
        "state": consent.state.value,
    }
