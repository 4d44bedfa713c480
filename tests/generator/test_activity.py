"""Voice activity per video frame, and where the mouth rests."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from generator.io import AudioTrack
from generator.speech import Espeak
from generator.speech.activity import resting, voice_activity


def test_speech_is_heard_and_silence_and_quiet_noise_are_not() -> None:
    said = Espeak().speak("Bob and Pam made a map of the old palace.", rate=150)
    speech = resample_poly(said.audio.samples, 16_000, said.audio.sample_rate)
    pause = np.zeros(2 * 16_000)
    hiss = 0.003 * np.random.default_rng(0).standard_normal(2 * 16_000)  # −50 dBFS
    samples = np.concatenate([pause, speech, hiss]).astype(np.float32)
    frames = int(np.ceil(len(samples) / 16_000 * 25))
    heard = voice_activity(AudioTrack(samples, 16_000), frames, 25.0)
    talking = slice(50 + 5, 50 + int(len(speech) / 16_000 * 25) - 5)
    assert len(heard) == frames
    assert not heard[:50].any() and not heard[-45:].any()
    assert heard[talking].mean() > 0.8


def test_the_mouth_rests_only_well_away_from_speech() -> None:
    voiced = np.zeros(200, bool)
    voiced[80:120] = True
    voiced[95:100] = False  # a short pause inside speech is still speech
    rest = resting(voiced, 25.0)
    assert rest[80:120].max() < 1e-3  # speech and the pause inside it
    assert rest[:60].min() > 0.99 and rest[140:].min() > 0.99
    assert np.all(np.diff(rest[60:80]) <= 0) and np.all(np.diff(rest[120:140]) >= 0)  # eased
    np.testing.assert_array_equal(resting(np.zeros(10, bool), 25.0), np.ones(10))


def test_other_sample_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="16000 Hz"):
        voice_activity(AudioTrack(np.zeros(22_050, np.float32), 22_050), 25, 25.0)
