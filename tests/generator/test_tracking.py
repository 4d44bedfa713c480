"""Head-motion and blink statistics, on made-up tracks and on a rendered clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generator import FaceLandmarker, MediaError, MotionSequence, read_frames
from generator.face_model import FaceModel
from generator.pipeline import render_clip
from generator.tracking import FaceTrack, blink_spans, motion_statistics, track_faces


def still_mouth(frames: int) -> np.ndarray:
    return np.tile([0.0, 1.0, 1.5], (frames, 1))


def test_blinks_are_rises_above_the_resting_level() -> None:
    blink = np.full(250, 0.08)
    for start in (20, 120, 200):
        blink[start : start + 6] = [0.3, 0.6, 0.7, 0.6, 0.3, 0.15]
    blink[60:62] = 0.2  # a squint, not a blink
    blink[90] = np.nan  # a lost frame
    assert blink_spans(blink) == [(21, 25), (121, 125), (201, 205)]
    stats = motion_statistics(FaceTrack(25.0, np.zeros((250, 3)), blink, still_mouth(250)))
    assert stats.blinks_per_minute == pytest.approx(3 / 10 * 60)
    assert stats.blink_ms == pytest.approx(160)


def test_delta_p_is_the_mean_rotation_per_frame() -> None:
    frames = 101
    pose = np.zeros((frames, 3))
    pose[:, 0] = np.arange(frames) * 0.3  # yaw turns 0.3° a frame
    pose[:, 1] = np.arange(frames) * 0.4  # pitch 0.4°
    stats = motion_statistics(FaceTrack(25.0, pose, np.zeros(frames), still_mouth(frames)))
    assert stats.delta_p == pytest.approx(0.5)
    assert stats.largest_jump == pytest.approx(0.5)
    assert stats.blinks_per_minute == 0 and np.isnan(stats.blink_ms)
    assert np.isnan(stats.chin_share)  # the mouth never moved


def test_chin_share_is_the_chins_drop_per_unit_of_the_lower_lips() -> None:
    gap = np.random.default_rng(0).uniform(0.0, 0.3, 200)
    mouth = np.stack([gap, 1.0 + 0.7 * gap, 1.5 + 0.28 * gap], axis=1)
    mouth[5] = np.nan  # a lost frame
    stats = motion_statistics(FaceTrack(25.0, np.zeros((200, 3)), np.zeros(200), mouth))
    assert stats.chin_share == pytest.approx(0.4)


def test_tracking_a_rendered_clip_reads_its_motion(
    tmp_path: Path, astronaut_model: FaceModel, landmarker: FaceLandmarker
) -> None:
    motion = MotionSequence.neutral(30)
    motion.values[:, motion.index("head_pitch")] = np.linspace(-10, 10, 30)
    motion.values[12:16, motion.index("blink_left")] = [0.6, 1.0, 1.0, 0.6]
    motion.values[12:16, motion.index("blink_right")] = [0.6, 1.0, 1.0, 0.6]
    clip = tmp_path / "nod.mp4"
    render_clip(astronaut_model, motion, clip)
    track = track_faces(read_frames(clip), landmarker, 25.0)
    assert track.found == 1.0 and len(track.blink) == 30
    pitch = track.pose[:, 1]
    assert np.corrcoef(pitch, np.arange(30))[0, 1] > 0.95
    assert track.blink[12:16].max() > track.blink[:8].max() + 0.1
    assert len(list(read_frames(clip, limit=5))) == 5


def test_an_opening_jaw_drops_the_chin_as_real_faces_do(
    tmp_path: Path, astronaut_model: FaceModel, landmarker: FaceLandmarker
) -> None:
    """Real talking faces drop the chin 0.44–0.52 of the lower lip's travel (bench
    motion-stats); a chin dropping with the lip (0.7 read back) reads as a nod."""
    motion = MotionSequence.neutral(30)
    motion.values[:, motion.index("jaw_open")] = np.linspace(0.0, 0.6, 30)
    clip = tmp_path / "jaw.mp4"
    render_clip(astronaut_model, motion, clip)
    stats = motion_statistics(track_faces(read_frames(clip), landmarker, 25.0))
    assert 0.3 < stats.chin_share < 0.6


def test_reading_frames_of_a_non_video_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(MediaError, match="cannot read"):
        list(read_frames(junk))
