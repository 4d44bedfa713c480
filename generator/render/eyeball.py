"""The eyes, prepared for gaze: sclera where the iris was, and each iris as a whole disc.

A portrait shows only the visible part of each iris and no sclera behind it. To move an iris
the renderer needs both: the base image gets each row of the eye opening continued across the
iris from the sclera on either side (a plain colour would show as a grey patch), and the iris
becomes a sprite whose hidden parts (under the lids) are filled ring by ring from the visible
iris, so a look up or down shows a round iris, not one sliced off by the lid. Where the
portrait shows the iris, the sprite is solved so that an eye at rest comes back as the
portrait has it.

A catchlight (the light's reflection in the cornea) is lifted off the sprite into a layer of
its own: it trails the iris by :data:`CATCHLIGHT_TRAVEL`, as a reflection in a curved cornea
does, instead of riding on the iris like a painted spot.

A photo's lens and compression spread the iris's colour a pixel or two onto the lid margins
where the iris meets them. That spill is lifted off the base too, into a layer the renderer
draws only while the iris is still behind those pixels: left in the base, it stayed behind as
a dark crescent under an iris looking up.

For blinks, :func:`lid_skin_over` covers a shut eye with its upper lid's own skin.
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
#: How far past the drawn lid lines (pixels, beyond the opening's anti-aliased edge) the
#: iris's spill onto the lid margins is lifted off; on the demo portrait the margin under
#: the iris is darker than beside it two rows down.
SPILL_REACH = 2.5
#: Iris coverage below which a lid pixel's spill stays in the base (the renderer scales the
#: spill by the coverage behind it, so it divides by the coverage at rest).
SPILL_COVER = 0.5
#: Where a shut eye's skin comes from: this many pixels above the upper lid's line (its own
#: skin, above the lashes), the median over the span. Inpainted from all round, the lower
#: lid's lighter skin left a pale strip above the lash line that looked like a slit of eye.
SHUT_SKIN_ABOVE = (4.0, 7.0)


class PreparedEyes(NamedTuple):
    """A framed portrait split for moving its eyes (see :func:`prepare_eyes`)."""

    base: np.ndarray
    irises: np.ndarray
    catchlights: np.ndarray
    spill: np.ndarray


def prepare_eyes(image: np.ndarray, points: np.ndarray) -> PreparedEyes:
    """Split a framed portrait into an iris-free base, an iris sprite layer and a catchlight
    layer.

    The renderer draws an eye as ``base·(1 − o·a) + o·sprite``, then the catchlight layer over
    that the same way (``o`` the opening between the lids, ``a`` a layer's coverage). Where
    the portrait shows an iris, the layers' colours are solved from those equations, so an eye
    at rest comes back exactly as the portrait has it (with the iris's rim blended over the
    painted sclera, it came back up to 55 grey levels off along the rim). On the lids next to
    the iris it draws ``base + (1 − o)·a·spill``, ``a`` the moved iris's coverage there.

    Args:
        image: ``(H, W, 3)`` float32 RGB in ``[0, 1]``.
        points: ``(478, 3)`` landmarks in pixels of ``image``.

    Returns:
        ``base`` ``(H, W, 3)`` (irises replaced by sclera, their spill off the lids);
        ``irises`` and ``catchlights`` ``(H, W, 4)`` each (RGB premultiplied by coverage, and
        coverage; zero away from the iris discs and their catchlights); ``spill``
        ``(H, W, 3)``, signed, per unit of iris coverage (zero away from the lids' margins
        over the irises).
    """
    base = image.copy()
    irises = np.zeros(image.shape[:2] + (4,), np.float32)
    catchlights = np.zeros_like(irises)
    spill = np.zeros_like(image)
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    for upper, lower, iris in _EYES:
        lids = _EyeLids.of(points, upper, lower, (height, width))
        opening = lids.opening()
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
        if not (shown & (opening > 0.5)).any():
            continue  # an eye shut in the portrait shows no iris to spill onto its lids
        margin, clean = lids.margins(image, opening, centre, radius, distance)
        margin &= cover >= SPILL_COVER
        base[margin] = clean[margin]
        spill[margin] = (image[margin] - clean[margin]) / cover[margin, None]
    return PreparedEyes(base, irises, catchlights, spill)


def _bilinear(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """``image`` ``(H, W, 3)`` sampled at pixel positions ``xy`` ``(N, 2)`` → ``(N, 3)``."""
    maps = xy.astype(np.float32).reshape(-1, 1, 2)
    return cv2.remap(
        image, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    ).reshape(-1, 3)


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


def lid_skin_over(filled: np.ndarray, base: np.ndarray, points: np.ndarray) -> None:
    """Cover each eye's opening in ``filled`` (``(H, W, 4)``, the base inpainted over the
    eyes, RGB in place) with its upper lid's skin, as a shut eye is: each column gets the
    skin :data:`SHUT_SKIN_ABOVE` the upper lid there, fading into the inpainting over a
    pixel at the lower lid and over three pixels past the corners."""
    shape = base.shape[:2]
    for upper, lower, _ in _EYES:
        lids = _EyeLids.of(points, upper, lower, shape)
        eye = lids.frame
        u, v = eye.u[0].numpy(), eye.v[0].numpy()
        length = float(eye.length)
        along = np.clip((np.minimum(u, 1 - u) * length + 2.0) / 3.0, 0.0, 1.0)
        weight = along * np.clip(eye.height(lids.lower)[0].numpy() - 0.5 - v, 0.0, 1.0)
        weight *= filled[..., 3] > 0
        region = weight > 0
        if not region.any():
            continue
        at = torch.as_tensor(u[region])[None]
        line = eye.height_at(lids.upper, at)
        skin = np.median(
            [
                _bilinear(base, eye.point(at, line - above)[0].numpy())
                for above in np.arange(SHUT_SKIN_ABOVE[0], SHUT_SKIN_ABOVE[1] + 0.25, 0.5)
            ],
            axis=0,
        )
        share = weight[region, None]
        filled[region, :3] = filled[region, :3] * (1 - share) + skin * share


class _EyeLids(NamedTuple):
    """An eye's corner frame over every pixel and its lid polylines ``(1, n, 2)``, built as
    the renderer builds them, so an opening here is the one it draws."""

    frame: CurveFrame
    upper: torch.Tensor
    lower: torch.Tensor

    @classmethod
    def of(
        cls,
        points: np.ndarray,
        upper: tuple[int, ...],
        lower: tuple[int, ...],
        shape: tuple[int, int],
    ) -> _EyeLids:
        height, width = shape
        ys, xs = torch.meshgrid(
            torch.arange(height, dtype=torch.float32),
            torch.arange(width, dtype=torch.float32),
            indexing="ij",
        )
        top = torch.as_tensor(points[list(upper), :2], dtype=torch.float32)[None]
        bottom = torch.as_tensor(points[list(lower), :2], dtype=torch.float32)[None]
        frame = CurveFrame.between(top[:, 0], top[:, -1], torch.stack([xs, ys], dim=-1))
        return cls(frame, top, bottom)

    def opening(self) -> np.ndarray:
        """``(H, W)`` in ``[0, 1]``: the opening between the lids exactly as the renderer
        draws it (:func:`soft_between`; OpenCV's anti-aliased polygon reaches about a pixel
        further)."""
        eye = self.frame
        return soft_between(eye, eye.height(self.upper), eye.height(self.lower))[0].numpy()

    def margins(
        self,
        image: np.ndarray,
        opening: np.ndarray,
        centre: np.ndarray,
        radius: float,
        distance: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The lid pixels within :data:`SPILL_REACH` of the opening over an iris, ``(H, W)``
        bool, and their colours without the iris's spill ``(H, W, 3)``: each pixel's lid
        margin continued from the same distance past the lid line on either side of the
        iris (``distance`` ``(H, W)`` from the iris's centre)."""
        eye = self.frame
        past_lower = (eye.v - eye.height(self.lower))[0].numpy()
        past_upper = (eye.height(self.upper) - eye.v)[0].numpy()
        u = eye.u[0].numpy()
        edge = 0.5  # where soft_between's anti-aliased edge ends
        below = (past_lower >= edge) & (past_lower <= edge + SPILL_REACH)
        above = (past_upper >= edge) & (past_upper <= edge + SPILL_REACH)
        margin = (opening == 0) & (distance <= radius + 1.0) & (u > 0) & (u < 1) & (below | above)
        clean = np.zeros_like(image)
        if not margin.any():
            return margin, clean
        lower = torch.as_tensor(below[margin])[None]
        past = torch.as_tensor(np.where(below, past_lower, -past_upper)[margin])[None]
        length = float(eye.length)
        centre_u = float((centre - eye.origin[0].numpy()) @ eye.axis[0].numpy()) / length
        side = (radius + 2.0) / length
        sides = []
        for u_side in (centre_u - side, centre_u + side):
            at = torch.full_like(past, u_side)
            line = torch.where(lower, eye.height_at(self.lower, at), eye.height_at(self.upper, at))
            sides.append(_bilinear(image, eye.point(at, line + past)[0].numpy()))
        share = np.clip((u[margin] - (centre_u - side)) / (2 * side), 0.0, 1.0)[:, None]
        clean[margin] = sides[0] * (1 - share) + sides[1] * share
        return margin, clean


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
    """The iris disc's colours: visible pixels as they are, hidden ones the visible iris's
    median colour at the same distance from the centre. Mirroring the visible part through
    the centre brought the upper lid's shadow on the iris down to its bottom, where a look up
    showed it as a dark dash; a flat mean showed as a pale band with a hard edge."""
    distance = np.hypot(xs - centre[0], ys - centre[1])
    inside = distance <= radius + 1.0
    visible = inside & (opening > 0.5)
    colour = np.zeros(image.shape, np.float32)
    if not visible.any():
        return colour
    colour[visible] = image[visible]
    missing = inside & ~visible
    if missing.any():
        colour[missing] = ring_profile(image[visible], distance[visible], distance[missing])
    return colour


def ring_profile(seen: np.ndarray, seen_at: np.ndarray, wanted_at: np.ndarray) -> np.ndarray:
    """Colours ``(M, 3)`` at distances ``wanted_at`` from an iris's centre: the median of the
    ``seen`` pixels ``(N, 3)`` (at distances ``seen_at``) in each one-pixel ring, interpolated
    between rings; an iris is darker at its rim and its pupil than between."""
    rings = np.arange(0.0, float(max(seen_at.max(), wanted_at.max())) + 1.0)
    profile, found = [], []
    for ring in rings:
        near = np.abs(seen_at - ring) <= 0.75
        if near.any():
            profile.append(np.median(seen[near], axis=0))
            found.append(ring)
    profile = np.asarray(profile)
    return np.stack(
        [np.interp(wanted_at, found, profile[:, channel]) for channel in range(3)], axis=1
    ).astype(np.float32)
