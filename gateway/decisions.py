"""The policy decision on a generation request: measure the media, gather the records, ask
:func:`policy.decide`, and keep the decision.

Measuring (a face embedding of the portrait, the driving speech's transcript and voice) takes
about a second and runs before any lock; gathering the records and deciding run inside the
submission's transaction, so a consent's clip count and a partner's quota cannot be overrun
by concurrent requests.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, col, select

from gateway.errors import AnalysisError
from gateway.services import Services
from gateway.tables import (
    COUNTED_STATES,
    BlockedIdentity,
    Consent,
    ConsentState,
    Decision,
    Job,
    Partner,
    as_utc,
)
from generator import load_portrait, read_audio
from policy import ConsentFacts, GenerationFacts, decide
from policy import Decision as PolicyDecision


@dataclass(frozen=True)
class RequestMeasures:
    """What was measured on a request's portrait and speech."""

    face: np.ndarray | None
    voice: np.ndarray | None
    transcript: str


def measure_request(
    services: Services, portrait: Path, audio: Path, voice_synthetic: bool
) -> RequestMeasures:
    """The portrait's face embedding, and the speech's transcript and (unless declared
    synthetic) voice embedding."""
    models = services.analysers
    speech = read_audio(audio)
    with models.faces.borrow() as faces:
        face = faces.embed(load_portrait(portrait))
    with models.transcriber.borrow() as transcriber:
        transcript = transcriber.transcribe(speech)
    voice = None
    if not voice_synthetic:
        with models.voices.borrow() as voices:
            try:
                voice = voices.embed(speech)
            except AnalysisError:
                voice = None  # too little speech: the decision sends it to review
    return RequestMeasures(face, voice, transcript)


def _cosine(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    return None if a is None or b is None else float(np.dot(a, b))


def _counted(session: Session, *where: object) -> int:
    query = select(func.count()).select_from(Job).where(col(Job.state).in_(COUNTED_STATES))
    for clause in where:
        query = query.where(clause)
    return session.exec(query).one()


def _consent_facts(
    session: Session, consent: Consent | None, partner_id: str
) -> ConsentFacts | None:
    if consent is None:
        return None
    return ConsentFacts(
        partner_matches=consent.partner_id == partner_id,
        captured=consent.captured_at is not None,
        revoked=consent.state is ConsentState.REVOKED,
        expires_at=as_utc(consent.expires_at),
        clips_used=_counted(session, Job.consent_id == consent.id),
        clip_limit=consent.clip_limit,
        purposes=tuple(consent.purposes),
    )


def _blocked(
    session: Session, services: Services, face: np.ndarray | None
) -> tuple[float, str | None]:
    """The highest similarity of ``face`` to a blocked identity, and that identity's label."""
    best, label = -1.0, None
    if face is None:
        return best, label
    for blocked in session.exec(select(BlockedIdentity)).all():
        score = float(np.dot(face, services.sealer.open(blocked.face_sealed, blocked.id)))
        if score > best:
            best, label = score, blocked.label
    return best, label


def decide_request(
    session: Session,
    services: Services,
    partner: Partner,
    consent_id: str,
    purpose: str,
    voice_synthetic: bool,
    measures: RequestMeasures,
    now: datetime,
) -> PolicyDecision:
    """Gather the records a decision needs and apply the rules."""
    consent = session.get(Consent, consent_id)
    facts = _consent_facts(session, consent, partner.id)
    mine = facts is not None and facts.partner_matches
    consented_face = consented_voice = None
    if consent is not None and mine and consent.face_sealed and consent.voice_sealed:
        consented_face = services.sealer.open(consent.face_sealed, consent.id)
        consented_voice = services.sealer.open(consent.voice_sealed, consent.id)
    blocked, label = _blocked(session, services, measures.face)
    return decide(
        GenerationFacts(
            consent=facts,
            purpose=purpose,
            now=now,
            face_similarity=_cosine(measures.face, consented_face),
            blocked_similarity=blocked,
            blocked_label=label,
            voice_synthetic=voice_synthetic,
            voice_similarity=_cosine(measures.voice, consented_voice),
            transcript=measures.transcript,
            partner_clips_today=_counted(
                session,
                Job.partner_id == partner.id,
                col(Job.created_at) >= now - timedelta(days=1),
            ),
            partner_quota=services.rules.quota.for_partner(partner.client_id),
        ),
        services.rules,
    )


def decision_row(
    decision: PolicyDecision, partner_id: str, consent_id: str, now: datetime
) -> Decision:
    """The decision as stored: reasons as plain objects, the rules version beside them."""
    return Decision(
        id="dec_" + secrets.token_hex(10),
        partner_id=partner_id,
        consent_id=consent_id,
        outcome=decision.outcome.value,
        reasons=[reason.as_dict() for reason in decision.reasons],
        scores=decision.scores,
        rules_version=decision.rules_version,
        created_at=now,
    )


def decision_event(row: Decision) -> dict[str, object]:
    """The audit event: IDs, outcome, reason codes, scores and rules version; no biometrics."""
    return {
        "type": "policy.decision",
        "decision_id": row.id,
        "partner_id": row.partner_id,
        "consent_id": row.consent_id,
        "outcome": row.outcome,
        "reasons": [reason["code"] for reason in row.reasons],
        "scores": row.scores,
        "rules_version": row.rules_version,
    }
