"""The lip–voice sync score: the speech's envelope per frame, the lag search, and the cases
that must score 0."""

from __future__ import annotations

import numpy as np
import pytest

from gateway.analysis.sync import MAX_LAG_FRAMES, envelope, sync_score
from generator import AudioTrack
from generator.speech import Espeak

FPS = 12.5


@pytest.fixture(scope="module")
def speech() -> AudioTrack:
    said = Espeak().speak("My name is Alex Morgan, and I read this out loud.", voice="en-us")
    return said.audio


def test_the_envelope_is_linear_in_amplitude_and_zero_past_the_end(speech: AudioTrack) -> None:
    frames = round(speech.duration_s * FPS) + 5
    level = envelope(speech, FPS, frames)
    louder = envelope(AudioTrack(speech.samples * 2, speech.sample_rate), FPS, frames)
    assert np.allclose(louder, 2 * level)
    assert level[:-5].max() > 0
    assert (level[-4:] == 0).all()


def test_a_mouth_that_follows_the_voice_within_the_lag_scores_high(speech: AudioTrack) -> None:
    level = envelope(speech, FPS, round(speech.duration_s * FPS))
    mouth = np.roll(level, MAX_LAG_FRAMES)  # the picture a little behind the sound
    mouth[5] = np.nan  # a frame where no face was found
    assert sync_score(mouth, level) > 0.95
    assert sync_score(np.roll(level, 4 * MAX_LAG_FRAMES), level) < 0.5


def test_a_still_mouth_or_too_few_frames_score_zero(speech: AudioTrack) -> None:
    level = envelope(speech, FPS, round(speech.duration_s * FPS))
    assert sync_score(np.full(len(level), 0.02), level) == 0.0
    assert sync_score(level[:8], level[:8]) == 0.0
