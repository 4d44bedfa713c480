"""Portrait + speech → frames, and portrait + motion (+ audio) → an MP4, streamed.

Memory stays bounded by one batch of frames however long the clip is::

    frames = generate(model, read_audio("speech.wav"), speaker, Controls(emotion="happy"))
    info = render_clip(model, MotionSequence.load("motion.npz"), "out.mp4", audio=speech)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from itertools import chain
from pathlib import Path

import numpy as np
import torch

from generator.controls import Controls
from generator.errors import GeneratorError
from generator.face_model import FaceModel
from generator.io import AudioTrack, ClipInfo, ClipWriter
from generator.motion import DEFAULT_FPS, MotionSequence
from generator.motion_model.generate import MotionGenerator
from generator.render.renderer import Renderer
from generator.runtime import torch_threads


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
    on the caller's thread after each batch of frames is encoded, for progress. ``mark``
    transforms each frame just before it is encoded: the caller's watermark (the generator
    itself knows none).

    Raises:
        GeneratorError: the device is unavailable; MediaError: the file cannot be written.
    """
    renderer = Renderer(model, device=resolve_device(device))
    if audio is not None:
        keep = round(motion.duration_s * audio.sample_rate)
        audio = AudioTrack(audio.samples[:keep], audio.sample_rate)
    fps = Fraction(motion.fps).limit_denominator(1001)

    def write(batch: np.ndarray) -> int:
        for frame in batch:
            clip.write(frame if mark is None else mark(frame))
        return len(batch)

    # Marking and encoding a batch (in a thread: both release the GIL) overlaps rendering
    # the next one, which leaves that thread a core; one batch waits at most, so memory
    # stays bounded.
    with (
        ClipWriter(path, fps=fps, audio=audio) as clip,
        ThreadPoolExecutor(1) as encoder,
        torch_threads(max(1, torch.get_num_threads() - 1)),
    ):
        writing: Future[int] | None = None
        done = 0
        for batch in chain(renderer.batches(motion), [None]):
            if writing is not None:
                done += writing.result()
                on_frame(done, len(motion))
            writing = None if batch is None else encoder.submit(write, batch)
    return clip.info


def generate(
    model: FaceModel,
    audio: AudioTrack,
    speaker: MotionGenerator,
    controls: Controls | None = None,
    *,
    seed: int = 0,
    device: str = "cpu",
) -> Iterator[np.ndarray]:
    """Portrait + speech + controls → ``(size, size, 3)`` uint8 frames at 25 fps, streamed:
    each motion window (2 s) is rendered as soon as it is sampled, so the first frames come
    out while the rest of the speech is still being turned into motion.

    Raises:
        GeneratorError: the audio is empty, the device is unavailable.
    """
    renderer = Renderer(model, device=resolve_device(device))
    for window in speaker.stream(audio, controls, seed=seed):
        yield from renderer.frames(MotionSequence(window, DEFAULT_FPS))
