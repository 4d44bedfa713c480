"""The eyes, prepared for gaze: sclera where the iris was, and each iris as a whole disc.

A portrait shows only the visible part of each iris and no sclera behind it. To move an iris
the renderer needs both: the base image gets each row of the eye opening continued across the
iris from the sclera on either side (a plain colour would show as a grey patch), and the iris
becomes a sprite whose hidden parts (under the lids) are filled by mirroring the visible
parts through the iris centre, so a downward look shows a round iris, not one with its top
sliced off. Where the portrait shows the iris, the sprite is solved so that an eye at rest
comes back as the portrait has it.

A catchlight (the light's reflection in the cornea) is lifted off the sprite into a layer of
its own: it trails the iris by :data:`CATCHLIGHT_TRAVEL`, as a reflection in a curved cornea
does, instead of riding on the iris like a painted spot.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
import torch

from generator import anatomy
from generator.regions import iris_circle
from generator.render.curves import CurveFrame, soft_between

_EYES = (
    (anatomy.RIGHT_EYE_UPPER, anatomy.RIGHT_EYE_LOWER, anatomy.RIGHT_IRIS),
    (anatomy.LEFT_EYE_UPPER, anatomy.LEFT_EYE_LOWER, anatomy.LEFT_IRIS),
)

#: How far a catchlight moves per pixel the iris moves. It is the light's reflection in the
#: cornea, so it moves with the cornea's centre of curvature, which lies about half as far
#: from the eye's centre of rotation as the iris does (5.8 mm against 10-12 mm in
#: Gullstrand's schematic eye). Riding on the iris it looked painted on.
CATCHLIGHT_TRAVEL = 0.5
#: How much brighter than the iris's median a pixel in the iris's core must be to count as
#: part of a catchlight (RGB mean, 0-1).
CATCHLIGHT_EXCESS = 0.2


class PreparedEyes(NamedTuple):
    """A framed portrait split for moving its eyes (see :func:`prepare_eyes`)."""

    base: np.ndarray
    irises: np.ndarray
    catchlights: np.ndarray


def prepare_eyes(image: np.ndarray, points: np.ndarray) -> PreparedEyes:
    """Split a framed portrait into an iris-free base, an iris sprite layer and a catchlight
    layer.

    The renderer draws an eye as ``base·(1 − o·a) + o·sprite``, then the catchlight layer over
    that the same way (``o`` the opening between the lids, ``a`` a layer's coverage). Where
    the portrait shows an iris, the layers' colours are solved from those equations, so an eye
    at rest comes back exactly as the portrait has it (with the iris's rim blended over the
    painted sclera, it came back up to 55 grey levels off along the rim).

    Args:
        image: ``(H, W, 3)`` float32 RGB in ``[0, 1]``.
        points: ``(478, 3)`` landmarks in pixels of ``image``.

    Returns:
        ``base`` ``(H, W, 3)`` (irises replaced by sclera); ``irises`` and ``catchlights``
        ``(H, W, 4)`` each (RGB premultiplied by coverage, and coverage; zero away from the
        iris discs and their catchlights).
    """
    base = image.copy()
    irises = np.zeros(image.shape[:2] + (4,), np.float32)
    catchlights = np.zeros_like(irises)
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    for upper, lower, iris in _EYES:
        opening = _eye_opening(points, upper, lower, (height, width))
        centre, radius = iris_circle(points, iris)
        distance = np.hypot(xs - centre[0], ys - centre[1])
        disc = distance <= radius + 1.0
        painted = base.copy()
        _continue_sclera(painted, image, opening > 0.5, disc)
        fill = (opening * disc)[..., None]
        base += fill * (painted - base)
        colour = _whole_iris(image, opening, centre, radius, xs, ys)
        cover = disc * _not_sclera(colour, base, distance, radius, opening > 0.5)
        sprite = cover[..., None] * colour
        shown = (opening > 0) & disc
        base[shown], sprite[shown] = _at_rest(
            image[shown], painted[shown], fill[shown], opening[shown, None], cover[shown, None]
        )
        light = _catchlight(image, colour, opening, distance < 0.8 * radius)
        if light.any():
            below = base[light] * (1 - cover[light, None]) + cover[light, None] * colour[light]
            sprite[light] = cover[light, None] * colour[light]
            catchlights[light] = _over(image[light], below)
        irises[..., :3] += sprite
        irises[..., 3] = np.maximum(irises[..., 3], cover)
    return PreparedEyes(base, irises, catchlights)


def _catchlight(
    image: np.ndarray, colour: np.ndarray, opening: np.ndarray, core: np.ndarray
) -> np.ndarray:
    """Where an iris's catchlight is, ``(H, W)`` bool; ``colour`` is repainted there, in
    place, with the iris around it. The ring of pixels around it is included where brighter
    than that, for the catchlight's halo; :func:`_over` gives them only the coverage they
    need."""
    inside = core & (opening >= 1.0)
    if not inside.any():
        return inside
    luminance = image.mean(axis=-1)
    bright = inside & (luminance > np.median(luminance[inside]) + CATCHLIGHT_EXCESS)
    if not bright.any():
        return bright
    ring = inside & cv2.dilate(bright.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    pixels = np.clip(colour * 255.0 + 0.5, 0, 255).astype(np.uint8)
    filled = cv2.inpaint(pixels, ring.astype(np.uint8), 2, cv2.INPAINT_TELEA) / np.float32(255)
    # The halo's darker pixels stay on the iris: lifting them would carry dark spots along.
    light = ring & (luminance > filled.mean(axis=-1))
    colour[light] = filled[light]
    return light


def _over(seen: np.ndarray, below: np.ndarray) -> np.ndarray:
    """The least-covering premultiplied layer ``(N, 4)`` that, drawn over ``below``
    (``below·(1 − g) + layer``), gives ``seen`` (``(N, 3)`` each, in ``[0, 1]``)."""
    brighter = np.divide(
        seen - below, 1 - below, out=np.zeros_like(seen), where=(seen > below) & (below < 1)
    )
    darker = np.divide(
        below - seen, below, out=np.zeros_like(seen), where=(seen < below) & (below > 0)
    )
    coverage = np.clip(np.maximum(brighter, darker).max(axis=1, keepdims=True), 0.0, 1.0)
    return np.concatenate([seen - below * (1 - coverage), coverage], axis=1)


def _at_rest(
    seen: np.ndarray, painted: np.ndarray, fill: np.ndarray, o: np.ndarray, a: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The base and premultiplied sprite ``(N, 3)`` each at pixels the portrait shows of an
    iris's disc, such that ``base·(1 − o·a) + o·sprite`` is the portrait's pixel ``seen``.

    The base is ``seen`` painted ``fill`` of the way towards the sclera ``painted``, except
    where sclera painted at full strength would leave the pixel brighter (or darker) than
    the portrait whatever the sprite adds: where the lids half cover it, or where it is
    sclera already (``a`` 0). There it is painted only as far as lets the pixel come back."""
    keep = 1 - o * a
    towards = painted - seen
    room = np.where(towards > 0, seen, 1 - seen) * o * a
    cost = np.abs(towards) * keep  # how much of the painted sclera shows, per unit painted
    most = np.divide(room, cost, out=np.full_like(cost, np.inf), where=cost > 1e-6)
    base = seen + np.minimum(fill, most.min(axis=1, keepdims=True)) * towards
    return base, np.clip((seen - base * keep) / o, 0.0, a)


def _eye_opening(
    points: np.ndarray, upper: tuple[int, ...], lower: tuple[int, ...], shape: tuple[int, int]
) -> np.ndarray:
    """``(H, W)`` in ``[0, 1]``: the opening between an eye's lids exactly as the renderer
    draws it (:func:`soft_between`; OpenCV's anti-aliased polygon reaches about a pixel
    further)."""
    height, width = shape
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=torch.float32),
        torch.arange(width, dtype=torch.float32),
        indexing="ij",
    )
    top = torch.as_tensor(points[list(upper), :2], dtype=torch.float32)[None]
    bottom = torch.as_tensor(points[list(lower), :2], dtype=torch.float32)[None]
    eye = CurveFrame.between(top[:, 0], top[:, -1], torch.stack([xs, ys], dim=-1))
    return soft_between(eye, eye.height(top), eye.height(bottom))[0].numpy()


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
    bright = np.full_like(luminance, float(base[sclera].mean()) if sclera.any() else 1.0)
    bright[opening] = base[opening].mean(axis=-1)  # the sclera painted behind the iris
    excess = np.clip((luminance - dark) / np.maximum(bright - dark, 1e-3), 0.0, 1.0)
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
