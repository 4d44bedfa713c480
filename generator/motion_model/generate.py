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

from generator.controls import Controls
from generator.errors import GeneratorError
from generator.io import AudioTrack
from generator.motion import DEFAULT_FPS, LIMITS, MOTION_AXES, MotionSequence
from generator.motion_model.card import load_card
from generator.motion_model.config import DEFAULT_CARD
from generator.motion_model.diffusion import Sampler
from generator.motion_model.model import MotionDiT
from generator.speech.features import SpeechEncoder

#: Guidance per condition used unless the caller says otherwise (chosen on held-out voices).
DEFAULT_GUIDANCE: dict[str, float] = {"audio": 0.5}
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
        guidance: Mapping[str, float] | None = None,
        version: str = "MotionDiT",
    ) -> None:
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
        """Motion frames ``(n, 24)`` window by window, ``ceil(duration · 25)`` frames in all.

        Raises:
            GeneratorError: the audio is empty, longer than 10 minutes, or not 16 kHz.
        """
        if audio.duration_s > MAX_SPEECH_S:
            raise GeneratorError(
                f"the speech is {audio.duration_s / 60:.1f} minutes long; at most "
                f"{MAX_SPEECH_S / 60:.0f} minutes can be animated at once"
            )
        features = self.encoder.features(audio, DEFAULT_FPS)
        vector = (controls or Controls()).vector()
        with torch.inference_mode():
            for window in self.sampler.stream(features, vector, seed=seed):
                yield np.clip(window, _LOW, _HIGH)

    def motion(
        self, audio: AudioTrack, controls: Controls | None = None, *, seed: int = 0
    ) -> MotionSequence:
        """The whole motion sequence for ``audio`` at 25 frames per second."""
        windows = list(self.stream(audio, controls, seed=seed))
        return MotionSequence(np.concatenate(windows), DEFAULT_FPS)
