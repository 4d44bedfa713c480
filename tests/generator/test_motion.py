"""The motion space: the sequence type, its .npz files and the sweep preset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generator.motion import (
    EXPRESSION_MODES,
    LIMITS,
    MOTION_AXES,
    SWEEP_EXTENT,
    MotionError,
    MotionSequence,
    sweep,
)


def test_npz_round_trip_keeps_values_and_rate(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    motion = MotionSequence(rng.uniform(0, 1, (37, len(MOTION_AXES))), fps=30.0)
    motion.save(tmp_path / "m.npz")
    loaded = MotionSequence.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.values, motion.values)
    assert loaded.fps == 30.0 and len(loaded) == 37


def test_frames_read_by_meaning() -> None:
    motion = MotionSequence.neutral(3)
    motion.values[1, motion.index("jaw_open")] = 0.5
    motion.values[1, motion.index("head_yaw")] = -7.0
    frame = motion.frame(1)
    assert frame.expression["jaw_open"] == 0.5
    assert frame.rotation == (-7.0, 0.0, 0.0) and frame.scale == 1.0
    assert [f.scale for f in motion] == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip file", "not a talkgate motion file"),
        (None, "not a talkgate motion file"),  # missing file
    ],
)
def test_load_refuses_what_is_not_a_motion_file(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "m.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MotionError, match=message):
        MotionSequence.load(path)


def test_load_refuses_another_motion_space(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    axes = np.array(list(MOTION_AXES[:-1]) + ["tongue_out"])
    np.savez(
        path, format=np.array("talkgate.motion/1"), axes=axes, values=np.zeros((2, 24)), fps=25.0
    )
    with pytest.raises(MotionError, match="another motion space"):
        MotionSequence.load(path)


@pytest.mark.parametrize(
    ("values", "fps", "message"),
    [
        (np.zeros((4, 5)), 25.0, "must be"),
        (np.full((4, len(MOTION_AXES)), np.nan), 25.0, "NaN"),
        (np.zeros((4, len(MOTION_AXES))), 0.0, "frame rate"),
    ],
)
def test_malformed_sequences_are_refused(values: np.ndarray, fps: float, message: str) -> None:
    with pytest.raises(MotionError, match=message):
        MotionSequence(values, fps)


def test_clamping_honours_the_limits() -> None:
    motion = MotionSequence.neutral(1)
    motion.values[0, motion.index("jaw_open")] = 3.0
    motion.values[0, motion.index("head_yaw")] = -90.0
    clamped = motion.clamped()[0]
    assert clamped[motion.index("jaw_open")] == 1.0
    assert clamped[motion.index("head_yaw")] == LIMITS["head_yaw"][0]


def test_sweep_exercises_every_axis_in_its_own_segment() -> None:
    the_sweep = sweep(fps=25.0, seconds_per_axis=1.0)
    assert [axis for axis, _, _ in the_sweep.segments] == list(MOTION_AXES)
    values = the_sweep.motion.values
    for axis, start, stop in the_sweep.segments:
        column = MotionSequence.index(axis)
        others = np.delete(values[start:stop], column, axis=1)
        neutral = np.delete(MotionSequence.neutral(1).values[0], column)
        assert np.all(others == neutral), f"{axis} segment moves other axes"
        if axis in EXPRESSION_MODES:
            assert values[start:stop, column].max() == pytest.approx(1.0, abs=0.02)
        else:
            centre = 1.0 if axis == "head_scale" else 0.0
            swing = values[start:stop, column] - centre
            assert swing.max() == pytest.approx(SWEEP_EXTENT[axis], rel=0.02)
            assert swing.min() == pytest.approx(-SWEEP_EXTENT[axis], rel=0.02)
