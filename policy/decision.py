"""The decision on a generation request: allow, review or deny, with every reason.

Pure logic: the gateway gathers the facts (the consent's record, similarity scores measured on
the portrait and the driving speech, the partner's usage) and :func:`decide` applies the rules.
Consent problems, a face that is not the consented one and a blocked identity are hard denies
that nothing unlocks; scores between a band's two thresholds go to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from policy.content import content_reasons
from policy.reasons import Code, Outcome, Reason, outcome_of
from policy.rules import Band, Rules


@dataclass(frozen=True)
class ConsentFacts:
    """The consent a request names, as the record stands now."""

    partner_matches: bool
    captured: bool
    revoked: bool
    expires_at: datetime
    clips_used: int
    clip_limit: int
    purposes: tuple[str, ...]


@dataclass(frozen=True)
class GenerationFacts:
    """Everything a decision looks at.

    Attributes:
        consent: None when the named consent does not exist.
        face_similarity: cosine of the portrait's face to the consented face; None when the
            portrait shows no face (or there is no consented face to compare with).
        blocked_similarity: the highest cosine to any blocked identity (-1 with none).
        voice_similarity: cosine of the driving voice to the consented voice; None when the
            voice is declared synthetic or holds too little speech to measure.
    """

    consent: ConsentFacts | None
    purpose: str
    now: datetime
    face_similarity: float | None
    blocked_similarity: float
    blocked_label: str | None
    voice_synthetic: bool
    voice_similarity: float | None
    transcript: str
    partner_clips_today: int
    partner_quota: int


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    scores: dict[str, float]
    rules_version: str


def _deny(code: Code, message: str) -> Reason:
    return Reason(code, Outcome.DENY, message)


def _consent_reasons(facts: GenerationFacts) -> list[Reason]:
    consent = facts.consent
    if consent is None:
        return [_deny(Code.CONSENT_MISSING, "no consent with this ID exists")]
    if not consent.partner_matches:
        return [_deny(Code.CONSENT_OTHER_PARTNER, "this consent was given to another partner")]
    reasons = []
    if consent.revoked:
        reasons.append(_deny(Code.CONSENT_REVOKED, "the subject's consent has been revoked"))
    elif not consent.captured:
        reasons.append(
            _deny(Code.CONSENT_NOT_CAPTURED, "the subject has not recorded their consent yet")
        )
    if facts.now >= consent.expires_at:
        reasons.append(_deny(Code.CONSENT_EXPIRED, "the consent has expired"))
    if consent.clips_used >= consent.clip_limit:
        reasons.append(
            _deny(
                Code.CONSENT_CLIP_LIMIT,
                f"the consent allows {consent.clip_limit} clips and all are used",
            )
        )
    if facts.purpose not in consent.purposes:
        reasons.append(
            _deny(
                Code.CONSENT_PURPOSE,
                f"the consent covers {', '.join(consent.purposes)}, not {facts.purpose}",
            )
        )
    return reasons


def _band(score: float, band: Band) -> Outcome:
    """Where a similarity falls: match (allow), gray zone (review) or no match (deny)."""
    if score >= band.accept:
        return Outcome.ALLOW
    return Outcome.REVIEW if score >= band.review else Outcome.DENY


def _face_reasons(facts: GenerationFacts, rules: Rules) -> list[Reason]:
    reasons = []
    if facts.consent is not None and facts.consent.partner_matches and facts.consent.captured:
        if facts.face_similarity is None:
            reasons.append(_deny(Code.PORTRAIT_NO_FACE, "no face was found in the portrait"))
        else:
            match _band(facts.face_similarity, rules.face):
                case Outcome.DENY:
                    reasons.append(
                        _deny(Code.FACE_MISMATCH, "the portrait is not the person who consented")
                    )
                case Outcome.REVIEW:
                    reasons.append(
                        Reason(
                            Code.FACE_UNCERTAIN,
                            Outcome.REVIEW,
                            "the portrait may not be the person who consented",
                        )
                    )
    # A blocked identity is a match from above: the higher the score, the stricter.
    blocked = _band(facts.blocked_similarity, rules.blocked)
    if blocked is Outcome.ALLOW:
        reasons.append(
            _deny(
                Code.BLOCKED_IDENTITY,
                f"the portrait shows a blocked identity ({facts.blocked_label})",
            )
        )
    elif blocked is Outcome.REVIEW:
        reasons.append(
            Reason(
                Code.BLOCKED_UNCERTAIN,
                Outcome.REVIEW,
                f"the portrait resembles a blocked identity ({facts.blocked_label})",
            )
        )
    return reasons


def _voice_reasons(facts: GenerationFacts, rules: Rules) -> list[Reason]:
    if facts.voice_synthetic or facts.consent is None or not facts.consent.captured:
        return []
    if facts.voice_similarity is None:
        return [
            Reason(
                Code.VOICE_UNMEASURABLE,
                Outcome.REVIEW,
                "too little speech to compare with the consented voice",
            )
        ]
    match _band(facts.voice_similarity, rules.voice):
        case Outcome.DENY:
            return [
                _deny(
                    Code.VOICE_MISMATCH,
                    "the voice is not the consented voice; declare it synthetic if it is",
                )
            ]
        case Outcome.REVIEW:
            return [
                Reason(
                    Code.VOICE_UNCERTAIN, Outcome.REVIEW, "the voice may not be the consented one"
                )
            ]
    return []


def decide(facts: GenerationFacts, rules: Rules) -> Decision:
    """Apply ``rules`` to ``facts``; the decision carries every reason that applies."""
    reasons = _consent_reasons(facts)
    reasons += _face_reasons(facts, rules)
    reasons += _voice_reasons(facts, rules)
    reasons += content_reasons(facts.transcript, rules.content)
    if facts.partner_clips_today >= facts.partner_quota:
        reasons.append(
            _deny(
                Code.QUOTA_EXCEEDED,
                f"the partner's quota of {facts.partner_quota} clips a day is used up",
            )
        )
    scores = {"blocked": round(facts.blocked_similarity, 3)}
    if facts.face_similarity is not None:
        scores["face"] = round(facts.face_similarity, 3)
    if facts.voice_similarity is not None:
        scores["voice"] = round(facts.voice_similarity, 3)
    return Decision(outcome_of(reasons), tuple(reasons), scores, rules.version)
