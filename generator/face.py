"""Face analysis: MediaPipe FaceLandmarker on a portrait → 478 3-D landmarks, blendshapes, pose.

References:
    Kartynnik et al., "Real-time Facial Surface Geometry from Monocular Video on Mobile GPUs",
    2019 (the 468-point face mesh); Grishchenko et al., "Attention Mesh", 2020 (irises, 478).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generator.errors import (
    ExtremePose,
    FaceTooSmall,
    GeneratorError,
    MultipleFacesFound,
    NoFaceFound,
)
from generator.pose_fit import fit_rotation, read_canonical_face

#: Landmarks per face: the 468-point mesh plus 5 points per iris.
NUM_LANDMARKS = 478
#: Smallest usable face: the larger side of its landmark box, in pixels.
MIN_FACE_PX = 96.0
#: Largest usable head turn (|yaw|), in degrees.
MAX_YAW_DEG = 35.0


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees.

    ``R = Rz(roll) · Ry(yaw) · Rx(pitch)`` in MediaPipe's canonical face axes.
    """

    yaw: float
    pitch: float
    roll: float

    @classmethod
    def from_matrix(cls, rotation: np.ndarray) -> HeadPose:
        """Decompose a ``(3, 3)`` rotation; inverts :func:`rotation_matrices`."""
        r = np.asarray(rotation, dtype=np.float64)
        yaw = np.arcsin(np.clip(-r[2, 0], -1.0, 1.0))
        pitch = np.arctan2(r[2, 1], r[2, 2])
        roll = np.arctan2(r[1, 0], r[0, 0])
        return cls(*(float(np.degrees(angle)) for angle in (yaw, pitch, roll)))


def rotation_matrices(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """``Rz(roll) · Ry(yaw) · Rx(pitch)`` for arrays of angles in degrees → ``(N, 3, 3)``."""
    y, p, r = (np.radians(np.asarray(a, np.float64)) for a in (yaw, pitch, roll))
    one, nil = np.ones_like(y), np.zeros_like(y)
    rx = np.stack([one, nil, nil, nil, np.cos(p), -np.sin(p), nil, np.sin(p), np.cos(p)], -1)
    ry = np.stack([np.cos(y), nil, np.sin(y), nil, one, nil, -np.sin(y), nil, np.cos(y)], -1)
    rz = np.stack([np.cos(r), -np.sin(r), nil, np.sin(r), np.cos(r), nil, nil, nil, one], -1)
    return rz.reshape(-1, 3, 3) @ ry.reshape(-1, 3, 3) @ rx.reshape(-1, 3, 3)


@dataclass(frozen=True)
class FaceLandmarks:
    """One face found in an image.

    Attributes:
        points: ``(478, 3)`` float32; x and y in pixels of the analysed image, z in the same
            pixel scale as x (MediaPipe's relative depth, smaller is nearer the camera).
        blendshapes: the 52 ARKit-style blendshape scores in ``[0, 1]`` by name.
        rotation: ``(3, 3)`` head rotation, canonical face → camera in MediaPipe's axes,
            fitted to the landmarks' image positions (:func:`generator.pose_fit.fit_rotation`).
        image_size: ``(width, height)`` of the analysed image.
    """

    points: np.ndarray
    blendshapes: Mapping[str, float]
    rotation: np.ndarray
    image_size: tuple[int, int]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of the landmarks, in pixels."""
        x0, y0 = self.points[:, :2].min(axis=0)
        x1, y1 = self.points[:, :2].max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @property
    def width(self) -> float:
        """Width of the face across its landmarks, in pixels."""
        x0, _, x1, _ = self.bbox
        return x1 - x0

    @property
    def size(self) -> float:
        """The larger side of the landmark box, in pixels: how big the face is."""
        x0, y0, x1, y1 = self.bbox
        return max(x1 - x0, y1 - y0)

    @property
    def head_pose(self) -> HeadPose:
        """Yaw, pitch and roll of the head, in degrees."""
        return HeadPose.from_matrix(self.rotation)


def require_animatable(
    face: FaceLandmarks, *, min_face_px: float = MIN_FACE_PX, max_yaw_deg: float = MAX_YAW_DEG
) -> FaceLandmarks:
    """Refuse faces too small or too turned away to animate; returns the face otherwise.

    Raises:
        FaceTooSmall: the face is smaller than ``min_face_px`` across.
        ExtremePose: the head is turned more than ``max_yaw_deg``.
    """
    if face.size < min_face_px:
        raise FaceTooSmall(
            f"the face is {face.size:.0f} px across; at least {min_face_px:.0f} needed"
        )
    yaw = face.head_pose.yaw
    if abs(yaw) > max_yaw_deg:
        raise ExtremePose(f"the head is turned {abs(yaw):.0f}°; at most {max_yaw_deg:.0f}° works")
    return face


class FaceLandmarker:
    """MediaPipe's FaceLandmarker in image mode, loaded once and reused across portraits.

    Use it as a context manager (or call :meth:`close`): it holds a native graph.
    """

    def __init__(
        self, model_path: Path, *, max_faces: int = 8, detector_path: Path | None = None
    ) -> None:
        """Load the ``face_landmarker.task`` model (and YuNet, if given).

        Args:
            model_path: path to the verified ``face_landmarker.task`` asset.
            max_faces: the most faces reported by :meth:`detect`.
            detector_path: the YuNet face detector. MediaPipe's own detector looks at a
                downscaled image and misses faces that are small in a large photo (a group
                photo of 1920 px with 250-px faces); YuNet finds those, and each is then
                analysed in a crop around it.

        Raises:
            GeneratorError: a model file cannot be loaded.
        """
        self.max_faces = max_faces
        self._yunet = None
        if detector_path is not None:
            import cv2

            # OpenCV 5's new DNN engine warns about targets it ignores; nothing to act on.
            cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
            try:
                self._yunet = cv2.FaceDetectorYN.create(str(detector_path), "", (320, 320), 0.7)
            except cv2.error as exc:
                raise GeneratorError(f"cannot load the face detector {detector_path}") from exc
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.IMAGE,
            num_faces=max_faces,
            output_face_blendshapes=True,
        )
        try:
            with _native_stderr_silenced():
                self._landmarker = vision.FaceLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise GeneratorError(f"cannot load the face landmarker from {model_path}") from exc
        self._canonical_face = read_canonical_face(model_path)

    def detect(self, image: np.ndarray) -> list[FaceLandmarks]:
        """Find every face (up to ``max_faces``), largest first.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
        """
        faces = self._landmarks(image)
        for box in self._boxes(image):
            if len(faces) >= self.max_faces:
                break
            if not any(_inside(face, box) for face in faces):
                faces += self._landmarks_around(image, box)
        return sorted(faces, key=lambda face: face.width, reverse=True)

    def _landmarks(self, image: np.ndarray) -> list[FaceLandmarks]:
        """MediaPipe on the whole image."""
        import mediapipe as mp

        height, width = image.shape[:2]
        frame = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))
        with _native_stderr_silenced():
            result = self._landmarker.detect(frame)
        scale = np.array([width, height, width], dtype=np.float32)
        faces = []
        for landmarks, shapes in zip(result.face_landmarks, result.face_blendshapes, strict=True):
            points = np.array([(p.x, p.y, p.z) for p in landmarks], dtype=np.float32) * scale
            faces.append(
                FaceLandmarks(
                    points=points,
                    blendshapes={c.category_name: float(c.score) for c in shapes},
                    rotation=fit_rotation(points, self._canonical_face),
                    image_size=(width, height),
                )
            )
        return faces

    def _boxes(self, image: np.ndarray) -> list[tuple[float, float, float, float]]:
        """YuNet's face boxes ``(x, y, w, h)``, largest first (none without YuNet)."""
        if self._yunet is None:
            return []
        import cv2

        height, width = image.shape[:2]
        self._yunet.setInputSize((width, height))
        _, found = self._yunet.detect(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        boxes = [tuple(float(v) for v in row[:4]) for row in (found if found is not None else [])]
        return sorted(boxes, key=lambda b: b[2] * b[3], reverse=True)

    def _landmarks_around(
        self, image: np.ndarray, box: tuple[float, float, float, float]
    ) -> list[FaceLandmarks]:
        """MediaPipe on a square crop twice the box's size, mapped back to the image."""
        x, y, w, h = box
        side = 2.0 * max(w, h)
        height, width = image.shape[:2]
        x0 = int(max(0, x + w / 2 - side / 2))
        y0 = int(max(0, y + h / 2 - side / 2))
        x1, y1 = int(min(width, x0 + side)), int(min(height, y0 + side))
        found = self._landmarks(np.ascontiguousarray(image[y0:y1, x0:x1]))
        if not found:
            return []
        centre = np.array([x + w / 2 - x0, y + h / 2 - y0])
        face = min(found, key=lambda f: float(np.linalg.norm(f.points[:, :2].mean(0) - centre)))
        points = face.points.copy()
        points[:, :2] += np.array([x0, y0], dtype=np.float32)
        return [FaceLandmarks(points, face.blendshapes, face.rotation, image_size=(width, height))]

    def analyse(self, image: np.ndarray, *, choose: int | None = None) -> FaceLandmarks:
        """The one face of a portrait (or the chosen one), checked to be animatable.

        Faces too small to animate (people far behind the subject) do not count as "more
        than one face"; they cannot be the one meant.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
            choose: which face to take when there are several big enough to animate,
                counting from 0 by size, largest first; ``None`` requires exactly one.

        Raises:
            NoFaceFound: no face was found, or fewer than ``choose + 1``.
            MultipleFacesFound: more than one face was found and none was chosen.
            FaceTooSmall: see :func:`require_animatable`.
            ExtremePose: see :func:`require_animatable`.
        """
        faces = self.detect(image)
        if not faces:
            height, width = image.shape[:2]
            raise NoFaceFound(f"no face found in the {width}x{height} portrait")
        candidates = [face for face in faces if face.size >= MIN_FACE_PX] or faces[:1]
        if choose is None:
            if len(candidates) > 1:
                raise MultipleFacesFound(len(candidates))
            choose = 0
        if not 0 <= choose < len(candidates):
            raise NoFaceFound(
                f"face {choose} was chosen but the portrait has {len(candidates)} to choose from"
            )
        return require_animatable(candidates[choose])

    def close(self) -> None:
        """Release the native graph."""
        self._landmarker.close()

    def __enter__(self) -> FaceLandmarker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _inside(face: FaceLandmarks, box: tuple[float, float, float, float]) -> bool:
    """Whether a detector box's centre falls inside a face's landmark box."""
    x, y, w, h = box
    x0, y0, x1, y1 = face.bbox
    return x0 <= x + w / 2 <= x1 and y0 <= y + h / 2 <= y1


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Discard what native code writes to file descriptor 2 meanwhile.

    MediaPipe's C++ graph logs INFO/WARNING lines through glog before glog is initialised,
    so no flag or environment variable turns them off; failures still reach Python as
    exceptions.
    """
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
