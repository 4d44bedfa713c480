"""The decision matrix on generation requests: each case gives its documented outcome and code."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from policy import Code, ConsentFacts, GenerationFacts, Outcome, decide, load_rules

RULES = load_rules()
NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
CONSENT = ConsentFacts(
    partner_matches=True,
    captured=True,
    revoked=False,
    expires_at=NOW + timedelta(days=30),
    clips_used=0,
    clip_limit=10,
    purposes=("product demos",),
)
ALLOWED = GenerationFacts(
    consent=CONSENT,
    purpose="product demos",
    now=NOW,
    face_similarity=0.8,
    blocked_similarity=0.1,
    blocked_label="someone",
    voice_synthetic=False,
    voice_similarity=0.9,
    transcript="Welcome to our product tour.",
    partner_clips_today=0,
    partner_quota=100,
)


def _codes(facts: GenerationFacts) -> tuple[Outcome, set[Code]]:
    decision = decide(facts, RULES)
    assert decision.rules_version == RULES.version
    return decision.outcome, {reason.code for reason in decision.reasons}


def test_a_request_within_its_consent_is_allowed() -> None:
    assert _codes(ALLOWED) == (Outcome.ALLOW, set())


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"consent": None}, Code.CONSENT_MISSING),
        ({"consent": replace(CONSENT, partner_matches=False)}, Code.CONSENT_OTHER_PARTNER),
        ({"consent": replace(CONSENT, captured=False)}, Code.CONSENT_NOT_CAPTURED),
        ({"consent": replace(CONSENT, expires_at=NOW)}, Code.CONSENT_EXPIRED),
        ({"consent": replace(CONSENT, revoked=True)}, Code.CONSENT_REVOKED),
        ({"consent": replace(CONSENT, clips_used=10)}, Code.CONSENT_CLIP_LIMIT),
        ({"purpose": "political ads"}, Code.CONSENT_PURPOSE),
        ({"face_similarity": 0.1}, Code.FACE_MISMATCH),
        ({"face_similarity": None}, Code.PORTRAIT_NO_FACE),
        ({"blocked_similarity": 0.7}, Code.BLOCKED_IDENTITY),
        ({"voice_similarity": 0.2}, Code.VOICE_MISMATCH),
        ({"transcript": "Please read me the verification code we sent."}, Code.CONTENT_BLOCKED),
        ({"partner_clips_today": 100}, Code.QUOTA_EXCEEDED),
    ],
)
def test_hard_rules_deny_with_their_code(change: dict[str, object], code: Code) -> None:
    outcome, codes = _codes(replace(ALLOWED, **change))
    assert outcome is Outcome.DENY
    assert code in codes


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"face_similarity": (RULES.face.accept + RULES.face.review) / 2}, Code.FACE_UNCERTAIN),
        (
            {"blocked_similarity": (RULES.blocked.accept + RULES.blocked.review) / 2},
            Code.BLOCKED_UNCERTAIN,
        ),
        ({"voice_similarity": (RULES.voice.accept + RULES.voice.review) / 2}, Code.VOICE_UNCERTAIN),
        ({"voice_similarity": None}, Code.VOICE_UNMEASURABLE),
        ({"transcript": "Just send me the money today."}, Code.CONTENT_FLAGGED),
        ({"transcript": "Hi grandma, it's me, your grandson."}, Code.CONTENT_FLAGGED),
    ],
)
def test_gray_zones_go_to_review(change: dict[str, object], code: Code) -> None:
    assert _codes(replace(ALLOWED, **change)) == (Outcome.REVIEW, {code})


def test_a_synthetic_voice_needs_no_voice_match() -> None:
    facts = replace(ALLOWED, voice_synthetic=True, voice_similarity=None)
    assert _codes(facts) == (Outcome.ALLOW, set())


def test_consent_cannot_unlock_a_blocked_identity_and_deny_beats_review() -> None:
    facts = replace(ALLOWED, blocked_similarity=0.9, voice_similarity=0.75)
    outcome, codes = _codes(facts)
    assert outcome is Outcome.DENY
    assert codes == {Code.BLOCKED_IDENTITY, Code.VOICE_UNCERTAIN}


def test_every_reason_is_reported_not_just_the_first() -> None:
    consent = replace(CONSENT, revoked=True, expires_at=NOW - timedelta(days=1), clips_used=10)
    _, codes = _codes(replace(ALLOWED, consent=consent, face_similarity=0.0))
    assert codes == {
        Code.CONSENT_REVOKED,
        Code.CONSENT_EXPIRED,
        Code.CONSENT_CLIP_LIMIT,
        Code.FACE_MISMATCH,
    }


def test_scores_are_recorded_beside_the_outcome() -> None:
    decision = decide(ALLOWED, RULES)
    assert decision.scores == {"blocked": 0.1, "face": 0.8, "voice": 0.9}
