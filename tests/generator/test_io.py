"""Clip writing and audio reading through PyAV, checked by decoding what was written."""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from generator import (
    AudioTrack,
    ClipWriter,
    MediaError,
    probe,
    read_audio,
    read_frames,
    read_luma,
)


def _frames(count: int, width: int = 128, height: int = 96) -> list[np.ndarray]:
    """A bright bar sweeping over a smooth gradient: easy to compress, easy to compare."""
    ramp = np.linspace(40, 200, width, dtype=np.float32)[None, :, None]
    base = np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8)
    frames = []
    for index in range(count):
        frame = base.copy()
        x = (index * 4) % (width - 16)
        frame[:, x : x + 16] = (230, 60, 60)
        frames.append(frame)
    return frames


def _tone(seconds: float, rate: int = 16000) -> AudioTrack:
    t = np.arange(int(seconds * rate)) / rate
    return AudioTrack((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate)


def test_clip_has_every_frame_and_audio_in_step(tmp_path: Path) -> None:
    frames = _frames(30)
    with ClipWriter(tmp_path / "clip.mp4", fps=25, audio=_tone(1.2)) as clip:
        for frame in frames:
            clip.write(frame)
    info = clip.info
    assert (info.frames, info.width, info.height, info.fps) == (30, 128, 96, Fraction(25))
    assert info.audio_duration_s is not None
    assert abs(info.audio_duration_s - info.video_duration_s) <= 1 / 25
    with av.open(str(info.path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert audio.codec_context.name == "aac"
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    error = np.mean((first.astype(float) - frames[0].astype(float)) ** 2)
    assert 10 * np.log10(255**2 / error) > 35  # CRF 18: visually lossless


def test_luma_is_read_straight_from_the_stored_planes(tmp_path: Path) -> None:
    with ClipWriter(tmp_path / "clip.mp4", fps=25) as clip:
        for frame in _frames(12, width=130):  # odd chroma width: the plane is padded
            clip.write(frame)
    decoded = list(read_luma(clip.path))
    luma = [frame.luma for frame in decoded]
    rgb = list(read_frames(clip.path))
    assert len(luma) == 12 and luma[0].shape == (96, 130) and luma[0].dtype == np.uint8
    # x264 codes the first frame on its own and predicts the rest from it.
    assert [frame.intra for frame in decoded] == [True] + [False] * 11
    for y, frame in zip(luma, rgb, strict=True):
        grey = frame.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        # The stored Y is limited-range (16-235) luma of the same picture.
        assert np.corrcoef(y.ravel(), grey.ravel())[0, 1] > 0.99
    assert len(list(read_luma(clip.path, limit=5))) == 5


def test_clip_without_audio(tmp_path: Path) -> None:
    with ClipWriter(tmp_path / "silent.mp4") as clip:
        for frame in _frames(5):
            clip.write(frame)
    assert clip.info.frames == 5 and clip.info.audio_duration_s is None


def test_read_audio_resamples_to_16k_mono(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    t = np.arange(44100) / 44100
    left = (0.5 * np.sin(2 * np.pi * 300 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(np.stack([left, left], axis=1).tobytes())
    track = read_audio(path)
    assert track.sample_rate == 16000 and track.samples.ndim == 1
    assert track.duration_s == pytest.approx(1.0, abs=0.01)
    assert 0.3 < np.abs(track.samples).max() <= 1.0


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (np.zeros((96, 128), np.uint8), "must be \\(H, W, 3\\) uint8"),
        (np.zeros((96, 128, 3), np.float32), "must be \\(H, W, 3\\) uint8"),
        (np.zeros((95, 128, 3), np.uint8), "needs even frame sizes"),
    ],
)
def test_bad_frames_are_refused(tmp_path: Path, frame: np.ndarray, message: str) -> None:
    writer = ClipWriter(tmp_path / "bad.mp4")
    with pytest.raises(MediaError, match=message):
        writer.write(frame)


def test_a_frame_of_another_size_is_refused(tmp_path: Path) -> None:
    writer = ClipWriter(tmp_path / "sizes.mp4")
    writer.write(_frames(1)[0])
    with pytest.raises(MediaError, match="frame 1 is 64x96; the clip is 128x96"):
        writer.write(np.zeros((96, 64, 3), np.uint8))


def test_failures_leave_no_half_written_clip(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no frames were written"):
        ClipWriter(tmp_path / "empty.mp4").close()
    with pytest.raises(RuntimeError), ClipWriter(tmp_path / "broken.mp4") as clip:
        clip.write(_frames(1)[0])
        raise RuntimeError("renderer crashed")
    assert list(tmp_path.iterdir()) == []


def test_unreadable_media_is_a_media_error(tmp_path: Path) -> None:
    text = tmp_path / "speech.wav"
    text.write_text("not audio")
    with pytest.raises(MediaError, match="cannot read audio"):
        read_audio(text)
    with pytest.raises(MediaError, match="cannot read"):
        probe(text)
    with ClipWriter(tmp_path / "silent.mp4") as clip:
        clip.write(_frames(1)[0])
    with pytest.raises(MediaError, match="has no audio stream"):
        read_audio(tmp_path / "silent.mp4")
