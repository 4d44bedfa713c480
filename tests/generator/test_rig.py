"""Per-portrait preparation: where an open mouth's own teeth divide between skull and jaw."""

from __future__ import annotations

import numpy as np
import pytest

from generator import anatomy
from generator.face_model import FaceModel
from generator.render.rig import build_rig, teeth_split


def open_mouth(rows: dict[tuple[int, int], int]) -> tuple[np.ndarray, np.ndarray]:
    """A mouth opening from y = 100 (inner upper lip) to y = 120 (inner lower lip), painted
    with the grey level given for each span of rows; lips and skin around it mid-grey."""
    image = np.full((200, 200, 3), 120, np.uint8)
    for (top, bottom), grey in rows.items():
        image[top:bottom, 60:140] = grey
    points = np.zeros((478, 3))
    for upper, lower, x in zip(
        anatomy.LIP_INNER_UPPER, anatomy.LIP_INNER_LOWER, np.linspace(60, 140, 11), strict=True
    ):
        points[upper, :2] = (x, 100.0)
        points[lower, :2] = (x, 120.0)
    return image, points


def test_the_dark_line_between_two_rows_of_teeth_is_the_split() -> None:
    image, points = open_mouth({(100, 108): 230, (108, 111): 40, (111, 120): 225})
    assert teeth_split(image, points) == pytest.approx(0.45, abs=0.06)


def test_a_smile_showing_only_its_upper_teeth_keeps_them_all_on_the_skull() -> None:
    image, points = open_mouth({(100, 103): 150, (103, 118): 230, (118, 120): 170})
    assert teeth_split(image, points) == 1.0


def test_the_demo_portraits_smile_keeps_its_teeth_on_the_skull(astronaut_model: FaceModel) -> None:
    rig = build_rig(astronaut_model)
    assert rig.mouth_open and rig.teeth_split == 1.0
    assert rig.closed_mouth is not None and rig.closed_mouth.shape == (512, 512, 4)
