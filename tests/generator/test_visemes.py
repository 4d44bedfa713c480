"""Phones → mouth motion: the coarticulation rules on real espeak-ng phone timings."""

from __future__ import annotations

import numpy as np
import pytest

from generator.motion import MotionSequence
from generator.speech import Espeak, Phone
from generator.speech.visemes import mouth_motion, speech_motion, viseme_of


def _column(mode: str) -> int:
    return MotionSequence.index(mode)


def test_bilabials_close_the_lips_and_open_vowels_open_the_jaw() -> None:
    phones = [
        Phone("_", 0.0, 0.2),
        Phone("b", 0.2, 0.3),
        Phone("A:", 0.3, 0.6),
        Phone("_", 0.6, 1.0),
    ]
    mouth = mouth_motion(phones, 1.0, fps=100.0)
    closure = mouth[25]  # the middle of "b"
    assert closure[_column("lip_press")] == 1.0 and closure[_column("jaw_open")] < 0.05
    assert mouth[45, _column("jaw_open")] > 0.6  # the middle of the open vowel
    assert mouth[95, _column("jaw_open")] < 0.1  # the pause relaxes


def test_the_mouth_anticipates_and_carries_over() -> None:
    phones = [Phone("_", 0.0, 0.5), Phone("u:", 0.5, 0.7), Phone("_", 0.7, 1.5)]
    pucker = mouth_motion(phones, 1.5, fps=100.0)[:, _column("lip_pucker")]
    assert pucker[45] > 0.1  # rounding starts before the vowel
    assert pucker[75] > 0.1  # and lingers after it
    assert pucker[10] < 0.01 and pucker[140] < 0.01
    assert np.abs(np.diff(pucker)).max() < 0.1  # smooth at 100 fps


def test_real_speech_gives_a_closure_for_every_bilabial() -> None:
    said = Espeak().speak("Bob, Pam and Mum bought a map.", rate=170)
    motion = speech_motion(said.phones, said.audio.duration_s, seed=3)
    assert len(motion) == int(np.ceil(said.audio.duration_s * 25))
    press = motion.values[:, _column("lip_press")]
    for phone in said.phones:
        if phone.symbol in ("p", "b", "m"):
            frames = press[int(phone.start_s * 25) : int(np.ceil(phone.end_s * 25)) + 1]
            assert frames.max() == 1.0, phone
    assert motion.values[:, _column("jaw_open")].max() > 0.4


def test_blinks_and_sway_are_seeded() -> None:
    phones = [Phone("_", 0.0, 20.0)]
    a = speech_motion(phones, 20.0, seed=1).values
    b = speech_motion(phones, 20.0, seed=1).values
    c = speech_motion(phones, 20.0, seed=2).values
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    blink = a[:, _column("blink_left")]
    starts = np.flatnonzero((blink[1:] > 0) & (blink[:-1] == 0))
    assert 2 <= len(starts) <= 12  # about 17 a minute
    assert np.abs(a[:, _column("head_yaw")]).max() <= 3.0


@pytest.mark.parametrize(
    ("symbol", "viseme"),
    [("p", "bilabial"), ("f", "labiodental"), ("oU", "rounded"), ("_:", "rest"), ("Q#", "schwa")],
)
def test_phone_classes(symbol: str, viseme: str) -> None:
    assert viseme_of(symbol).name == viseme
