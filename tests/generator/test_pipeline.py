"""Portrait + motion + audio → MP4, decoded back to check what a player would get."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generator import AudioTrack, FaceLandmarker, MediaError, probe
from generator.face_model import FaceModel, build_face_model
from generator.motion import MotionSequence, sweep
from generator.pipeline import render_clip

SWEEP = MotionSequence(sweep().motion.values[:40], fps=25.0)


@pytest.fixture(scope="module")
def model(landmarker: FaceLandmarker, astronaut: np.ndarray) -> FaceModel:
    """The demo portrait at 256×256: small, so the clips are quick."""
    return build_face_model(astronaut, landmarker, size=256)


def test_a_clip_has_every_frame_and_its_audio(tmp_path: Path, model: FaceModel) -> None:
    rate = 16000
    t = np.arange(int(2.5 * rate)) / rate  # longer than the motion: cut to it
    audio = AudioTrack((0.2 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), rate)
    progress = []
    info = render_clip(
        model, SWEEP, tmp_path / "clip.mp4", audio=audio, on_frame=lambda d, n: progress.append(d)
    )
    assert progress == sorted(progress) and progress[-1] == 40  # after each encoded batch
    decoded = probe(tmp_path / "clip.mp4")
    assert decoded.frames == 40 and (decoded.width, decoded.height) == (256, 256)
    assert decoded.audio_duration_s is not None
    assert abs(decoded.audio_duration_s - decoded.video_duration_s) <= 1 / 25
    assert info.frames == decoded.frames


def test_a_failure_while_encoding_leaves_no_clip(tmp_path: Path, model: FaceModel) -> None:
    marked = []

    def mark(frame: np.ndarray) -> np.ndarray:  # fails halfway, on the encoding thread
        if len(marked) == 20:
            raise MediaError("the mark could not be applied")
        marked.append(frame)
        return frame

    with pytest.raises(MediaError, match="could not be applied"):
        render_clip(model, SWEEP, tmp_path / "clip.mp4", mark=mark)
    assert len(marked) == 20 and not (tmp_path / "clip.mp4").exists()


def test_frames_are_streamed_in_batches(model: FaceModel) -> None:
    from generator.render.renderer import Renderer

    renderer = Renderer(model, batch_size=8)
    frames = renderer.frames(MotionSequence.neutral(20))
    first = next(frames)
    assert first.shape == (256, 256, 3)
    assert sum(1 for _ in frames) == 19
    with pytest.raises(StopIteration):
        next(frames)


def test_generate_streams_frames_for_speech(assets_dir: Path, model: FaceModel) -> None:
    """Speech in, frames out as each 2-s motion window is rendered: the first frame comes
    when one window has been sampled, and as many frames as the speech lasts at 25 fps."""
    from generator.controls import Controls
    from generator.motion_model.generate import MotionGenerator
    from generator.pipeline import generate
    from generator.speech import Espeak
    from generator.speech.corpus import to_speech_rate

    speaker = MotionGenerator.from_card(encoder_dir=assets_dir / "whisper_tiny_en")
    sampled: list[int] = []
    stream = speaker.stream

    def counted(*args: object, **options: object):  # noqa: ANN202 - a spy on the real windows
        for window in stream(*args, **options):  # type: ignore[arg-type]
            sampled.append(len(window))
            yield window

    speaker.stream = counted  # type: ignore[method-assign]
    said = Espeak().speak(
        "Bob bought a map of the palace, and Pam paid for the boat.", voice="en-us+f2", rate=150
    )
    speech = to_speech_rate(said.audio.samples, said.audio.sample_rate)
    frames = generate(model, speech, speaker, Controls(emotion="happy", intensity=0.5), seed=2)
    first = next(frames)
    assert len(sampled) == 1  # one window sampled, the rest not yet
    made = [first, *frames]
    assert len(sampled) >= 2 and sum(sampled) == len(made)
    assert len(made) == int(np.ceil(speech.duration_s * 25))
    assert made[0].shape == (256, 256, 3) and made[0].dtype == np.uint8
    mouth = np.array([f[150:200, 100:156].astype(float).mean() for f in made])
    assert mouth.std() > 0.5  # the mouth region changes as the speech goes on
