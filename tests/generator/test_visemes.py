"""Phones → mouth motion: the coarticulation rules on real espeak-ng phone timings."""

from __future__ import annotations

import numpy as np
import pytest

from generator.motion import MotionSequence
from generator.speech import Phone
from generator.speech.visemes import mouth_motion, viseme_of


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


def test_a_closure_shorter_than_a_frame_still_closes_the_lips() -> None:
    # At 25 fps frame centres sit at 20, 60, 100 ms...: a 30-ms "b" from 25 to 55 ms holds none.
    phones = [Phone("A:", 0.0, 0.025), Phone("b", 0.025, 0.055), Phone("A:", 0.055, 0.3)]
    mouth = mouth_motion(phones, 0.3, fps=25.0)
    assert mouth[1, _column("lip_press")] == 1.0  # the frame nearest the closure's middle
    assert mouth[:, _column("lip_press")].tolist().count(1.0) == 1


def test_the_mouth_anticipates_and_carries_over() -> None:
    phones = [Phone("_", 0.0, 0.5), Phone("u:", 0.5, 0.7), Phone("_", 0.7, 1.5)]
    pucker = mouth_motion(phones, 1.5, fps=100.0)[:, _column("lip_pucker")]
    assert pucker[45] > 0.1  # rounding starts before the vowel
    assert pucker[75] > 0.1  # and lingers after it
    assert pucker[10] < 0.01 and pucker[140] < 0.01
    assert np.abs(np.diff(pucker)).max() < 0.1  # smooth at 100 fps


@pytest.mark.parametrize(
    ("symbol", "viseme"),
    [("p", "bilabial"), ("f", "labiodental"), ("oU", "rounded"), ("_:", "rest"), ("Q#", "schwa")],
)
def test_phone_classes(symbol: str, viseme: str) -> None:
    assert viseme_of(symbol).name == viseme
