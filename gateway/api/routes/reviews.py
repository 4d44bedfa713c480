"""Policy decisions: partners read their own; reviewers work the queue of held ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func
from sqlmodel import Session, col, select

from gateway import review as reviews
from gateway.api.deps import GenerateCaller, ServicesDep, require
from gateway.auth.tokens import Principal
from gateway.errors import NotFound
from gateway.schemas import DecisionPublic, DecisionsPublic, ReviewVerdict
from gateway.tables import Decision, Job

router = APIRouter(tags=["review"])
Reviewer = Annotated[Principal, Depends(require("review"))]


def _public(session: Session, decision: Decision) -> DecisionPublic:
    job = session.exec(select(Job.id).where(Job.decision_id == decision.id)).first()
    return DecisionPublic.of(decision, job)


@router.get("/v1/decisions/{decision_id}", response_model=DecisionPublic)
def get_decision(decision_id: str, caller: GenerateCaller, services: ServicesDep) -> DecisionPublic:
    """One of the caller's decisions: outcome, every reason, scores, rules version."""
    with services.db.session() as session:
        decision = session.get(Decision, decision_id)
        if decision is None or decision.partner_id != caller.partner_id:
            raise NotFound(f"no decision {decision_id}")
        return _public(session, decision)


@router.get("/v1/reviews", response_model=DecisionsPublic)
def review_queue(
    caller: Reviewer,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DecisionsPublic:
    """Decisions waiting for a reviewer, oldest first."""
    waiting = (Decision.outcome == "review") & col(Decision.review_outcome).is_(None)
    with services.db.session() as session:
        rows = session.exec(
            select(Decision).where(waiting).order_by(col(Decision.created_at))
            .offset(offset).limit(limit)
        ).all()  # fmt: skip
        count = session.exec(select(func.count()).select_from(Decision).where(waiting)).one()
        return DecisionsPublic(data=[_public(session, row) for row in rows], count=count)


@router.get("/v1/reviews/{decision_id}", response_model=DecisionPublic)
def inspect(decision_id: str, caller: Reviewer, services: ServicesDep) -> DecisionPublic:
    """A decision with its reasons and scores (similarities only, never biometrics)."""
    with services.db.session() as session:
        decision = session.get(Decision, decision_id)
        if decision is None:
            raise NotFound(f"no decision {decision_id}")
        return _public(session, decision)


@router.post("/v1/reviews/{decision_id}", response_model=DecisionPublic)
def decide_review(
    decision_id: str, verdict: ReviewVerdict, caller: Reviewer, services: ServicesDep
) -> DecisionPublic:
    """Approve (the held generation runs) or reject (it is refused), with a note."""
    decision, job = reviews.review(
        services, decision_id, caller.partner_id, verdict.outcome, verdict.note
    )
    return DecisionPublic.of(decision, job.id)
