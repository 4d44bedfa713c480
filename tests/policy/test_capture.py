"""Consent recordings: what is accepted, and each refusal's reason."""

from __future__ import annotations

from dataclasses import replace

import pytest

from policy import (
    CaptureEvidence,
    CaptureMode,
    CaptureRequest,
    Code,
    CodeState,
    judge_capture,
    load_rules,
    statement_for,
)

RULES = load_rules().capture
STATEMENT = statement_for("Alex Morgan", ["product demos"], "509374")
REQUEST = CaptureRequest(STATEMENT, "509374", CodeState.FRESH, photo_audio_allowed=False)
# What Whisper tiny.en heard from espeak-ng reading the statement: misheard words and all.
HEARD = (
    "My name is Alex Morgan. I can send to talk gate animating my face for product demos. "
    "My code is 5.0, 9.3, 7.4."
)
GOOD = CaptureEvidence(
    mode=CaptureMode.VIDEO,
    transcript=HEARD,
    faces_per_frame=(1,) * 50,
    sync=0.6,
    voiced=True,
    watermarked=False,
)


def _codes(evidence: CaptureEvidence, request: CaptureRequest = REQUEST) -> set[Code]:
    return {reason.code for reason in judge_capture(evidence, request, RULES).reasons}


def test_a_recording_that_says_the_statement_and_code_is_accepted() -> None:
    judgement = judge_capture(GOOD, REQUEST, RULES)
    assert judgement.accepted
    assert judgement.scores["statement"] >= RULES.statement_similarity


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"transcript": HEARD.replace("5.0, 9.3, 7.4", "1 2 3 4 5 6")}, Code.CODE_NOT_SPOKEN),
        ({"transcript": "My code is 5 0 9 3 7 4."}, Code.STATEMENT_NOT_SPOKEN),
        (
            {"transcript": HEARD.replace("I can send", "I do not consent")},
            Code.STATEMENT_NOT_SPOKEN,
        ),
        ({"faces_per_frame": (0,) * 50}, Code.NO_FACE),
        ({"faces_per_frame": (2,) * 50}, Code.SEVERAL_FACES),
        ({"faces_per_frame": (1,) * 20 + (0,) * 30}, Code.FACE_ABSENT),
        ({"sync": 0.0}, Code.NOT_IN_SYNC),
        ({"voiced": False}, Code.NO_VOICE),
        ({"watermarked": True}, Code.GENERATED_MEDIA),
    ],
)
def test_a_flawed_recording_is_refused_with_its_reason(
    change: dict[str, object], code: Code
) -> None:
    assert code in _codes(replace(GOOD, **change))


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (CodeState.USED, Code.CODE_USED),
        (CodeState.EXPIRED, Code.LINK_EXPIRED),
        (CodeState.EXHAUSTED, Code.TOO_MANY_ATTEMPTS),
    ],
)
def test_a_spent_link_refuses_even_a_good_recording(state: CodeState, code: Code) -> None:
    assert _codes(GOOD, replace(REQUEST, code_state=state)) == {code}


def test_photo_and_audio_only_where_the_scope_allows() -> None:
    photo = replace(GOOD, mode=CaptureMode.PHOTO_AUDIO, faces_per_frame=(1,), sync=None)
    assert _codes(photo) == {Code.MODE_NOT_ALLOWED}
    assert _codes(photo, replace(REQUEST, photo_audio_allowed=True)) == set()


def test_a_recording_of_another_requests_statement_is_refused() -> None:
    """Replaying an earlier consent recording: its code is not this request's code."""
    other = CaptureRequest(
        statement_for("Alex Morgan", ["product demos"], "114477"),
        "114477",
        CodeState.FRESH,
        photo_audio_allowed=False,
    )
    assert _codes(GOOD, other) == {Code.CODE_NOT_SPOKEN}
