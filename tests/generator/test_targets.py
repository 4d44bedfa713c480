"""The authored motion targets: mouth, head, blinks, gaze and controls from real espeak-ng
speech with its exact phone times."""

from __future__ import annotations

import numpy as np
import pytest

from generator import GeneratorError
from generator.controls import Controls, emotion_bias
from generator.io import AudioTrack
from generator.motion import MotionSequence
from generator.motion_model.metrics import liveliness
from generator.speech import Espeak, Phone
from generator.speech.corpus import synthetic_passage
from generator.speech.targets import apply_controls, base_targets, pauses, prosody, speech_targets

PROSE = [
    "Many people believe the weather will change before the end of the week.",
    "Nobody knows for sure, and the farmers are worried about their crops.",
    "Perhaps we should wait and see what happens tomorrow morning.",
    "The committee will publish its findings after the summer break.",
] * 3


def _column(axis: str) -> int:
    return MotionSequence.index(axis)


@pytest.fixture(scope="module")
def passage():  # noqa: ANN201 - a corpus Passage
    return synthetic_passage(
        Espeak(), PROSE, "en-us+m3", np.random.default_rng(4), longest_s=60, augment=False
    )


def test_every_bilabial_closes_the_lips() -> None:
    said = Espeak().speak("Bob, Pam and Mum bought a map.", rate=170)
    motion = speech_targets(said.phones, said.audio, seed=3)
    assert len(motion) == int(np.ceil(said.audio.duration_s * 25))
    press = motion.values[:, _column("lip_press")]
    for phone in said.phones:
        if phone.symbol in ("p", "b", "m"):
            frames = press[int(phone.start_s * 25) : int(np.ceil(phone.end_s * 25)) + 1]
            assert frames.max() == 1.0, phone
    assert motion.values[:, _column("jaw_open")].max() > 0.4


def test_head_and_blinks_move_like_a_speaking_person(passage) -> None:  # noqa: ANN001
    motion = speech_targets(passage.phones, passage.clean, seed=1)
    lively = liveliness([motion])
    assert 0.28 <= lively.delta_p <= 0.45  # VASA-1's ΔP, °/frame
    assert lively.largest_jump < 3.0
    assert 12 <= lively.blinks_per_minute <= 30
    assert lively.blink_ms[0] >= 100 and lively.blink_ms[2] <= 400
    assert lively.gap_variation > 0.15  # not periodic (about a dozen gaps here)


def test_the_same_seed_gives_the_same_motion_and_another_seed_another(passage) -> None:  # noqa: ANN001
    a = base_targets(passage.phones, passage.clean, seed=1)
    b = base_targets(passage.phones, passage.clean, seed=1)
    c = base_targets(passage.phones, passage.clean, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    mouth = slice(0, 6)
    np.testing.assert_array_equal(a[:, mouth], c[:, mouth])  # the mouth follows the phones only


def test_blinks_gather_in_pauses(passage) -> None:  # noqa: ANN001
    voice = prosody(passage.clean, int(np.ceil(passage.clean.duration_s * 25)))
    silent = np.zeros(len(voice.speaking), bool)
    for start, stop in pauses(voice.speaking, 25.0):
        silent[start:stop] = True
    in_pauses = []
    for seed in range(12):
        blink = base_targets(passage.phones, passage.clean, seed=seed)[:, _column("blink_left")]
        starts = np.flatnonzero((blink[1:] > 0) & (blink[:-1] == 0)) + 1
        in_pauses += list(silent[starts])
    assert np.mean(in_pauses) > 1.4 * silent.mean()  # ~1.8× as likely as by chance


def test_prosody_reads_pitch_and_silence() -> None:
    rate = 16_000
    t = np.arange(rate) / rate
    tone = np.concatenate([0.3 * np.sin(2 * np.pi * 150 * t), np.zeros(rate)]).astype(np.float32)
    voice = prosody(AudioTrack(tone, rate), 50)
    assert np.nanmedian(voice.pitch[:20]) == pytest.approx(150, rel=0.03)
    assert voice.speaking[:20].all() and not voice.speaking[30:].any()
    [(start, stop)] = pauses(voice.speaking, 25.0)
    assert start in (25, 26) and stop == 50  # the 50-ms window straddles the edge


def test_controls_set_gaze_distance_and_emotion(passage) -> None:  # noqa: ANN001
    base = base_targets(passage.phones, passage.clean, seed=1)
    controls = Controls(gaze=(12.0, -6.0), distance=1.15, emotion="happy", intensity=0.5)
    values = apply_controls(base, controls)
    gaze = values[:, [_column("gaze_yaw"), _column("gaze_pitch")]] - base[:, 16:18]
    np.testing.assert_allclose(gaze, np.tile([12.0, -6.0], (len(values), 1)), atol=1e-4)
    assert values[:, _column("head_scale")] == pytest.approx(1.15)
    smile = values[:, _column("smile_left")]
    assert smile.min() == pytest.approx(0.3)  # 0.6 at full intensity, halved
    assert emotion_bias(Controls()).sum() == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"distance": 2.0}, "distance"),
        ({"gaze": (25.0, 0.0)}, "gaze yaw"),
        ({"emotion": "smug"}, "unknown emotion"),
        ({"intensity": 1.5}, "intensity"),
    ],
)
def test_controls_out_of_range_are_refused(options: dict, message: str) -> None:
    with pytest.raises(GeneratorError, match=message):
        Controls(**options)


def test_silence_gives_a_still_mouth() -> None:
    silence = AudioTrack(np.zeros(32_000, np.float32), 16_000)
    motion = speech_targets([Phone("_", 0.0, 2.0)], silence)
    assert np.abs(motion.values[:, :6]).max() < 1e-3
