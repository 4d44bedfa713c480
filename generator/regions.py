"""Region masks of a framed face: where the lips, eyes, brows, head and neck are.

Lips, mouth, eyes, irises, brows and the face oval are polygons of the landmark mesh. Head
(with hair) and neck are geometric estimates from the face's proportions (an ellipse around
the skull, a column under the jaw): no segmentation model ships offline, and the renderer
only needs them as soft regions that move with the head.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import cv2
import numpy as np

from generator import anatomy

_SUBPIXEL_BITS = 4  # fillPoly's fixed-point precision: 1/16 px


@dataclass(frozen=True)
class RegionMasks:
    """Soft masks of one framed face, each ``(H, W)`` float32 in ``[0, 1]``."""

    lips: np.ndarray
    mouth_interior: np.ndarray
    eyes: np.ndarray
    irises: np.ndarray
    brows: np.ndarray
    face_oval: np.ndarray
    head: np.ndarray
    neck: np.ndarray
    background: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        """Masks by name, in a fixed order (for pictures and iteration)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def polygon_mask(shape: tuple[int, int], *polygons: np.ndarray) -> np.ndarray:
    """Anti-aliased fill of ``(N, 2)`` pixel polygons into an ``(H, W)`` float32 mask."""
    canvas = np.zeros(shape, np.uint8)
    scaled = [
        np.round(np.asarray(p)[:, :2] * (1 << _SUBPIXEL_BITS)).astype(np.int32) for p in polygons
    ]
    cv2.fillPoly(canvas, scaled, 255, lineType=cv2.LINE_AA, shift=_SUBPIXEL_BITS)
    return canvas.astype(np.float32) / 255.0


def outline(points: np.ndarray, upper: tuple[int, ...], lower: tuple[int, ...]) -> np.ndarray:
    """The closed outline of two polylines that share their end points."""
    return np.concatenate([points[list(upper)], points[list(lower[-2:0:-1])]])


def iris_circle(points: np.ndarray, iris: tuple[int, ...]) -> tuple[np.ndarray, float]:
    """An iris's centre ``(2,)`` and radius, from its centre and four rim landmarks."""
    centre = points[iris[0], :2]
    radius = float(np.linalg.norm(points[list(iris[1:]), :2] - centre, axis=1).mean())
    return centre, radius


def head_ellipse(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float], float]:
    """The skull-and-hair ellipse as OpenCV's ``((cx, cy), (width, height), angle_deg)``."""
    chin, forehead = points[anatomy.CHIN, :2], points[anatomy.FOREHEAD, :2]
    axis = chin - forehead
    face_height = float(np.linalg.norm(axis))
    up = -axis / face_height
    oval = points[list(anatomy.FACE_OVAL), :2]
    across = np.array([-up[1], up[0]])
    face_width = float(np.ptp(oval @ across))
    top = forehead + up * 0.35 * face_height
    centre = (top + chin) / 2
    angle = float(np.degrees(np.arctan2(across[1], across[0])))
    return (
        (float(centre[0]), float(centre[1])),
        (1.2 * face_width, 1.35 * face_height),
        angle,
    )


def region_masks(points: np.ndarray, size: tuple[int, int]) -> RegionMasks:
    """Masks of every region of a face in an image of ``size`` = ``(width, height)``.

    Args:
        points: ``(478, 3)`` landmarks in pixels of that image.
    """
    shape = (size[1], size[0])
    lip_outer = outline(points, anatomy.LIP_OUTER_UPPER, anatomy.LIP_OUTER_LOWER)
    lip_inner = outline(points, anatomy.LIP_INNER_UPPER, anatomy.LIP_INNER_LOWER)
    mouth_interior = polygon_mask(shape, lip_inner)
    eye_outlines = [
        outline(points, anatomy.RIGHT_EYE_UPPER, anatomy.RIGHT_EYE_LOWER),
        outline(points, anatomy.LEFT_EYE_UPPER, anatomy.LEFT_EYE_LOWER),
    ]
    eyes = polygon_mask(shape, *eye_outlines)
    irises = np.zeros(shape, np.uint8)
    for iris in (anatomy.RIGHT_IRIS, anatomy.LEFT_IRIS):
        centre, radius = iris_circle(points, iris)
        cv2.circle(
            irises,
            tuple(np.round(centre * 16).astype(int)),
            round(radius * 16),
            255,
            -1,
            cv2.LINE_AA,
            _SUBPIXEL_BITS,
        )
    face_oval = polygon_mask(shape, points[list(anatomy.FACE_OVAL)])
    skull = np.zeros(shape, np.uint8)
    cv2.ellipse(skull, head_ellipse(points), 255, -1, cv2.LINE_AA)
    head = np.maximum(face_oval, skull.astype(np.float32) / 255.0)
    neck = polygon_mask(shape, _neck_outline(points))
    neck = np.clip(neck - head, 0.0, 1.0)
    return RegionMasks(
        lips=np.clip(polygon_mask(shape, lip_outer) - mouth_interior, 0.0, 1.0),
        mouth_interior=mouth_interior,
        eyes=eyes,
        irises=np.minimum(irises.astype(np.float32) / 255.0, eyes),
        brows=polygon_mask(
            shape, points[list(anatomy.RIGHT_BROW)], points[list(anatomy.LEFT_BROW)]
        ),
        face_oval=face_oval,
        head=head,
        neck=neck,
        background=np.clip(1.0 - head - neck, 0.0, 1.0),
    )


def _neck_outline(points: np.ndarray) -> np.ndarray:
    """A column under the jaw, two thirds of the jaw's width, half a face's height long."""
    jaw_right, jaw_left = points[172, :2], points[397, :2]
    chin, forehead = points[anatomy.CHIN, :2], points[anatomy.FOREHEAD, :2]
    middle = (jaw_right + jaw_left) / 2
    half = (jaw_left - jaw_right) / 3
    bottom = chin + (chin - forehead) * 0.5
    return np.array([middle - half, middle + half, bottom + half, bottom - half])
