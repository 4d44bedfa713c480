"""Head motion and blinks read off a video with the face landmarker, and their statistics.

The same measurement serves real talking videos (what natural motion looks like) and the
generator's own clips (whether its motion looks like that), so the two compare like for like.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from generator import anatomy
from generator.face import FaceLandmarker, FaceLandmarks
from generator.render.basis import FaceFrame

#: Landmarks the mouth's reading is taken from: the inner lips' middles, the lower lip's
#: outer middle, and the nose bridge the heights are measured from.
_INNER_UPPER, _INNER_LOWER, _LOWER_LIP, _NOSE_BRIDGE = 13, 14, 17, 168


@dataclass(frozen=True)
class FaceTrack:
    """Per-frame readings of the (largest) face in a video; NaN where none was found.

    Attributes:
        fps: frames per second.
        pose: ``(T, 3)`` head yaw, pitch and roll in degrees.
        blink: ``(T,)`` eye closure, the mean of MediaPipe's two eyeBlink scores.
        mouth: ``(T, 3)`` the inner lips' gap, and how far below the nose bridge the lower
            lip and the chin sit, in the face's own axes and units (inter-iris distances).
    """

    fps: float
    pose: np.ndarray
    blink: np.ndarray
    mouth: np.ndarray

    @property
    def found(self) -> float:
        """Share of frames with a face."""
        return float(np.mean(~np.isnan(self.blink))) if len(self.blink) else 0.0


@dataclass(frozen=True)
class MotionStatistics:
    """How a head moves and blinks, in the units the motion targets use.

    Attributes:
        seconds: length measured.
        delta_p: mean per-frame head rotation change, degrees (the norm of the yaw, pitch,
            roll change between consecutive frames; VASA-1's ΔP).
        largest_jump: the largest such change, degrees.
        pose_std: spread of yaw, pitch, roll over the video, degrees.
        blinks_per_minute: blink rate.
        blink_ms: median blink duration, milliseconds (NaN without blinks).
        chin_share: how far the chin drops for each unit the lower lip drops as the mouth
            opens (regression slopes on the lips' gap; NaN if the mouth hardly moves). The
            renderer's jaw mode is shaped to what real faces show here.
    """

    seconds: float
    delta_p: float
    largest_jump: float
    pose_std: tuple[float, float, float]
    blinks_per_minute: float
    blink_ms: float
    chin_share: float


def track_faces(frames: Iterable[np.ndarray], landmarker: FaceLandmarker, fps: float) -> FaceTrack:
    """Read head pose, eye closure and the mouth from every frame (``(H, W, 3)`` uint8 RGB)."""
    pose, blink, mouth = [], [], []
    for frame in frames:
        faces = landmarker.detect(frame)
        if not faces:
            pose.append((np.nan, np.nan, np.nan))
            blink.append(np.nan)
            mouth.append((np.nan, np.nan, np.nan))
            continue
        face = faces[0]
        angles = face.head_pose
        pose.append((angles.yaw, angles.pitch, angles.roll))
        shapes = face.blendshapes
        blink.append((shapes["eyeBlinkLeft"] + shapes["eyeBlinkRight"]) / 2)
        mouth.append(_mouth(face))
    return FaceTrack(
        fps,
        np.array(pose, float).reshape(-1, 3),
        np.array(blink, float),
        np.array(mouth, float).reshape(-1, 3),
    )


def _mouth(face: FaceLandmarks) -> tuple[float, float, float]:
    """The lips' gap and the lower lip's and chin's heights below the nose bridge."""
    points = face.points.astype(np.float64)
    y = FaceFrame.of(points, face.rotation).to_face(points)[:, 1]
    return (
        float(y[_INNER_LOWER] - y[_INNER_UPPER]),
        float(y[_LOWER_LIP] - y[_NOSE_BRIDGE]),
        float(y[anatomy.CHIN] - y[_NOSE_BRIDGE]),
    )


def blink_spans(blink: np.ndarray) -> list[tuple[int, int]]:
    """Blinks as ``(first, last + 1)`` frame spans, found with hysteresis.

    MediaPipe's eyeBlink score sits at a person-specific resting level, so a blink is a rise
    well above that level: it starts above ``rest + 0.2`` (at least 0.3) and ends when the
    score falls back halfway to rest.
    """
    valid = blink[~np.isnan(blink)]
    if len(valid) == 0:
        return []
    rest = float(np.median(valid))
    high = max(0.3, rest + 0.2)
    low = (rest + high) / 2
    spans, start = [], None
    for index, value in enumerate(np.nan_to_num(blink, nan=rest)):
        if start is None and value > high:
            start = index
        elif start is not None and value < low:
            spans.append((start, index))
            start = None
    return spans


def motion_statistics(track: FaceTrack) -> MotionStatistics:
    """Head-motion and blink statistics of a track."""
    seconds = len(track.blink) / track.fps
    change = np.linalg.norm(np.diff(track.pose, axis=0), axis=1)
    change = change[~np.isnan(change)]
    spans = blink_spans(track.blink)
    durations = [(end - start) / track.fps * 1000 for start, end in spans]
    spread = np.nanstd(track.pose, axis=0)
    return MotionStatistics(
        seconds=seconds,
        delta_p=float(change.mean()) if len(change) else float("nan"),
        largest_jump=float(change.max()) if len(change) else float("nan"),
        pose_std=(float(spread[0]), float(spread[1]), float(spread[2])),
        blinks_per_minute=len(spans) / seconds * 60 if seconds else float("nan"),
        blink_ms=float(np.median(durations)) if durations else float("nan"),
        chin_share=_chin_share(track.mouth),
    )


def _chin_share(mouth: np.ndarray) -> float:
    """Slope of the chin's height over the slope of the lower lip's, both on the lips' gap."""
    rows = mouth[~np.isnan(mouth).any(axis=1)]
    if len(rows) < 3 or np.std(rows[:, 0]) < 0.01:
        return float("nan")
    lip = np.polyfit(rows[:, 0], rows[:, 1], 1)[0]
    chin = np.polyfit(rows[:, 0], rows[:, 2], 1)[0]
    return float(chin / lip)
