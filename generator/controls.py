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
from generator.motion import EXPRESSION_MODES

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
#: The ranges the motion model was trained over (and so the ones accepted), degrees and scale.
GAZE_YAW_RANGE = (-20.0, 20.0)
GAZE_PITCH_RANGE = (-12.0, 12.0)
DISTANCE_RANGE = (0.85, 1.2)
#: How strongly an emotion shows when the caller names one but no intensity.
DEFAULT_INTENSITY = 0.7
#: Length of :meth:`Controls.vector`.
CONTROL_SIZE = 3 + len(EMOTION_NAMES)


@dataclass(frozen=True)
class Controls:
    """Steering for the motion.

    Attributes:
        gaze: main gaze (yaw, pitch) in degrees, within ±20° and ±12°; positive yaw looks to
            the image's right, positive pitch up.
        distance: head scale, 1 = the portrait's own distance (0.85–1.2).
        emotion: one of :data:`EMOTION_NAMES`.
        intensity: how strongly the emotion shows, 0–1 (always 0 for "neutral").
    """

    gaze: tuple[float, float] = (0.0, 0.0)
    distance: float = 1.0
    emotion: str = "neutral"
    intensity: float = DEFAULT_INTENSITY

    def __post_init__(self) -> None:
        ranges = (("gaze yaw", GAZE_YAW_RANGE), ("gaze pitch", GAZE_PITCH_RANGE))
        for value, (name, (low, high)) in zip(self.gaze, ranges, strict=True):
            if not low <= value <= high:
                raise GeneratorError(f"{name} must be {low:g}° to {high:g}°, got {value:g}°")
        low, high = DISTANCE_RANGE
        if not low <= self.distance <= high:
            raise GeneratorError(f"distance must be {low:g}–{high:g}, got {self.distance:g}")
        if self.emotion not in EMOTIONS:
            raise GeneratorError(
                f"unknown emotion {self.emotion!r}; choose from {', '.join(EMOTION_NAMES)}"
            )
        if not 0.0 <= self.intensity <= 1.0:
            raise GeneratorError(f"emotion intensity must be 0–1, got {self.intensity:g}")
        if self.emotion == "neutral":  # one neutral face, whatever intensity was given
            object.__setattr__(self, "intensity", 0.0)

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
