"""Blinks in sampled motion are redrawn whole, where and only where the model blinks."""

from __future__ import annotations

import numpy as np

from generator.motion import MotionSequence
from generator.motion_model.blinks import redraw_blinks
from generator.motion_model.metrics import liveliness

FPS = 25.0
LEFT, RIGHT = MotionSequence.index("blink_left"), MotionSequence.index("blink_right")


def _with_closure(closure: list[float] | np.ndarray) -> np.ndarray:
    values = MotionSequence.neutral(len(closure)).values.copy()
    values[:, LEFT] = values[:, RIGHT] = closure
    return values


def test_a_one_frame_twitch_becomes_a_whole_blink_at_its_place() -> None:
    closure = np.zeros(100)
    closure[40] = 0.6  # the model's twitch: one frame, not quite shut
    redrawn = redraw_blinks(_with_closure(closure), FPS)
    lids = redrawn[:, LEFT]
    np.testing.assert_array_equal(lids, redrawn[:, RIGHT])
    assert lids.max() == 1.0 and lids.argmax() in (39, 40, 41)
    lively = liveliness([MotionSequence(redrawn, FPS)])
    assert lively.blinks_per_minute == 60 * 1 / 4  # one blink in 4 s
    assert 100 <= lively.blink_ms[0] <= 400  # closed past a quarter that long


def test_what_never_closes_past_the_level_stays_open() -> None:
    closure = 0.2 * np.abs(np.sin(np.arange(200) / 3.0))  # lids fluttering below 0.25
    redrawn = redraw_blinks(_with_closure(closure), FPS)
    assert not redrawn[:, [LEFT, RIGHT]].any()


def test_a_double_peak_is_one_blink_and_separate_blinks_stay_separate() -> None:
    closure = np.zeros(200)
    closure[[50, 51, 52, 53]] = [0.7, 0.5, 0.6, 0.3]  # one blink sampled with a dip
    closure[[120, 121]] = [0.4, 0.9]  # another, 2.8 s later
    lively = liveliness([MotionSequence(redraw_blinks(_with_closure(closure), FPS), FPS)])
    assert lively.blinks_per_minute == 60 * 2 / 8
    assert lively.blink_ms[2] <= 400


def test_long_blinks_close_together_never_run_into_one_long_closure() -> None:
    bump = np.array([0.3, 0.5, 0.7, 0.9, 1.0, 0.9, 0.7, 0.5, 0.3])  # drawn 0.4 s long
    for gap in range(6, 16):
        closure = np.zeros(200)
        closure[46:55] = bump
        closure[46 + gap : 55 + gap] = np.maximum(closure[46 + gap : 55 + gap], 0.95 * bump)
        lively = liveliness([MotionSequence(redraw_blinks(_with_closure(closure), FPS), FPS)])
        assert lively.blink_ms[2] <= 400, gap
        assert lively.blinks_per_minute in (60 * 1 / 8, 60 * 2 / 8)


def test_the_rest_of_the_motion_is_untouched() -> None:
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 0.2, size=(80, 24)).astype(np.float32)
    redrawn = redraw_blinks(values, FPS)
    others = [i for i in range(24) if i not in (LEFT, RIGHT)]
    np.testing.assert_array_equal(redrawn[:, others], values[:, others])
