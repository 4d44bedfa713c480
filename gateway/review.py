"""The review queue: generations the policy held go to a person, whose word is final."""

from __future__ import annotations

import hashlib

from sqlmodel import select

from gateway.errors import Conflict, NotFound
from gateway.services import Services
from gateway.tables import Decision, Job, JobState, ReviewOutcome, utc_now


def review(
    services: Services, decision_id: str, reviewer_id: str, outcome: ReviewOutcome, note: str
) -> tuple[Decision, Job]:
    """Approve (the held job is queued) or reject (it is refused) a held generation.

    Raises:
        NotFound: no such decision, or not one sent to review.
        Conflict: it was reviewed already, or its job is no longer held (cancelled, or its
            consent revoked).
    """
    with services.db.session() as session:
        decision = session.get(Decision, decision_id)
        if decision is None or decision.outcome != "review":
            raise NotFound(f"no decision {decision_id} awaits review")
        if decision.review_outcome is not None:
            raise Conflict(f"decision {decision_id} was already {decision.review_outcome.value}")
        job = session.exec(select(Job).where(Job.decision_id == decision_id)).one()
        if job.state is not JobState.HELD:
            raise Conflict(f"its generation {job.id} is {job.state.value}, no longer held")
        now = utc_now()
        decision.review_outcome = outcome
        decision.reviewer_id = reviewer_id
        decision.review_note = note
        decision.reviewed_at = now
        if outcome is ReviewOutcome.APPROVED:
            job.state = JobState.QUEUED
        else:
            job.state = JobState.REFUSED
            job.failure = f"refused by a reviewer: {note}"
        job.updated_at = now
        session.add(decision)
        session.add(job)
        services.audit.commit(
            session,
            {
                "type": f"review.{outcome.value}",
                "decision_id": decision.id,
                "job_id": job.id,
                "reviewer_id": reviewer_id,
                "note_sha256": hashlib.sha256(note.encode()).hexdigest(),
            },
        )
        session.refresh(decision)
        session.refresh(job)
    return decision, job
