"""The motion space: one vector per frame, the contract between motion model and renderer.

A frame's motion is 16 expression coefficients over an authored basis on the face mesh (see
``generator.render.basis`` and ``docs/motion-space.md``), the gaze of the irises, the head's
rotation and translation, and its distance from the camera as a scale::

    motion = MotionSequence.neutral(50)                  # 2 s of stillness at 25 fps
    motion.values[:, motion.index("jaw_open")] = 0.5     # half open throughout
    motion.save("motion.npz")

Units: expression coefficients run from 0 (neutral) to 1 (the mode at full strength); gaze
and rotation are degrees (positive yaw turns towards the image's right, positive pitch looks
up, positive roll tilts clockwise as seen); translation is a share of the frame's side
(positive x right, positive y down); scale 1 is the portrait's own distance.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generator.errors import GeneratorError

#: The expression basis, in vector order. "left"/"right" are the subject's own sides.
EXPRESSION_MODES: tuple[str, ...] = (
    "jaw_open",
    "lip_pucker",
    "lip_spread",
    "lip_press",
    "upper_lip_raise",
    "lower_lip_depress",
    "smile_left",
    "smile_right",
    "frown_left",
    "frown_right",
    "brow_raise",
    "brow_lower",
    "blink_left",
    "blink_right",
    "eye_widen",
    "cheek_raise",
)
#: The modes speech moves: the jaw and lips, the first six expression modes.
MOUTH_MODES: tuple[str, ...] = EXPRESSION_MODES[:6]
#: Gaze, head pose and distance, after the expression modes.
POSE_AXES: tuple[str, ...] = (
    "gaze_yaw",
    "gaze_pitch",
    "head_yaw",
    "head_pitch",
    "head_roll",
    "head_x",
    "head_y",
    "head_scale",
)
#: Every component of a motion vector, in order.
MOTION_AXES: tuple[str, ...] = EXPRESSION_MODES + POSE_AXES
#: The neutral motion vector: expression 0, gaze and pose 0, scale 1.
NEUTRAL = np.array([0.0] * (len(MOTION_AXES) - 1) + [1.0], dtype=np.float32)
#: The range the renderer honours on each axis; values outside are clamped to it.
LIMITS: dict[str, tuple[float, float]] = {
    **dict.fromkeys(EXPRESSION_MODES, (0.0, 1.0)),
    "gaze_yaw": (-30.0, 30.0),
    "gaze_pitch": (-20.0, 20.0),
    "head_yaw": (-30.0, 30.0),
    "head_pitch": (-20.0, 20.0),
    "head_roll": (-20.0, 20.0),
    "head_x": (-0.15, 0.15),
    "head_y": (-0.15, 0.15),
    "head_scale": (0.8, 1.25),
}
DEFAULT_FPS = 25.0
_FORMAT = "talkgate.motion/1"


class MotionError(GeneratorError):
    """A motion sequence or motion file is malformed."""

    hint = "Make motion files with talkgate (MotionSequence.save) or `talkgate animate --sweep`."


@dataclass(frozen=True)
class MotionFrame:
    """One frame's motion, by meaning."""

    expression: dict[str, float]
    gaze: tuple[float, float]
    rotation: tuple[float, float, float]
    translation: tuple[float, float]
    scale: float


@dataclass
class MotionSequence:
    """Motion vectors at a frame rate.

    Attributes:
        values: ``(T, 24)`` float32, columns in :data:`MOTION_AXES` order.
        fps: frames per second.
    """

    values: np.ndarray
    fps: float = DEFAULT_FPS

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float32)
        if self.values.ndim != 2 or self.values.shape[1] != len(MOTION_AXES):
            raise MotionError(
                f"motion must be (frames, {len(MOTION_AXES)}), got {self.values.shape}"
            )
        if not np.isfinite(self.values).all():
            raise MotionError("motion holds NaN or infinite values")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise MotionError(f"frame rate must be positive, got {self.fps}")

    @classmethod
    def neutral(cls, frames: int, fps: float = DEFAULT_FPS) -> MotionSequence:
        """``frames`` frames of the portrait as it is."""
        return cls(np.tile(NEUTRAL, (frames, 1)), fps)

    @classmethod
    def still(cls, frames: int = 1, fps: float = DEFAULT_FPS, **axes: float) -> MotionSequence:
        """``frames`` identical frames: neutral except the named axes, e.g.
        ``MotionSequence.still(jaw_open=0.5, head_yaw=10)``."""
        motion = cls.neutral(frames, fps)
        for axis, value in axes.items():
            motion.values[:, cls.index(axis)] = value
        return motion

    @staticmethod
    def index(axis: str) -> int:
        """The column of a named axis."""
        try:
            return MOTION_AXES.index(axis)
        except ValueError:
            raise MotionError(f"no motion axis named {axis!r}") from None

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[MotionFrame]:
        return (self.frame(i) for i in range(len(self)))

    def frame(self, i: int) -> MotionFrame:
        """Frame ``i`` by meaning."""
        v = [float(x) for x in self.values[i]]
        k = len(EXPRESSION_MODES)
        return MotionFrame(
            expression=dict(zip(EXPRESSION_MODES, v[:k], strict=True)),
            gaze=(v[k], v[k + 1]),
            rotation=(v[k + 2], v[k + 3], v[k + 4]),
            translation=(v[k + 5], v[k + 6]),
            scale=v[k + 7],
        )

    def clamped(self) -> np.ndarray:
        """The values clamped to :data:`LIMITS`, ``(T, 24)``."""
        low = np.array([LIMITS[a][0] for a in MOTION_AXES], np.float32)
        high = np.array([LIMITS[a][1] for a in MOTION_AXES], np.float32)
        return np.clip(self.values, low, high)

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self) / self.fps

    def save(self, path: str | Path) -> None:
        """Write an ``.npz`` that :meth:`load` reads (axis names included, so it self-checks)."""
        np.savez_compressed(
            path,
            format=np.array(_FORMAT),
            axes=np.array(MOTION_AXES),
            values=self.values,
            fps=np.float64(self.fps),
        )

    @classmethod
    def load(cls, path: str | Path) -> MotionSequence:
        """Read a motion ``.npz``.

        Raises:
            MotionError: the file is missing, not a motion file, or made for other axes.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                fmt, axes = str(data["format"]), tuple(str(a) for a in data["axes"])
                values, fps = data["values"], float(data["fps"])
        except (OSError, KeyError, ValueError) as exc:
            raise MotionError(f"{path} is not a talkgate motion file ({exc})") from exc
        if fmt != _FORMAT or axes != MOTION_AXES:
            raise MotionError(f"{path} was made for another motion space ({fmt})")
        return cls(values, fps)


@dataclass(frozen=True)
class Sweep:
    """A motion that exercises every axis in turn, with where each axis is exercised.

    Attributes:
        motion: the whole sweep.
        segments: ``(axis, start, stop)`` frame ranges, one per axis.
    """

    motion: MotionSequence
    segments: tuple[tuple[str, int, int], ...]


#: How far the sweep takes each pose axis (both ways, except scale around 1).
SWEEP_EXTENT: dict[str, float] = {
    "gaze_yaw": 20.0,
    "gaze_pitch": 12.0,
    "head_yaw": 20.0,
    "head_pitch": 12.0,
    "head_roll": 12.0,
    "head_x": 0.05,
    "head_y": 0.05,
    "head_scale": 0.1,
}


def sweep(fps: float = DEFAULT_FPS, seconds_per_axis: float = 1.2) -> Sweep:
    """Each expression mode ramped 0 → 1 → 0, then each pose axis out to +extent, to
    −extent and back, one after another from neutral."""
    n = max(4, round(seconds_per_axis * fps))
    rise = np.sin(np.linspace(0.0, np.pi, n)) ** 2  # 0 → 1 → 0, smooth
    swing = np.sin(np.linspace(0.0, 2 * np.pi, n))  # 0 → 1 → -1 → 0
    blocks, segments, start = [], [], 0
    for axis in MOTION_AXES:
        block = np.tile(NEUTRAL, (n, 1))
        column = MotionSequence.index(axis)
        if axis in SWEEP_EXTENT:
            block[:, column] += SWEEP_EXTENT[axis] * swing
        else:
            block[:, column] = rise
        blocks.append(block)
        segments.append((axis, start, start + n))
        start += n
    return Sweep(MotionSequence(np.concatenate(blocks), fps), tuple(segments))
