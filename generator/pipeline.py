"""Portrait + motion (+ audio) → an MP4, frames streamed from the renderer to the encoder.

Memory stays bounded by one batch of frames however long the clip is::

    info = render_clip(model, MotionSequence.load("motion.npz"), "out.mp4", audio=speech)
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from generator.errors import GeneratorError
from generator.face_model import FaceModel
from generator.io import AudioTrack, ClipInfo, ClipWriter
from generator.motion import MotionSequence
from generator.render.renderer import Renderer


def resolve_device(name: str) -> str:
    """Check a torch device name (``cpu``, ``cuda``, ``cuda:1``) can be used here.

    Raises:
        GeneratorError: the device is unknown or absent on this machine.
    """
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise GeneratorError(f"unknown device {name!r}; use cpu or cuda") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise GeneratorError("no CUDA GPU is available here; use --device cpu")
    if device.type not in ("cpu", "cuda"):
        raise GeneratorError(f"device {name!r} is not supported; use cpu or cuda")
    return name


def render_clip(
    model: FaceModel,
    motion: MotionSequence,
    path: str | Path,
    *,
    audio: AudioTrack | None = None,
    device: str = "cpu",
    on_frame: Callable[[int, int], object] = lambda done, total: None,
    mark: Callable[[np.ndarray], np.ndarray] | None = None,
) -> ClipInfo:
    """Render ``motion`` on ``model`` into an H.264 + AAC MP4 at the motion's frame rate.

    The audio, if any, is cut to the motion's length. ``on_frame(done, total)`` is called
    after each frame is encoded, for progress. ``mark`` transforms each frame just before
    it is encoded: the caller's watermark (the generator itself knows none).

    Raises:
        GeneratorError: the device is unavailable; MediaError: the file cannot be written.
    """
    renderer = Renderer(model, device=resolve_device(device))
    if audio is not None:
        keep = round(motion.duration_s * audio.sample_rate)
        audio = AudioTrack(audio.samples[:keep], audio.sample_rate)
    fps = Fraction(motion.fps).limit_denominator(1001)
    with ClipWriter(path, fps=fps, audio=audio) as clip:
        for done, frame in enumerate(renderer.frames(motion), start=1):
            clip.write(frame if mark is None else mark(frame))
            on_frame(done, len(motion))
    return clip.info
