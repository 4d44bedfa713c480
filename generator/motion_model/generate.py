"""Speech → motion with the trained MotionDiT: the learned half of ``generate``.

::

    speaker = MotionGenerator.from_card(encoder_dir=whisper_dir)
    motion = speaker.motion(read_audio("speech.wav"), Controls(emotion="happy", intensity=0.6))

Windows come out as soon as they are sampled (:meth:`MotionGenerator.stream`), so a renderer
can start on the first second while the rest is still being made.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

from generator.controls import Controls, emotion_bias
from generator.errors import GeneratorError, WeightsMismatch
from generator.io import AudioTrack
from generator.motion import (
    DEFAULT_FPS,
    EXPRESSION_MODES,
    LIMITS,
    MOTION_AXES,
    MOUTH_MODES,
    MotionSequence,
)
from generator.motion_model import blinks, wander
from generator.motion_model.card import load_card
from generator.motion_model.config import DEFAULT_CARD
from generator.motion_model.diffusion import OVERLAP, SCHEDULE_POWER, Sampler
from generator.motion_model.model import MotionDiT
from generator.speech.activity import HOLD_S, resting, voice_activity
from generator.speech.features import NO_SPEECH_THRESHOLD, SpeechEncoder


def _per_axis(weights: Mapping[str, float]) -> np.ndarray:
    """A guidance weight for each motion axis: ``weights`` where named, 0 elsewhere."""
    return np.array([weights.get(axis, 0.0) for axis in MOTION_AXES], np.float32)


#: Guidance per condition unless the caller says otherwise: the audio guides the face (the
#: 16 expression modes) at 0.25 and leaves gaze and head alone, where guidance only adds
#: jitter; the distance guides the head scale at 0.1, which the model otherwise pulls towards
#: 1 (worst error 2.2% → 1.1% over distances 0.85–1.2 on training recordings; 0.5 overshoots
#: by 5%). Chosen on validation speech; see docs/motion-model.md.
DEFAULT_GUIDANCE: dict[str, float | np.ndarray] = {
    "audio": _per_axis(dict.fromkeys(EXPRESSION_MODES, 0.25)),
    "distance": _per_axis({"head_scale": 0.1}),
}
#: The head's rotation, translation and scale are smoothed over time with this Gaussian
#: (frames): the sampler leaves frame-to-frame noise there (ΔP 0.50 °/frame against the
#: targets' 0.33, scale ±1.3%) that no head shows.
HEAD_SMOOTHING = 1.0
_HEAD = slice(MOTION_AXES.index("head_yaw"), MOTION_AXES.index("head_scale") + 1)
#: Frames on either side a finished frame depends on: scipy's Gaussian reaches 4 σ, and a
#: redrawn blink looks further.
_REACH = max(int(4 * HEAD_SMOOTHING), blinks.reach(DEFAULT_FPS))
#: The modes speech moves (the mouth's), which rest at the emotion's bias where no one speaks:
#: the model never heard silence or music (generator/speech/activity.py).
_SPEECH = [MOTION_AXES.index(mode) for mode in MOUTH_MODES]
#: Sampling steps unless the caller says otherwise.
DEFAULT_STEPS = 6
#: The longest speech taken: its features and motion stay small (10 min: ~25 MB).
MAX_SPEECH_S = 600.0
_LOW = np.array([LIMITS[a][0] for a in MOTION_AXES], np.float32)
_HIGH = np.array([LIMITS[a][1] for a in MOTION_AXES], np.float32)


class MotionGenerator:
    """A trained motion model plus the speech encoder it listens through."""

    def __init__(
        self,
        model: MotionDiT,
        encoder: SpeechEncoder,
        *,
        steps: int = DEFAULT_STEPS,
        guidance: Mapping[str, float | np.ndarray] | None = None,
        version: str = "MotionDiT",
    ) -> None:
        """Raises:
        WeightsMismatch: the model was trained on other speech features than ``encoder`` gives.
        """
        if model.config.audio_size != encoder.feature_size:
            raise WeightsMismatch(
                f"the motion model hears {model.config.audio_size} speech features a frame, "
                f"but the speech encoder gives {encoder.feature_size}"
            )
        self.sampler = Sampler(
            model, steps=steps, guidance=DEFAULT_GUIDANCE if guidance is None else guidance
        )
        self.encoder = encoder
        #: What drives the motion, for a clip's manifest (the model and its weights' digest).
        self.version = version

    @classmethod
    def from_card(
        cls, card: Path = DEFAULT_CARD, *, encoder_dir: Path, **options: object
    ) -> MotionGenerator:
        """Load the model a card describes and the Whisper encoder from ``encoder_dir``.

        Raises:
            WeightsMismatch: the weights are missing or altered, or the encoder is not the
                one the model was trained with.
            GeneratorError: the encoder cannot be loaded.
        """
        loaded = load_card(card, encoder_dir=encoder_dir)
        return cls(loaded.model, SpeechEncoder(encoder_dir), version=loaded.version, **options)  # type: ignore[arg-type]

    def stream(
        self, audio: AudioTrack, controls: Controls | None = None, *, seed: int = 0
    ) -> Iterator[np.ndarray]:
        """Motion frames ``(n, 24)`` window by window, ``ceil(duration · 25)`` frames in all;
        where no one speaks, the mouth rests at the emotion's shape; the head's slow wander
        (:mod:`generator.motion_model.wander`) is added.

        Raises:
            GeneratorError: the audio is empty, longer than 10 minutes, or not 16 kHz.
        """
        if audio.duration_s > MAX_SPEECH_S:
            raise GeneratorError(
                f"the speech is {audio.duration_s / 60:.1f} minutes long; at most "
                f"{MAX_SPEECH_S / 60:.0f} minutes can be animated at once"
            )
        controls = controls or Controls()
        heard = self.encoder.hear(audio, DEFAULT_FPS)
        features = heard.features
        voiced = voice_activity(audio, len(features), DEFAULT_FPS) & heard.speech
        rest = resting(voiced, DEFAULT_FPS)[:, None]
        at_rest = emotion_bias(controls)[_SPEECH]
        head_wander = wander.HeadWander(seed, DEFAULT_FPS)
        done = 0
        with torch.inference_mode():
            for window in finish(self.sampler.stream(features, controls.vector(), seed=seed)):
                easing = rest[done : done + len(window)]
                window[:, _SPEECH] += easing * (at_rest - window[:, _SPEECH])
                window[:, wander.COLUMNS] += head_wander.take(len(window))
                done += len(window)
                yield np.clip(window, _LOW, _HIGH)

    def motion(
        self, audio: AudioTrack, controls: Controls | None = None, *, seed: int = 0
    ) -> MotionSequence:
        """The whole motion sequence for ``audio`` at 25 frames per second."""
        windows = list(self.stream(audio, controls, seed=seed))
        return MotionSequence(np.concatenate(windows), DEFAULT_FPS)


def sampling_card(model: MotionDiT) -> dict[str, object]:
    """How :class:`MotionGenerator` samples by default, as the model card records it."""

    def guided(weights: float | np.ndarray) -> str:
        axes = [MOTION_AXES[i] for i in np.flatnonzero(np.broadcast_to(weights, _LOW.shape))]
        where = "the 16 expression modes" if axes == list(EXPRESSION_MODES) else ", ".join(axes)
        return f"{float(np.max(weights)):g} on {where}"

    config = model.config
    return {
        "steps": DEFAULT_STEPS,
        "schedule": f"t = 1 - u^{SCHEDULE_POWER:g}, u evenly from 0 to 1",
        "guidance": "; ".join(f"{c} {guided(w)}" for c, w in DEFAULT_GUIDANCE.items())
        + "; none elsewhere",
        "windows": f"{config.window} frames after a {config.prefix}-frame prefix, "
        f"cross-faded over {OVERLAP}",
        "head_smoothing_frames": HEAD_SMOOTHING,
        "blinks": f"each blink the model makes (closure past {blinks.BLINK_LEVEL}, peaks "
        f"{blinks.MERGE_S} s apart) redrawn with the targets' profile, "
        f"{blinks.SHORTEST_S}-{blinks.LONGEST_S} s",
        "head_wander": "a seeded critically damped random process added to "
        + ", ".join(f"{axis} ({spread:g}° spread)" for axis, spread in wander.SPREAD.items())
        + f", pace {wander.PACE:g} rad/s",
        "silence": f"the six speech modes eased to the emotion's shape beyond {HOLD_S} s from "
        f"speech (WebRTC VAD, and Whisper's no-speech probability < {NO_SPEECH_THRESHOLD} "
        "per 30-s window)",
        "defined_in": "generator/motion_model/generate.py, generator/motion_model/diffusion.py, "
        "generator/motion_model/blinks.py, generator/motion_model/wander.py",
    }


def finish(windows: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    """Sampled windows, finished across their seams: the head smoothed by
    :data:`HEAD_SMOOTHING` and the blinks redrawn (:mod:`generator.motion_model.blinks`).
    Streaming: the last few frames of each window wait for the next one, which they need.
    """
    context = np.zeros((0, len(MOTION_AXES)), np.float32)  # frames given out, for the filter
    pending = np.zeros((0, len(MOTION_AXES)), np.float32)  # frames not yet given out
    for window in windows:
        pending = np.concatenate([pending, window])
        if len(pending) <= _REACH:
            continue
        frames = np.concatenate([context, pending])
        yield _finished(frames)[len(context) : len(frames) - _REACH]
        context = frames[max(0, len(frames) - 2 * _REACH) : len(frames) - _REACH]
        pending = pending[len(pending) - _REACH :]
    if len(pending):
        frames = np.concatenate([context, pending])
        yield _finished(frames)[len(context) :]


def _finished(frames: np.ndarray) -> np.ndarray:
    out = blinks.redraw_blinks(frames, DEFAULT_FPS)
    out[:, _HEAD] = gaussian_filter1d(frames[:, _HEAD], HEAD_SMOOTHING, axis=0, mode="nearest")
    return out
