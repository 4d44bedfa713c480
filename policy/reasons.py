"""What a decision can say: its outcome and the reasons behind it, each with a stable code.

Codes are what clients, reviewers and the audit log key on; the words are for people and may
be reworded without breaking anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """Allow runs the job; review holds it for a person; deny refuses it."""

    ALLOW = "allow"
    REVIEW = "review"
    DENY = "deny"


class Code(StrEnum):
    """Every reason a consent capture or a generation request can be refused or held."""

    # Generation requests: the consent itself (hard denies).
    CONSENT_MISSING = "consent.missing"
    CONSENT_OTHER_PARTNER = "consent.other_partner"
    CONSENT_NOT_CAPTURED = "consent.not_captured"
    CONSENT_EXPIRED = "consent.expired"
    CONSENT_REVOKED = "consent.revoked"
    CONSENT_CLIP_LIMIT = "consent.clip_limit"
    CONSENT_PURPOSE = "consent.purpose"
    # Generation requests: who is pictured and who speaks.
    PORTRAIT_NO_FACE = "portrait.no_face"
    FACE_MISMATCH = "face.mismatch"
    FACE_UNCERTAIN = "face.uncertain"
    BLOCKED_IDENTITY = "blocked.identity"
    BLOCKED_UNCERTAIN = "blocked.uncertain"
    VOICE_MISMATCH = "voice.mismatch"
    VOICE_UNCERTAIN = "voice.uncertain"
    VOICE_UNMEASURABLE = "voice.unmeasurable"
    # Generation requests: what is said, and how much.
    CONTENT_BLOCKED = "content.blocked"
    CONTENT_FLAGGED = "content.flagged"
    QUOTA_EXCEEDED = "quota.exceeded"
    # Consent captures.
    CODE_USED = "capture.code_used"
    LINK_EXPIRED = "capture.link_expired"
    TOO_MANY_ATTEMPTS = "capture.too_many_attempts"
    MODE_NOT_ALLOWED = "capture.mode_not_allowed"
    STATEMENT_NOT_SPOKEN = "capture.statement_not_spoken"
    CODE_NOT_SPOKEN = "capture.code_not_spoken"
    NO_FACE = "capture.no_face"
    SEVERAL_FACES = "capture.several_faces"
    FACE_ABSENT = "capture.face_absent"
    NOT_IN_SYNC = "capture.not_in_sync"
    GENERATED_MEDIA = "capture.generated_media"
    NO_VOICE = "capture.no_voice"


@dataclass(frozen=True)
class Reason:
    """One reason: its code, the outcome it asks for, and a sentence a person can act on."""

    code: Code
    outcome: Outcome
    message: str

    def as_dict(self) -> dict[str, str]:
        """The reason as plain strings, as stored and as the API shows it."""
        return {"code": self.code.value, "outcome": self.outcome.value, "message": self.message}


def outcome_of(reasons: list[Reason]) -> Outcome:
    """The strictest outcome any reason asks for; allow when there are none."""
    if any(reason.outcome is Outcome.DENY for reason in reasons):
        return Outcome.DENY
    if any(reason.outcome is Outcome.REVIEW for reason in reasons):
        return Outcome.REVIEW
    return Outcome.ALLOW
