"""Face model: framing, masks and face choice on real portraits with the real landmarker."""

from __future__ import annotations

import numpy as np
import pytest

from generator import FaceLandmarker, MultipleFacesFound, NoFaceFound
from generator.face_model import FaceModel, build_face_model


@pytest.fixture(scope="module")
def model(astronaut_model: FaceModel) -> FaceModel:
    return astronaut_model


def test_framing_is_head_and_shoulders_at_the_asked_size(
    model: FaceModel, landmarker: FaceLandmarker, astronaut: np.ndarray
) -> None:
    assert model.image.shape == (512, 512, 3) and model.image.dtype == np.uint8
    x0, y0, x1, y1 = model.face.bbox
    # The face fills about 40% of the frame height, centred, above the middle.
    assert 0.35 < (y1 - y0) / 512 < 0.48
    assert abs((x0 + x1) / 2 - 256) < 20 and (y0 + y1) / 2 < 256
    small = build_face_model(astronaut, landmarker, size=256)
    assert small.image.shape == (256, 256, 3)
    assert small.face.size == pytest.approx(model.face.size / 2, rel=0.05)


def test_region_masks_sit_where_the_features_are(model: FaceModel) -> None:
    masks = model.masks.as_dict()
    assert set(masks) == {
        "lips", "mouth_interior", "eyes", "irises", "brows", "face_oval", "head", "neck",
        "background",
    }  # fmt: skip
    for name, mask in masks.items():
        assert mask.shape == (512, 512) and 0 <= mask.min() and mask.max() <= 1, name
    points = model.face.points
    mouth = np.round(points[[13, 14], :2].mean(0)).astype(int)
    assert model.masks.face_oval[mouth[1], mouth[0]] == 1.0
    iris = np.round(points[468, :2]).astype(int)
    assert model.masks.irises[iris[1], iris[0]] > 0.9 and model.masks.eyes[iris[1], iris[0]] > 0.9
    assert model.masks.irises.sum() < model.masks.eyes.sum() < model.masks.face_oval.sum()
    assert model.masks.background[5, 5] == 1.0 and model.masks.head[5, 5] == 0.0
    total = model.masks.head + model.masks.neck + model.masks.background
    assert np.allclose(total, 1.0, atol=1e-6)


def test_several_faces_need_a_choice(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    head = astronaut[20:240, 115:335]
    pair = np.concatenate([head, head[:, ::-1]], axis=1)
    with pytest.raises(MultipleFacesFound, match="found 2 faces"):
        build_face_model(pair, landmarker)
    chosen = build_face_model(pair, landmarker, choose=1)
    assert chosen.image.shape == (512, 512, 3)
    with pytest.raises(NoFaceFound, match="face 5 was chosen"):
        build_face_model(pair, landmarker, choose=5)


def test_a_face_near_the_border_is_framed_with_soft_padding(
    landmarker: FaceLandmarker, astronaut: np.ndarray
) -> None:
    tight = astronaut[40:270, 120:330]  # smaller than the head-and-shoulders crop
    model = build_face_model(tight, landmarker)
    assert model.framing.y0 < 0 or model.framing.x0 < 0
    assert model.image.shape == (512, 512, 3)
    # The padding is soft colour: no streaks of repeated edge pixels, no mirrored copy of
    # the face (which the landmarker would find as a second face).
    assert len(landmarker.detect(model.image)) == 1
    left = model.image[:, :20].astype(float)
    assert np.abs(np.diff(left, axis=0)).mean() < 1.0
