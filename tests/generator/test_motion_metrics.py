"""The motion bench's measures, on motion whose answers are known."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from generator.motion import MotionSequence
from generator.motion_model.metrics import (
    aperture,
    best_lag,
    closures_hit,
    correlation,
    lip_sync,
    liveliness,
    shape_groups,
)
from generator.speech import Phone
from generator.speech.visemes import VISEMES, mouth_motion


def _values(frames: int) -> np.ndarray:
    return MotionSequence.neutral(frames).values.copy()


def test_each_key_shape_reads_as_its_own_group() -> None:
    values = _values(4)
    for row, name in enumerate(("bilabial", "open", "rounded", "close_front")):
        for mode, value in VISEMES[name].shape.items():
            values[row, MotionSequence.index(mode)] = value
    assert list(shape_groups(values)) == ["closed", "open", "rounded", "spread"]
    assert aperture(values)[0] == pytest.approx(0.0, abs=0.01)
    assert aperture(values)[1] == pytest.approx(0.7)


def test_the_lag_that_lines_two_mouths_up_is_found() -> None:
    rng = np.random.default_rng(0)
    reference = np.convolve(rng.uniform(0, 1, 200), np.ones(4) / 4, "same")
    late = np.concatenate([np.full(2, reference[0]), reference[:-2]])
    assert best_lag(late, reference) == 2
    assert best_lag(reference, reference) == 0


def test_closures_count_within_one_frame() -> None:
    phones = [  # open vowels around both: the lips close only for the bilabials
        Phone("A:", 0.0, 0.4),
        Phone("b", 0.4, 0.48),
        Phone("A:", 0.48, 0.8),
        Phone("m", 0.8, 0.9),
        Phone("A:", 0.9, 1.0),
    ]
    reference = _values(25)
    reference[:, :16] = mouth_motion(phones, 1.0)
    assert closures_hit(reference, phones, "espeak", 25.0) == (2, 2)
    shifted = np.roll(reference, -5, axis=0)  # 200 ms early: misses both
    assert closures_hit(shifted, phones, "espeak", 25.0) == (0, 2)
    sync = lip_sync([(reference, reference, phones, "espeak")], 25.0)
    assert sync.correlation == pytest.approx(1.0) and sync.closures == 1.0 and sync.lag == 0


def test_liveliness_reads_blinks_and_head_turns() -> None:
    values = _values(25 * 60)
    for start in range(50, 25 * 60, 100):  # a blink every 4 s, 6 frames long
        values[start : start + 6, MotionSequence.index("blink_left")] = 1.0
        values[start : start + 6, MotionSequence.index("blink_right")] = 1.0
    values[:, MotionSequence.index("head_yaw")] = np.abs(0.3 * np.arange(25 * 60) % 20 - 10)
    lively = liveliness([MotionSequence(values)])
    assert lively.blinks_per_minute == pytest.approx(15.0)
    assert lively.blink_ms == (240.0, 240.0, 240.0)
    assert lively.gap_variation == pytest.approx(0.0)  # periodic, and the measure says so
    assert lively.delta_p == pytest.approx(0.3, abs=0.05)


def test_a_blink_the_clip_cuts_short_counts_but_has_no_duration() -> None:
    values = _values(25 * 8)
    for first, last in ((0, 2), (100, 106), (198, 200)):  # cut by the start, whole, cut by the end
        values[first:last, MotionSequence.index("blink_left")] = 1.0
        values[first:last, MotionSequence.index("blink_right")] = 1.0
    lively = liveliness([MotionSequence(values)])
    assert lively.blinks_per_minute == pytest.approx(3 / 8 * 60)
    assert lively.blink_ms == (240.0, 240.0, 240.0)


def test_a_still_curve_has_no_correlation_and_no_warning() -> None:
    moving = np.sin(np.arange(50) / 3).astype(np.float32)
    still = np.full(50, 0.15, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert correlation(moving, 2 * moving + 1) == pytest.approx(1.0)
        assert np.isnan(correlation(moving, still)) and np.isnan(best_lag(moving, still))
        assert best_lag(np.roll(moving, 2), moving) == 2
