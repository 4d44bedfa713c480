"""Face analysis with the real MediaPipe model on real and generated portraits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest

from generator import (
    ExtremePose,
    FaceLandmarker,
    FaceTooSmall,
    HeadPose,
    MultipleFacesFound,
    NoFaceFound,
    draw_landmarks,
    require_animatable,
)
from tests.utils.media import noise_image


def test_astronaut_gives_478_landmarks_on_the_face(
    landmarker: FaceLandmarker, astronaut: np.ndarray
) -> None:
    face = landmarker.analyse(astronaut)
    assert face.points.shape == (478, 3)
    assert len(face.blendshapes) == 52
    assert face.rotation.shape == (3, 3)
    x0, y0, x1, y1 = face.bbox
    # The astronaut's face sits in the upper middle of the 512×512 portrait.
    assert 150 < x0 < x1 < 300 and 50 < y0 < y1 < 200
    assert face.blendshapes["mouthSmileLeft"] > 0.5  # she is smiling


def test_no_face_is_a_typed_error_with_advice(landmarker: FaceLandmarker) -> None:
    with pytest.raises(NoFaceFound) as caught:
        landmarker.analyse(noise_image(256))
    message = caught.value.diagnostics()
    assert "no face found in the 256x256 portrait" in message
    assert "one face is clearly visible" in message


def test_two_faces_need_a_choice(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    head = astronaut[20:240, 120:340]  # her head and shoulders, 220×220
    pair = np.ascontiguousarray(np.concatenate([head, head[:, ::-1]], axis=1))
    assert len(landmarker.detect(pair)) == 2
    with pytest.raises(MultipleFacesFound, match="found 2 faces"):
        landmarker.analyse(pair)


def test_overlay_draws_on_the_face_only(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    face = landmarker.analyse(astronaut)
    overlay = draw_landmarks(astronaut, face)
    changed = np.abs(overlay.astype(int) - astronaut.astype(int)).sum(axis=2) > 0
    x0, y0, x1, y1 = (int(v) for v in face.bbox)
    inside = changed[y0 - 3 : y1 + 3, x0 - 3 : x1 + 3]
    assert inside.mean() > 0.2
    assert changed.sum() == inside.sum()  # nothing drawn outside the face


def test_a_small_face_is_refused_with_its_size(
    landmarker: FaceLandmarker, astronaut: np.ndarray
) -> None:
    small = np.ascontiguousarray(cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA))
    with pytest.raises(FaceTooSmall, match=r"the face is \d+ px across; at least 96 needed"):
        landmarker.analyse(small)


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    y, p, r = np.radians([yaw, pitch, roll])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ ry @ rx


def test_head_pose_recovers_known_angles() -> None:
    pose = HeadPose.from_matrix(_rotation(yaw=25, pitch=-10, roll=5))
    assert (pose.yaw, pose.pitch, pose.roll) == pytest.approx((25, -10, 5), abs=1e-6)


def test_a_turned_head_is_refused(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    face = landmarker.analyse(astronaut)
    assert abs(face.head_pose.yaw) < 10  # she faces the camera
    turned = dataclasses.replace(face, rotation=_rotation(yaw=-40, pitch=0, roll=0))
    with pytest.raises(ExtremePose, match="turned 40°; at most 35° works"):
        require_animatable(turned)


def test_faces_small_in_a_large_group_photo_are_found_with_yunet(
    landmarker: FaceLandmarker, assets_dir: Path, astronaut: np.ndarray
) -> None:
    head = astronaut[20:300, 100:350]
    group = np.full((1400, 2000, 3), 120, np.uint8)
    for y, x in ((100, 150), (900, 900), (300, 1600)):
        group[y : y + 280, x : x + 250] = head
    assert landmarker.detect(group) == []  # MediaPipe alone looks at too small a picture
    with FaceLandmarker(
        assets_dir / "face_landmarker" / "face_landmarker.task",
        detector_path=assets_dir / "yunet" / "face_detection_yunet_2023mar_int8bq.onnx",
    ) as both:
        faces = both.detect(group)
        assert len(faces) == 3 and all(face.image_size == (2000, 1400) for face in faces)
        # Each face where its copy was pasted (the face sits at about (125, 105) in the head).
        expected = np.array([(275, 205), (1025, 1005), (1725, 405)])
        for face in faces:
            centre = face.points[:, :2].mean(0)
            assert np.linalg.norm(expected - centre, axis=1).min() < 30
        with pytest.raises(MultipleFacesFound, match="found 3 faces"):
            both.analyse(group)
        chosen = both.analyse(group, choose=2)
        assert 100 < chosen.size < 140


def test_small_faces_in_the_background_do_not_make_a_portrait_ambiguous(
    assets_dir: Path, astronaut: np.ndarray
) -> None:
    scene = np.full((1024, 1024, 3), 120, np.uint8)
    scene[200:712, 300:812] = astronaut  # the subject, face ~106 px tall
    small = cv2.resize(astronaut[20:300, 100:350], (125, 140), interpolation=cv2.INTER_AREA)
    scene[40:180, 40:165] = small  # a bystander, face ~50 px
    with FaceLandmarker(
        assets_dir / "face_landmarker" / "face_landmarker.task",
        detector_path=assets_dir / "yunet" / "face_detection_yunet_2023mar_int8bq.onnx",
    ) as both:
        assert len(both.detect(scene)) == 2
        subject = both.analyse(scene)
    assert subject.size > 96 and subject.bbox[0] > 300
