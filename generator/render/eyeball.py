"""The eyes, prepared for gaze: sclera where the iris was, and each iris as a whole disc.

A portrait shows only the visible part of each iris and no sclera behind it. To move an iris
the renderer needs both: the base image gets each row of the eye opening continued across the
iris from the sclera on either side (a plain colour would show as a grey patch), and the iris
becomes a sprite whose hidden parts (under the lids) are filled by mirroring the visible
parts through the iris centre, so a downward look shows a round iris, not one with its top
sliced off.
"""

from __future__ import annotations

import numpy as np

from generator import anatomy
from generator.regions import iris_circle, outline, polygon_mask

_EYES = (
    (anatomy.RIGHT_EYE_UPPER, anatomy.RIGHT_EYE_LOWER, anatomy.RIGHT_IRIS),
    (anatomy.LEFT_EYE_UPPER, anatomy.LEFT_EYE_LOWER, anatomy.LEFT_IRIS),
)


def prepare_eyes(image: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a framed portrait into an iris-free base and an iris sprite layer.

    Args:
        image: ``(H, W, 3)`` float32 RGB in ``[0, 1]``.
        points: ``(478, 3)`` landmarks in pixels of ``image``.

    Returns:
        ``base`` ``(H, W, 3)`` (irises replaced by sclera) and ``irises`` ``(H, W, 4)``
        (RGB plus coverage, zero away from the iris discs).
    """
    base = image.copy()
    irises = np.zeros(image.shape[:2] + (4,), np.float32)
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    for upper, lower, iris in _EYES:
        opening = polygon_mask((height, width), outline(points, upper, lower))
        centre, radius = iris_circle(points, iris)
        distance = np.hypot(xs - centre[0], ys - centre[1])
        disc = np.clip(radius + 0.5 - distance, 0.0, 1.0)
        _continue_sclera(base, image, opening > 0.5, distance <= radius + 1.0)
        colour = _whole_iris(image, opening, centre, radius, xs, ys)
        irises[..., :3] += disc[..., None] * colour
        cover = disc * _not_sclera(colour, base, distance, radius, opening > 0.5)
        irises[..., 3] = np.maximum(irises[..., 3], cover)
    return base, irises


def _not_sclera(
    colour: np.ndarray, base: np.ndarray, distance: np.ndarray, radius: float, opening: np.ndarray
) -> np.ndarray:
    """How much of the iris sprite's rim is really iris. The landmarks' iris circle reaches a
    little into the sclera; bright rim pixels are made see-through so the sprite does not
    carry a white ring along when it moves (the sclera under them is painted in the base)."""
    luminance = colour.mean(axis=-1)
    core = (distance < 0.6 * radius) & opening
    if not core.any():
        return np.ones_like(distance)
    dark = float(np.median(luminance[core]))
    sclera = opening & (distance > radius + 1.0)
    bright = float(base[sclera].mean()) if sclera.any() else 1.0
    excess = np.clip((luminance - dark) / max(bright - dark, 1e-3), 0.0, 1.0)
    rim = np.clip((distance - 0.75 * radius) / (0.25 * radius), 0.0, 1.0)
    return 1.0 - rim * excess


def _continue_sclera(
    base: np.ndarray, image: np.ndarray, opening: np.ndarray, iris: np.ndarray
) -> None:
    """Paint the iris's place in ``base``, row by row, from the sclera left and right of it."""
    fill = opening & iris
    sclera = opening & ~iris
    if not fill.any():
        return
    everywhere = image[sclera].mean(axis=0) if sclera.any() else image[opening].mean(axis=0)
    for row in np.unique(np.nonzero(fill)[0]):
        known = np.nonzero(sclera[row])[0]
        wanted = np.nonzero(fill[row])[0]
        if len(known) == 0:
            base[row, wanted] = everywhere
            continue
        for channel in range(3):
            base[row, wanted, channel] = np.interp(wanted, known, image[row, known, channel])


def _whole_iris(
    image: np.ndarray,
    opening: np.ndarray,
    centre: np.ndarray,
    radius: float,
    xs: np.ndarray,
    ys: np.ndarray,
) -> np.ndarray:
    """The iris disc's colours: visible pixels as they are, hidden ones mirrored from visible
    ones (horizontally, vertically, then through the centre), else the iris's mean colour."""
    height, width = opening.shape
    inside = np.hypot(xs - centre[0], ys - centre[1]) <= radius + 1.0
    visible = inside & (opening > 0.5)
    colour = np.zeros(image.shape, np.float32)
    if not visible.any():
        return colour
    colour[visible] = image[visible]
    missing = inside & ~visible
    mean = image[visible].mean(axis=0)
    rows, cols = np.nonzero(missing)
    for mirror_x, mirror_y in ((True, False), (False, True), (True, True)):
        if len(rows) == 0:
            break
        r = np.round(2 * centre[1] - rows).astype(int) if mirror_y else rows
        c = np.round(2 * centre[0] - cols).astype(int) if mirror_x else cols
        ok = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        ok[ok] &= visible[r[ok], c[ok]]
        colour[rows[ok], cols[ok]] = image[r[ok], c[ok]]
        rows, cols = rows[~ok], cols[~ok]
    colour[rows, cols] = mean
    return colour
