"""The authored expression basis: what each expression mode does to the face mesh.

Each mode is a displacement of the 478 landmarks, written in a face-aligned frame (x to the
image's right, y down, z away from the camera, unit = the distance between the irises) so the
same rules fit every face, then turned into the portrait's pose and pixel scale. A frame's
expression is the coefficient-weighted sum of the modes, a single matrix product.

Anatomy the rules follow: the jaw drops the lower lip and chin while the upper lip stays with
the skull, less and less towards the hinge in front of the ears; lips pucker towards
the mouth's centre and forward; a smile pulls a corner out and up; a blink brings the upper lid
down to the lower one (the lower lid rises a little to meet it); brows lift or lower with the
forehead skin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator import anatomy
from generator.motion import EXPRESSION_MODES
from generator.pose_fit import MEDIAPIPE_TO_IMAGE

#: How far the lower lip drops at jaw_open = 1, in face units (a wide-open mouth).
JAW_DROP = 0.36
#: How far the chin drops for the lower lip's drop, and over what distance below the lip the
#: drop eases to it (face units). Real faces tracked by the landmarker drop the chin 0.44–0.52
#: of the lower lip's travel as the mouth opens (``talkgate bench motion-stats``); a bigger
#: share reads to it as the head nodding (``docs/renderer.md``, "Known limits").
CHIN_SHARE = 0.4
LIP_TO_CHIN = 0.45
#: Beyond the mouth's corners the jaw's drop fades to nothing over this distance (face
#: units): the jawline by the ears stays still in real speech.
HINGE_REACH = 0.5
#: Eyeball radius over iris radius (12 mm over 5.85 mm), for moving irises by gaze angles.
EYEBALL_PER_IRIS = 2.05


@dataclass(frozen=True)
class FaceFrame:
    """A face-aligned frame: ``image = centre + unit · face @ rotation.T``.

    Attributes:
        rotation: ``(3, 3)`` face axes → image axes.
        centre: ``(3,)`` the mesh's centroid, in image pixels.
        unit: pixels per face unit (the inter-iris distance).
    """

    rotation: np.ndarray
    centre: np.ndarray
    unit: float

    @classmethod
    def of(cls, points: np.ndarray, head_rotation: np.ndarray) -> FaceFrame:
        """The frame of a face from its landmarks and its head rotation (MediaPipe's axes)."""
        rotation = MEDIAPIPE_TO_IMAGE @ np.asarray(head_rotation, np.float64) @ MEDIAPIPE_TO_IMAGE
        centre = points[: anatomy.MESH_POINTS].astype(np.float64).mean(axis=0)
        unit = float(np.linalg.norm(points[anatomy.LEFT_IRIS[0]] - points[anatomy.RIGHT_IRIS[0]]))
        return cls(rotation=rotation, centre=centre, unit=unit)

    def to_face(self, points: np.ndarray) -> np.ndarray:
        """Image-pixel points ``(N, 3)`` → face coordinates."""
        return (points - self.centre) @ self.rotation / self.unit

    def vectors_to_image(self, vectors: np.ndarray) -> np.ndarray:
        """Face-unit displacements ``(..., 3)`` → image-pixel displacements."""
        return self.unit * vectors @ self.rotation.T


def _smoothstep(x: np.ndarray, edge0: float, edge1: float) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _curve(q: np.ndarray, indices: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A polyline's x and y, sorted by x, for ``np.interp``."""
    xy = q[list(indices), :2]
    order = np.argsort(xy[:, 0])
    return xy[order, 0], xy[order, 1]


def _lid_weights(
    q: np.ndarray, upper_ids: tuple[int, ...], lower_ids: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How much each point moves with one eye's upper and with its lower lid (1 on the lid,
    less and less on the skin above or below, 0 beyond the corners), and where it lies
    between the corners (0 → 1)."""
    x, y = q[:, 0], q[:, 1]
    cx, cy = _curve(q, upper_ids)
    fx, fy = _curve(q, lower_ids)
    inside = ((x > cx[0]) & (x < cx[-1])).astype(float)
    above = np.interp(x, cx, cy) - y
    below = y - np.interp(x, fx, fy)
    upper_w = np.where(above >= -0.01, 1.0 - _smoothstep(above, 0.05, 0.3), 0.0) * inside
    lower_w = np.where(below >= -0.01, 1.0 - _smoothstep(below, 0.05, 0.3), 0.0) * inside
    along = np.clip((x - cx[0]) / (cx[-1] - cx[0]), 0.0, 1.0)
    return upper_w, lower_w, along


def _lid_shift(
    q: np.ndarray,
    upper_ids: tuple[int, ...],
    lower_ids: tuple[int, ...],
    up: float,
    down: float,
) -> np.ndarray:
    """Move one eye's upper lid up by ``up`` and lower lid down by ``down`` (face units),
    with the skin above and below following less and less."""
    upper_w, lower_w, _ = _lid_weights(q, upper_ids, lower_ids)
    shift = np.zeros((len(q), 3))
    shift[:, 1] = -up * upper_w + down * lower_w
    shift[anatomy.MESH_POINTS :] = 0.0
    return shift


def _lid_slide(
    q: np.ndarray,
    upper_ids: tuple[int, ...],
    lower_ids: tuple[int, ...],
    upper: float,
    lower: float,
) -> np.ndarray:
    """Slide one eye's lids towards the image's right, the upper by ``upper`` and the lower
    by ``lower`` (face units) at the eye's middle, less towards its corners, which stay."""
    upper_w, lower_w, along = _lid_weights(q, upper_ids, lower_ids)
    shift = np.zeros((len(q), 3))
    shift[:, 0] = (upper * upper_w + lower * lower_w) * np.sin(np.pi * along)
    shift[anatomy.MESH_POINTS :] = 0.0
    return shift


#: How far each lid follows the iris when the eyes look up or down (upper, lower).
LID_FOLLOWS_GAZE = (0.9, 0.4)
#: How far each lid's middle follows the iris when the eyes look aside (upper, lower): the
#: cornea's bulge carries the lid's peak along with it.
LID_FOLLOWS_GAZE_ASIDE = (0.3, 0.15)

_BOTH_EYES = (
    (anatomy.RIGHT_EYE_UPPER, anatomy.RIGHT_EYE_LOWER),
    (anatomy.LEFT_EYE_UPPER, anatomy.LEFT_EYE_LOWER),
)


def gaze_lid_basis(points: np.ndarray, frame: FaceFrame) -> np.ndarray:
    """Lid displacement per face unit of iris travel towards the image's right and
    downwards, ``(2, 478, 3)`` image pixels per face unit: the lids ride with the eyeball, so
    looking down lowers the upper lid and looking aside carries the lids' middles along."""
    q = frame.to_face(points.astype(np.float64))
    aside_upper, aside_lower = LID_FOLLOWS_GAZE_ASIDE
    upper, lower = LID_FOLLOWS_GAZE
    aside = sum(_lid_slide(q, *eye, upper=aside_upper, lower=aside_lower) for eye in _BOTH_EYES)
    down = sum(_lid_shift(q, *eye, up=-upper, down=lower) for eye in _BOTH_EYES)
    return frame.vectors_to_image(np.stack([aside, down])).astype(np.float32)


def expression_basis(points: np.ndarray, frame: FaceFrame) -> np.ndarray:
    """The expression modes as landmark displacements of one face.

    Args:
        points: ``(478, 3)`` neutral landmarks, in image pixels.
        frame: the face's frame (:meth:`FaceFrame.of`).

    Returns:
        ``(len(EXPRESSION_MODES), 478, 3)`` float32 displacements in image pixels.
    """
    q = frame.to_face(points.astype(np.float64))
    modes = _face_modes(q)
    return np.stack([frame.vectors_to_image(modes[name]) for name in EXPRESSION_MODES]).astype(
        np.float32
    )


def _face_modes(q: np.ndarray) -> dict[str, np.ndarray]:
    """Every mode's displacement in face units, ``(478, 3)`` each."""
    n = len(q)
    x, y = q[:, 0], q[:, 1]

    # --- the mouth -------------------------------------------------------------------------
    right_corner, left_corner = q[anatomy.LIP_OUTER_UPPER[0]], q[anatomy.LIP_OUTER_UPPER[-1]]
    mouth_centre = (
        q[list(anatomy.LIP_INNER_UPPER)].mean(0) + q[list(anatomy.LIP_INNER_LOWER)].mean(0)
    ) / 2
    half_width = float(np.linalg.norm(left_corner[:2] - right_corner[:2]) / 2)
    ux, uy = _curve(q, anatomy.LIP_INNER_UPPER)
    lx, ly = _curve(q, anatomy.LIP_INNER_LOWER)
    line = (np.interp(x, ux, uy) + np.interp(x, lx, ly)) / 2  # the lips' meeting line
    below_line = y - line
    dx = x - mouth_centre[0]
    lateral = np.maximum(np.abs(dx) - half_width, 0.0)
    # Which side of the lips each point is on: sharp along the lip line (the lips part),
    # widening beyond the corners towards the ears.
    band = 0.015 + 2.0 * lateral
    below = _smoothstep(below_line + 0.5 * lateral, -band, band)
    below[list(anatomy.LIP_INNER_LOWER[1:-1] + anatomy.LIP_OUTER_LOWER[1:-1])] = 1.0
    below[list(anatomy.LIP_INNER_UPPER[1:-1] + anatomy.LIP_OUTER_UPPER[1:-1])] = 0.0
    # Near the lips the opening is a lens: fully split at the middle, closed at the corners
    # (both lips move half the drop there), so the warp never tears beyond the corners.
    lens = np.sqrt(np.clip(1.0 - (dx / half_width) ** 2, 0.0, 1.0))
    near = 1.0 - _smoothstep(np.abs(below_line), 0.05, 0.3)
    jaw_weight = below * (1.0 - near) + near * (0.5 + (below - 0.5) * lens)
    # The jaw drops the lower lip most; below it the drop eases to CHIN_SHARE at the chin,
    # and beyond the mouth's corners it fades to nothing before the jaw's angle (the hinge).
    # Both shares are what the landmarker sees of real speech (FGNet's talking face); a
    # bigger chin and jawline drop reads to it as the head nodding.
    hinge = 1.0 - _smoothstep(lateral, 0.0, HINGE_REACH)
    bx, by = _curve(q, anatomy.LIP_OUTER_LOWER)
    below_lower_lip = y - np.interp(x, bx, by)
    chin = 1.0 - (1.0 - CHIN_SHARE) * _smoothstep(below_lower_lip, 0.0, LIP_TO_CHIN)
    jaw = np.zeros((n, 3))
    jaw[:, 1] = JAW_DROP * jaw_weight * hinge * chin
    jaw[:, 2] = 0.3 * jaw[:, 1]  # the chin slides back as it drops

    # Lip region: an ellipse around the mouth, soft at its rim.
    radius = np.hypot(dx / (1.1 * half_width), (y - mouth_centre[1]) / (0.55 * half_width))
    lips = 1.0 - _smoothstep(radius, 0.85, 1.7)
    upper = lips * (below_line < 0)
    lower = lips * (below_line >= 0)
    # Only the lip vermilion and just beyond: fade out past the outer lip contours.
    ox, oy = _curve(q, anatomy.LIP_OUTER_UPPER)
    upper_lip = upper * (1.0 - _smoothstep(np.interp(x, ox, oy) - y, 0.0, 0.2))
    lower_lip = lower * (1.0 - _smoothstep(y - np.interp(x, bx, by), 0.0, 0.2))

    pucker = np.zeros((n, 3))
    pucker[:, 0] = -0.4 * dx * lips
    pucker[:, 1] = -0.15 * (y - mouth_centre[1]) * lips
    pucker[:, 2] = -0.12 * lips

    spread = np.zeros((n, 3))
    spread[:, 0] = 0.22 * dx * lips * np.clip(np.abs(dx) / half_width, 0.0, 1.0)

    # Pressed lips meet on their line, closing whatever opening the portrait had (a smile's
    # teeth), and thin: beyond the inner edge they squeeze 0.6 of the way to the line.
    half_gap = np.clip((np.interp(x, lx, ly) - np.interp(x, ux, uy)) / 2, 0.0, None)
    depth_in_lip = np.clip(np.abs(below_line) - half_gap, 0.0, None)
    press = np.zeros((n, 3))
    press[:, 1] = -np.sign(below_line) * (half_gap + 0.6 * depth_in_lip) * (upper_lip + lower_lip)

    upper_raise = np.zeros((n, 3))
    upper_raise[:, 1] = -0.09 * upper_lip
    lower_depress = np.zeros((n, 3))
    lower_depress[:, 1] = 0.09 * lower_lip

    def corner_pull(corner: np.ndarray, direction: tuple[float, float], sigma: float) -> np.ndarray:
        weight = np.exp(-np.sum((q[:, :2] - corner[:2]) ** 2, axis=1) / (2 * sigma**2))
        out = np.zeros((n, 3))
        out[:, :2] = np.array(direction) * weight[:, None]
        return out

    # --- eyes and brows --------------------------------------------------------------------
    def lid_closure(upper_ids: tuple[int, ...], lower_ids: tuple[int, ...]) -> np.ndarray:
        """Per landmark, how far down it moves when this eye shuts."""
        cx, cy = _curve(q, upper_ids)
        fx, fy = _curve(q, lower_ids)
        gap = np.clip(np.interp(x, fx, fy) - np.interp(x, cx, cy), 0.0, None)
        inside = (x > cx[0]) & (x < cx[-1])
        lid_y = np.interp(x, cx, cy)
        above = lid_y - y  # how far above the upper lid a point sits
        # The lid itself moves the whole gap; the skin up to the brow follows less and less.
        falloff = np.where(above <= 0.01, 1.0, 1.0 - 0.8 * _smoothstep(above, 0.01, 0.25))
        falloff *= above >= -0.01  # nothing below the upper lid moves down with it
        falloff *= 1.0 - _smoothstep(above, 0.25, 0.4)
        closure = np.zeros((n, 3))
        closure[:, 1] = 0.85 * gap * falloff * inside
        for index in lower_ids[1:-1]:
            closure[index, 1] = -0.15 * gap[index]
        closure[list(upper_ids[:: len(upper_ids) - 1]), 1] = 0.0  # corners stay
        closure[anatomy.MESH_POINTS :] = 0.0  # irises are hidden, not moved
        return closure

    right_eye = (anatomy.RIGHT_EYE_UPPER, anatomy.RIGHT_EYE_LOWER)
    left_eye = (anatomy.LEFT_EYE_UPPER, anatomy.LEFT_EYE_LOWER)
    brow_points = q[list(anatomy.RIGHT_BROW + anatomy.LEFT_BROW)]
    brow_y = float(brow_points[:, 1].mean())
    eye_y = float(q[[anatomy.RIGHT_IRIS[0], anatomy.LEFT_IRIS[0]], 1].mean())
    # Brow weight: nothing at the eyes, everything at the brows, fading up the forehead.
    brow_weight = _smoothstep(-(y - eye_y), 0.08, (eye_y - brow_y) * 0.9)
    brow_weight *= 1.0 - 0.5 * _smoothstep(brow_y - y, 0.1, 0.6)
    brow_weight[anatomy.MESH_POINTS :] = 0.0
    brow_raise = np.zeros((n, 3))
    brow_raise[:, 1] = -0.12 * brow_weight
    brow_lower = np.zeros((n, 3))
    brow_lower[:, 1] = 0.08 * brow_weight
    brow_lower[:, 0] = -0.05 * np.tanh(x / 0.2) * brow_weight

    cheek = np.zeros((n, 3))
    for side in (-1.0, 1.0):
        bone = np.array([side * 0.55, eye_y + 0.45])
        weight = np.exp(-np.sum((q[:, :2] - bone) ** 2, axis=1) / (2 * 0.3**2))
        cheek[:, 1] -= 0.06 * weight
    cheek[anatomy.MESH_POINTS :] = 0.0
    cheek += _lid_shift(q, *right_eye, up=0.0, down=-0.03) + _lid_shift(
        q, *left_eye, up=0.0, down=-0.03
    )

    return {
        "jaw_open": jaw,
        "lip_pucker": pucker,
        "lip_spread": spread,
        "lip_press": press,
        "upper_lip_raise": upper_raise,
        "lower_lip_depress": lower_depress,
        "smile_left": corner_pull(left_corner, (0.13, -0.12), 0.35),
        "smile_right": corner_pull(right_corner, (-0.13, -0.12), 0.35),
        "frown_left": corner_pull(left_corner, (0.03, 0.1), 0.3),
        "frown_right": corner_pull(right_corner, (-0.03, 0.1), 0.3),
        "brow_raise": brow_raise,
        "brow_lower": brow_lower,
        "blink_left": lid_closure(*left_eye),
        "blink_right": lid_closure(*right_eye),
        "eye_widen": _lid_shift(q, *right_eye, up=0.05, down=0.015)
        + _lid_shift(q, *left_eye, up=0.05, down=0.015),
        "cheek_raise": cheek,
    }
