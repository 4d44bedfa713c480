"""The rule baseline: speech → phones (pocketsphinx) → mouth motion (viseme rules).

No learning: with the text, forced alignment gives the phones; without it, phone recognition
guesses them (Rhubarb Lip Sync works the same way). The motion model must beat this.
"""

from __future__ import annotations

from generator.controls import Controls
from generator.io import AudioTrack
from generator.motion import DEFAULT_FPS, MotionSequence
from generator.speech.align import Aligner
from generator.speech.targets import speech_targets


def rule_motion(
    audio: AudioTrack,
    text: str | None = None,
    *,
    fps: float = DEFAULT_FPS,
    seed: int = 0,
    aligner: Aligner | None = None,
    controls: Controls | None = None,
) -> MotionSequence:
    """Motion for ``audio``: the mouth from its phones, head, blinks and gaze from the
    authored rules (:mod:`generator.speech.targets`).

    Raises:
        GeneratorError: the audio is too short, or the text cannot be aligned to it.
    """
    aligner = aligner or Aligner()
    phones = aligner.align(audio, text) if text else aligner.recognise(audio)
    return speech_targets(phones, audio, fps, alphabet="arpabet", seed=seed, controls=controls)
