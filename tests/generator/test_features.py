"""Audio features at the video frame rate: Whisper's log-mel and its encoder (real model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generator import GeneratorError
from generator.io import AudioTrack
from generator.speech.features import SpeechEncoder, log_mel, mel_features, mel_filters


def _tone(hz: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_mel_filters_are_slaney_triangles() -> None:
    filters = mel_filters()
    assert filters.shape == (80, 201)
    assert (filters >= 0).all()
    # Slaney normalisation: each triangle's area is 1 on a hertz axis.
    areas = filters.sum(axis=1) * (8000 / 200)
    assert np.allclose(areas, 1.0, atol=0.15)
    centres = filters.argmax(axis=1)
    assert (np.diff(centres) >= 0).all()


def test_a_tone_lights_the_band_it_is_in() -> None:
    # 1 kHz is 15 on the Slaney mel scale, a third of the way to 8 kHz (45.2).
    mel = log_mel(_tone(1000.0))
    assert mel.shape == (80, 100)
    assert abs(int(mel[:, 50].argmax()) - 26) <= 1
    assert mel[:, 50].argmax() < log_mel(_tone(3000.0))[:, 50].argmax()


def test_features_come_one_per_video_frame(assets_dir: Path) -> None:
    audio = AudioTrack(np.concatenate([_tone(300.0, 1.3), np.zeros(16000, np.float32)]), 16000)
    mel = mel_features(audio, fps=25.0)
    assert mel.shape == (58, 80)  # 2.3 s at 25 fps
    encoder = SpeechEncoder(assets_dir / "whisper_tiny_en")
    features = encoder.features(audio, fps=25.0)
    assert features.shape == (58, encoder.feature_size) and np.isfinite(features).all()
    np.testing.assert_array_equal(features, encoder.features(audio, fps=25.0))
    sound, silence = features[5:30].mean(0), features[35:55].mean(0)
    assert np.linalg.norm(sound - silence) > 0.1 * np.linalg.norm(silence)


def test_audio_longer_than_a_whisper_window_is_encoded_whole(assets_dir: Path) -> None:
    audio = AudioTrack(np.tile(_tone(440.0, 1.0), 31), 16000)  # 31 s: two windows
    features = SpeechEncoder(assets_dir / "whisper_tiny_en").features(audio, fps=25.0)
    assert features.shape == (775, 4 * 384) and np.isfinite(features).all()


def _melody(seconds: int) -> np.ndarray:
    """Plucked notes with five harmonics, two a second: music without words."""
    rng = np.random.default_rng(0)
    t = np.arange(8000) / 16000
    notes = []
    for _ in range(2 * seconds):
        hz = 220 * 2 ** (int(rng.integers(12)) / 12)
        tone = sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 6))
        notes.append(0.1 * tone * np.exp(-3 * t))
    return np.concatenate(notes).astype(np.float32)


def test_whisper_tells_speech_from_music_and_silence_per_window(assets_dir: Path) -> None:
    from scipy.signal import resample_poly

    from generator.speech import Espeak

    said = Espeak().speak("Bob and Pam made a map of the old palace.", rate=150)
    speech = resample_poly(said.audio.samples, 16_000, said.audio.sample_rate)
    encoder = SpeechEncoder(assets_dir / "whisper_tiny_en")
    # Window one (0–30 s): a melody; window two (30–40 s): silence then speech.
    samples = np.concatenate([_melody(30), np.zeros(16_000 * 6), speech]).astype(np.float32)
    heard = encoder.hear(AudioTrack(samples, 16_000), fps=25.0)
    np.testing.assert_array_equal(heard.features, encoder.features(AudioTrack(samples, 16_000)))
    assert not heard.speech[:750].any() and heard.speech[750:].all()
    assert not encoder.hear(AudioTrack(np.zeros(32_000, np.float32), 16_000)).speech.any()


def test_held_out_espeak_speech_is_heard_as_speech(assets_dir: Path) -> None:
    # Two held-out passages back to back read 0.60 in their second window: at Whisper's own
    # bar, 0.6, the mouth rested through 30 s of speech.
    from gateway.motion_data import evaluation_passages

    samples = np.concatenate([p.clean.samples for p in evaluation_passages(4)])[: 60 * 16_000]
    heard = SpeechEncoder(assets_dir / "whisper_tiny_en").hear(AudioTrack(samples, 16_000))
    assert heard.speech.all()


def test_wrong_rate_and_empty_audio_are_refused() -> None:
    with pytest.raises(GeneratorError, match="16000 Hz"):
        mel_features(AudioTrack(_tone(440.0), 22050))
    with pytest.raises(GeneratorError, match="empty"):
        mel_features(AudioTrack(np.zeros(0, np.float32), 16000))
