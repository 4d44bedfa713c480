"""The head pose fitted to the landmarks' image positions and MediaPipe's canonical face."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from generator import GeneratorError, HeadPose
from generator.face import rotation_matrices
from generator.pose_fit import MEDIAPIPE_TO_IMAGE, fit_rotation, read_canonical_face


@pytest.fixture(scope="module")
def canonical(assets_dir: Path) -> np.ndarray:
    return read_canonical_face(assets_dir / "face_landmarker" / "face_landmarker.task")


def test_the_canonical_face_comes_from_the_landmarker_bundle(canonical: np.ndarray) -> None:
    assert canonical.shape == (468, 3)
    width = np.ptp(canonical[:, 0])
    assert 12 < width < 18  # centimetres across a head
    assert np.argmin(canonical[:, 2]) in (1, 4)  # the nose tip is nearest the camera
    assert canonical[152, 1] > canonical[10, 1]  # image axes: the chin is below the forehead


@pytest.mark.parametrize(
    ("yaw", "pitch", "roll"), [(0, 0, 0), (20, -10, 5), (-30, 12, -8), (60, -10, 0)]
)
def test_the_fit_recovers_a_known_turn(
    canonical: np.ndarray, yaw: float, pitch: float, roll: float
) -> None:
    turn = rotation_matrices(np.array([yaw]), np.array([pitch]), np.array([roll]))[0]
    in_image = canonical @ (MEDIAPIPE_TO_IMAGE @ turn @ MEDIAPIPE_TO_IMAGE).T
    pixels = 12.0 * in_image[:, :2] + np.array([300.0, 200.0])  # seen from afar, 12 px/cm
    pose = HeadPose.from_matrix(fit_rotation(pixels, canonical))
    assert (pose.yaw, pose.pitch, pose.roll) == pytest.approx((yaw, pitch, roll), abs=0.3)


def test_a_bundle_without_the_canonical_face_is_a_clear_error(tmp_path: Path) -> None:
    bundle = tmp_path / "face_landmarker.task"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("face_landmarks_detector.tflite", b"\0")
    with pytest.raises(GeneratorError, match="no canonical face"):
        read_canonical_face(bundle)
