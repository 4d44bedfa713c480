"""Portrait + motion + audio → MP4, decoded back to check what a player would get."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generator import AudioTrack, FaceLandmarker, probe
from generator.face_model import build_face_model
from generator.motion import MotionSequence, sweep
from generator.pipeline import render_clip


def test_a_clip_has_every_frame_and_its_audio(
    tmp_path: Path, assets_dir: Path, astronaut: np.ndarray
) -> None:
    with FaceLandmarker(assets_dir / "face_landmarker" / "face_landmarker.task") as marks:
        model = build_face_model(astronaut, marks, size=256)
    motion = MotionSequence(sweep().motion.values[:40], fps=25.0)
    rate = 16000
    t = np.arange(int(2.5 * rate)) / rate  # longer than the motion: cut to it
    audio = AudioTrack((0.2 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), rate)
    progress = []
    info = render_clip(
        model, motion, tmp_path / "clip.mp4", audio=audio, on_frame=lambda d, n: progress.append(d)
    )
    assert progress[-1] == 40 and len(progress) == 40
    decoded = probe(tmp_path / "clip.mp4")
    assert decoded.frames == 40 and (decoded.width, decoded.height) == (256, 256)
    assert decoded.audio_duration_s is not None
    assert abs(decoded.audio_duration_s - decoded.video_duration_s) <= 1 / 25
    assert info.frames == decoded.frames


def test_frames_are_streamed_in_batches(assets_dir: Path, astronaut: np.ndarray) -> None:
    from generator.render.renderer import Renderer

    with FaceLandmarker(assets_dir / "face_landmarker" / "face_landmarker.task") as marks:
        model = build_face_model(astronaut, marks, size=256)
    renderer = Renderer(model, batch_size=8)
    frames = renderer.frames(MotionSequence.neutral(20))
    first = next(frames)
    assert first.shape == (256, 256, 3)
    assert sum(1 for _ in frames) == 19
    with pytest.raises(StopIteration):
        next(frames)
