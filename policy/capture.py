"""Is a consent recording good enough to let a face speak? Pure judgement over measurements.

The gateway measures a recording (transcript, faces per sampled frame, audio–visual sync,
watermark, voiced seconds) and :func:`judge_capture` says accept or refuse, with every reason.
There is no review outcome here: a subject whose recording fails simply records again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from policy.reasons import Code, Outcome, Reason
from policy.rules import CaptureRules
from policy.statement import code_errors, statement_similarity


class CaptureMode(StrEnum):
    """A video with its sound, or (where the consent's scope allows) a photo plus audio."""

    VIDEO = "video"
    PHOTO_AUDIO = "photo+audio"


class CodeState(StrEnum):
    """Where the capture link and its one-time code stand."""

    FRESH = "fresh"
    USED = "used"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"  # too many failed attempts


@dataclass(frozen=True)
class CaptureEvidence:
    """What was measured on one consent recording.

    Attributes:
        faces_per_frame: faces found in each sampled frame (one entry for a photo).
        sync: correlation of mouth opening with the speech's amplitude (None for a photo).
        voiced: whether the audio held enough speech to recognise the voice.
        watermarked: whether a talkgate watermark was found in the pictures.
    """

    mode: CaptureMode
    transcript: str
    faces_per_frame: tuple[int, ...]
    sync: float | None
    voiced: bool
    watermarked: bool


@dataclass(frozen=True)
class CaptureRequest:
    """The consent request the recording answers."""

    statement: str
    code: str
    code_state: CodeState
    photo_audio_allowed: bool


@dataclass(frozen=True)
class CaptureJudgement:
    """Accepted when there are no reasons; ``scores`` are the numbers behind them."""

    reasons: tuple[Reason, ...]
    scores: dict[str, float]

    @property
    def accepted(self) -> bool:
        return not self.reasons


def _refuse(code: Code, message: str) -> Reason:
    return Reason(code, Outcome.DENY, message)


def _link_reasons(request: CaptureRequest, mode: CaptureMode) -> list[Reason]:
    reasons = []
    if request.code_state is CodeState.USED:
        reasons.append(_refuse(Code.CODE_USED, "this consent code has already been used"))
    elif request.code_state is CodeState.EXPIRED:
        reasons.append(_refuse(Code.LINK_EXPIRED, "this capture link has expired"))
    elif request.code_state is CodeState.EXHAUSTED:
        reasons.append(
            _refuse(Code.TOO_MANY_ATTEMPTS, "too many failed recordings; ask for a new link")
        )
    if mode is CaptureMode.PHOTO_AUDIO and not request.photo_audio_allowed:
        reasons.append(
            _refuse(Code.MODE_NOT_ALLOWED, "this consent needs a video recording with sound")
        )
    return reasons


def _face_reasons(evidence: CaptureEvidence, rules: CaptureRules) -> list[Reason]:
    counts = evidence.faces_per_frame
    frames = max(len(counts), 1)
    single = sum(count == 1 for count in counts) / frames
    several = sum(count > 1 for count in counts) / frames
    if not any(counts):
        return [_refuse(Code.NO_FACE, "no face was found in the recording")]
    if several > rules.extra_faces:
        return [_refuse(Code.SEVERAL_FACES, "more than one face is in the recording")]
    if single < rules.face_presence:
        return [
            _refuse(
                Code.FACE_ABSENT,
                f"the face is visible in {single:.0%} of the recording; "
                f"keep it in view throughout (at least {rules.face_presence:.0%})",
            )
        ]
    return []


def judge_capture(
    evidence: CaptureEvidence, request: CaptureRequest, rules: CaptureRules
) -> CaptureJudgement:
    """Accept or refuse one consent recording, with every reason that applies."""
    reasons = _link_reasons(request, evidence.mode)
    similarity = statement_similarity(evidence.transcript, request.statement)
    scores = {"statement": round(similarity, 3)}
    if similarity < rules.statement_similarity:
        reasons.append(
            _refuse(
                Code.STATEMENT_NOT_SPOKEN,
                "the recording does not say the consent statement; read it out in full",
            )
        )
    scores["code_errors"] = code_errors(evidence.transcript, request.code)
    if scores["code_errors"] > rules.code_tolerance:
        reasons.append(
            _refuse(Code.CODE_NOT_SPOKEN, "the one-time code on the statement was not spoken")
        )
    reasons += _face_reasons(evidence, rules)
    if evidence.mode is CaptureMode.VIDEO and evidence.sync is not None:
        scores["sync"] = round(evidence.sync, 3)
        if evidence.sync < rules.sync:
            reasons.append(
                _refuse(
                    Code.NOT_IN_SYNC,
                    "the lips do not move with the voice: the person on camera must speak",
                )
            )
    if not evidence.voiced:
        reasons.append(_refuse(Code.NO_VOICE, "too little speech to recognise the voice"))
    if evidence.watermarked:
        reasons.append(
            _refuse(
                Code.GENERATED_MEDIA,
                "the recording carries a talkgate watermark: generated media cannot consent",
            )
        )
    return CaptureJudgement(tuple(reasons), scores)
