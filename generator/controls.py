"""What a caller may ask of generated motion: the main gaze, the head's distance, an emotion.

The motion model is conditioned on :meth:`Controls.vector`; the authored targets it learned
from apply the same controls (:func:`generator.speech.targets.apply_controls`), and an
emotion is a key-shape bias on the expression coefficients (:data:`EMOTIONS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from generator.errors import GeneratorError
from generator.motion import EXPRESSION_MODES, LIMITS

#: Emotion key-shape biases at full intensity, added to the expression coefficients.
EMOTIONS: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"smile_left": 0.6, "smile_right": 0.6, "cheek_raise": 0.45, "eye_widen": 0.1},
    "sad": {"frown_left": 0.55, "frown_right": 0.55, "brow_raise": 0.3, "lip_press": 0.1},
    "angry": {"brow_lower": 0.75, "lip_press": 0.25, "eye_widen": 0.25},
    "surprised": {"brow_raise": 0.75, "eye_widen": 0.6, "jaw_open": 0.08},
}
EMOTION_NAMES: tuple[str, ...] = tuple(EMOTIONS)
#: The emotions as a choice (command-line options, API form fields).
Emotion = StrEnum("Emotion", {name.upper(): name for name in EMOTION_NAMES})  # type: ignore[misc]
#: Length of :meth:`Controls.vector`.
CONTROL_SIZE = 3 + len(EMOTION_NAMES)


@dataclass(frozen=True)
class Controls:
    """Steering for the motion.

    Attributes:
        gaze: main gaze (yaw, pitch) in degrees; positive yaw looks to the image's right.
        distance: head scale, 1 = the portrait's own distance (0.8–1.25).
        emotion: one of :data:`EMOTION_NAMES`.
        intensity: how strongly the emotion shows, 0–1.
    """

    gaze: tuple[float, float] = (0.0, 0.0)
    distance: float = 1.0
    emotion: str = "neutral"
    intensity: float = 0.0

    def __post_init__(self) -> None:
        low, high = LIMITS["head_scale"]
        if not low <= self.distance <= high:
            raise GeneratorError(f"distance must be {low}–{high}, got {self.distance}")
        for value, axis in zip(self.gaze, ("gaze_yaw", "gaze_pitch"), strict=True):
            low, high = LIMITS[axis]
            if not low <= value <= high:
                raise GeneratorError(f"{axis} must be {low:g}° to {high:g}°, got {value:g}°")
        if self.emotion not in EMOTIONS:
            raise GeneratorError(
                f"unknown emotion {self.emotion!r}; choose from {', '.join(EMOTION_NAMES)}"
            )
        if not 0.0 <= self.intensity <= 1.0:
            raise GeneratorError(f"emotion intensity must be 0–1, got {self.intensity}")

    def vector(self) -> np.ndarray:
        """The model's condition ``(CONTROL_SIZE,)``: gaze yaw and pitch ÷ 20, (distance − 1)
        × 10, then the emotion's intensity one-hot over :data:`EMOTION_NAMES`."""
        emotion = np.zeros(len(EMOTION_NAMES), np.float32)
        emotion[EMOTION_NAMES.index(self.emotion)] = self.intensity
        head = [self.gaze[0] / 20.0, self.gaze[1] / 20.0, (self.distance - 1.0) * 10.0]
        return np.concatenate([np.array(head, np.float32), emotion])


def emotion_bias(controls: Controls) -> np.ndarray:
    """The ``(16,)`` expression offset of the controls' emotion."""
    bias = np.zeros(len(EXPRESSION_MODES), np.float32)
    for mode, value in EMOTIONS[controls.emotion].items():
        bias[EXPRESSION_MODES.index(mode)] = value * controls.intensity
    return bias
