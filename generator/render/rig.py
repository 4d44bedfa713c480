"""Per-portrait preparation for the renderer: everything that does not change frame to frame.

Built once from a :class:`~generator.face_model.FaceModel` with numpy and OpenCV:

- a triangle mesh over the landmarks, rasterised once on a half-resolution grid into
  (triangle corners, barycentric weights) per pixel, plus a smooth fade from the face oval to
  a still anchor vertex outside it, so a frame's expression field is a gather of vertex
  displacements;
- each pixel's depth (landmark depth inside the mesh, smoothly extended outside) and its
  rigid weight (1 on the head and hair, falling off smoothly to 0 on the background, the body
  and the image border);
- the portrait with its irises replaced by sclera (the base texture), and the irises as whole
  discs and their catchlights in separate, premultiplied layers, so gaze can move them and an
  eye at rest is the portrait's (``generator.render.eyeball``);
- colours for the mouth interior, matched to the portrait.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from generator import anatomy
from generator.face_model import FaceModel
from generator.regions import iris_circle
from generator.render.basis import EYEBALL_PER_IRIS, FaceFrame, expression_basis, gaze_lid_basis
from generator.render.eyeball import lid_skin_over, prepare_eyes

#: How far outside the face oval the expression field fades to nothing, in face units
#: (inter-iris distances).
FADE_UNITS = 0.8
#: Width of the head's fall-off into the background, in face units (inter-iris distances).
FALLOFF_UNITS = 0.45
#: Lips apart by this share of the mouth's width show enough of the inside to re-use it.
OPEN_MOUTH_SHARE = 0.08
#: How much darker (grey levels) than the teeth above and below it a line across an open
#: mouth must be to count as the gap between the rows.
TEETH_GAP_CONTRAST = 12.0
#: Steepest depth change per pixel across the frame: at 1.5 a head turn of up to 40° keeps
#: the warp one-to-one (sin 40° × 1.5 < 1).
MAX_DEPTH_SLOPE = 1.5


@dataclass(frozen=True)
class MouthColours:
    """Colours (RGB in ``[0, 1]``) for the inside of the mouth."""

    teeth: np.ndarray
    cavity: np.ndarray
    tongue: np.ndarray


@dataclass(frozen=True)
class Rig:
    """A portrait prepared for rendering (numpy; the renderer moves it to its device).

    Attributes:
        size: the frame's side in pixels; the fields below live on a ``size // 2`` grid.
        base: ``(size, size, 3)`` float32 RGB in ``[0, 1]``, irises painted over.
        irises: ``(size, size, 4)`` float32, each iris as a whole disc: RGB premultiplied by
            coverage, and coverage.
        catchlights: ``(size, size, 4)`` float32, the irises' catchlights, the same way.
        spill: ``(size, size, 3)`` float32, signed: the irises' spill onto the lids' margins
            per unit of iris coverage behind them (taken off the base).
        vertices: ``(V, 3)`` neutral landmarks then the still anchor vertex, in pixels.
        triangles: ``(T, 3)`` vertex indices of the mesh's triangles.
        basis: ``(K, V, 3)`` expression displacements in pixels (zero on the anchor).
        lid_basis: ``(2, V, 3)`` lid displacement per face unit of iris travel towards the
            image's right and downwards.
        frame: the face's frame (pose, centre, unit).
        pivot: ``(3,)`` the head's rotation centre, in pixels.
        rest: ``(3, h*w)`` every half-grid pixel's position and depth, in pixels.
        rigid_weight: ``(h*w,)`` how much each half-grid pixel follows the head.
        roi: ``(P,)`` the half-grid pixels the expression field reaches.
        roi_corners: ``(P, 3)`` the vertices each one interpolates.
        roi_weights: ``(P, 3)`` and their weights.
        eyeball_radius: pixels an iris travels per radian of gaze.
        source_gap: the portrait's own mouth opening at its centre, in pixels.
        mouth_width: the portrait's inner mouth width, in pixels.
        mouth_open: whether the portrait's lips are apart enough to re-use what shows between
            them (its own teeth) instead of drawing an interior.
        teeth_split: where the portrait's own opening divides into what stays with the skull
            and what rides the jaw, as a share of its height (:func:`teeth_split`).
        closed_mouth: ``(size, size, 4)`` float32 when the mouth is open: the base with the
            opening between the lips filled in from them (RGB), and where (coverage), for
            lips pressed shut; None otherwise.
        closed_eyes: ``(size, size, 4)`` float32, the base with each eye's opening covered
            by its upper lid's skin (RGB), and where (coverage), for shut lids.
        colours: mouth interior colours.
    """

    size: int
    base: np.ndarray
    irises: np.ndarray
    catchlights: np.ndarray
    spill: np.ndarray
    vertices: np.ndarray
    triangles: np.ndarray
    basis: np.ndarray
    lid_basis: np.ndarray
    frame: FaceFrame
    pivot: np.ndarray
    rest: np.ndarray
    rigid_weight: np.ndarray
    roi: np.ndarray
    roi_corners: np.ndarray
    roi_weights: np.ndarray
    eyeball_radius: float
    source_gap: float
    mouth_width: float
    mouth_open: bool
    teeth_split: float
    closed_mouth: np.ndarray | None
    closed_eyes: np.ndarray
    colours: MouthColours

    @property
    def grid(self) -> int:
        """Side of the half-resolution field grid."""
        return self.size // 2


def build_rig(model: FaceModel) -> Rig:
    """Prepare a face model for rendering (tens of milliseconds)."""
    size = model.size
    points = model.face.points.astype(np.float64)
    frame = FaceFrame.of(points, model.face.rotation)
    image = model.image.astype(np.float32) / 255.0

    # One extra vertex that never moves: what the expression field fades to outside the face.
    anchor = np.append(
        points[: anatomy.MESH_POINTS, :2].mean(axis=0), points[list(anatomy.FACE_OVAL), 2].mean()
    )
    vertices = np.concatenate([points, anchor[None]])
    expression = expression_basis(points, frame)
    still = np.zeros((len(expression), 1, 3), np.float32)
    basis = np.concatenate([expression, still], axis=1)
    triangles = _triangulate(points)

    grid = size // 2
    centres = np.arange(grid) * 2.0 + 0.5  # half-grid pixel centres in frame pixels
    gx, gy = np.meshgrid(centres, centres)
    pixels = np.stack([gx.ravel(), gy.ravel()], axis=1)
    tri_index = _rasterise(vertices, triangles, grid).ravel()
    inside = np.flatnonzero(tri_index >= 0)
    inside_corners = triangles[tri_index[inside]]
    inside_weights = _barycentric(vertices[inside_corners, :2], pixels[inside])
    outside, outside_corners, outside_weights = _fade_outside(
        points, pixels, tri_index < 0, reach=FADE_UNITS * frame.unit, anchor=len(points)
    )
    roi = np.concatenate([inside, outside])
    corners = np.concatenate([inside_corners, outside_corners])
    weights = np.concatenate([inside_weights, outside_weights])
    covered = np.zeros(grid * grid, bool)
    covered[inside] = True
    depth = _depth_field(vertices[:, 2], inside_corners, inside_weights, inside, grid, frame.unit)

    iris_radius = np.mean(
        [iris_circle(points, iris)[1] for iris in (anatomy.RIGHT_IRIS, anatomy.LEFT_IRIS)]
    )
    eyes = prepare_eyes(image, points)
    source_gap = float(np.linalg.norm(points[14, :2] - points[13, :2]))
    mouth_width = float(np.linalg.norm(points[308, :2] - points[78, :2]))
    mouth_open = source_gap >= OPEN_MOUTH_SHARE * mouth_width
    return Rig(
        size=size,
        base=eyes.base,
        irises=eyes.irises,
        catchlights=eyes.catchlights,
        spill=eyes.spill,
        vertices=vertices.astype(np.float32),
        triangles=triangles,
        basis=basis,
        lid_basis=np.concatenate([gaze_lid_basis(points, frame), still[:2]], axis=1),
        frame=frame,
        pivot=_pivot(points, frame).astype(np.float32),
        rest=np.stack([gx.ravel(), gy.ravel(), depth.ravel()]).astype(np.float32),
        rigid_weight=_rigid_weight(model, covered.reshape(grid, grid), frame.unit).ravel(),
        roi=roi,
        roi_corners=corners,
        roi_weights=weights.astype(np.float32),
        eyeball_radius=float(EYEBALL_PER_IRIS * iris_radius),
        source_gap=source_gap,
        mouth_width=mouth_width,
        mouth_open=mouth_open,
        teeth_split=teeth_split(model.image, points) if mouth_open else 1.0,
        closed_mouth=_filled_in(eyes.base, model.masks.mouth_interior) if mouth_open else None,
        closed_eyes=_shut_eyes(eyes.base, model),
        colours=_mouth_colours(model),
    )


def _triangulate(points: np.ndarray) -> np.ndarray:
    """Delaunay triangles over the mesh (irises excluded); the closed mouth is pried open
    first so the slit gets triangles joining upper and lower lip, not slivers across a lip."""
    layout = points[: anatomy.MESH_POINTS, :2].copy()
    layout[list(anatomy.LIP_INNER_LOWER[1:-1]), 1] += 3.0
    return Delaunay(layout).simplices


def _fade_outside(
    points: np.ndarray, pixels: np.ndarray, outside: np.ndarray, reach: float, anchor: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interpolation for pixels just outside the mesh: the nearest point of the face oval,
    faded smoothly to the still ``anchor`` vertex over ``reach`` pixels. (A ring of
    triangles would fold when the jaw drops past its thin sides.)

    Returns:
        The pixels' indices, and their ``(P, 3)`` corner indices and weights.
    """
    oval = np.array(anatomy.FACE_OVAL)
    start, end = points[oval, :2], points[np.roll(oval, -1), :2]
    candidates = np.flatnonzero(outside)
    at = pixels[candidates]
    segment = end - start
    t = ((at[:, None] - start) * segment).sum(-1) / np.maximum((segment**2).sum(-1), 1e-9)
    t = np.clip(t, 0.0, 1.0)
    distance = np.linalg.norm(at[:, None] - (start + t[..., None] * segment), axis=-1)
    nearest = distance.argmin(axis=1)
    rows = np.arange(len(candidates))
    near, along = distance[rows, nearest], t[rows, nearest]
    keep = near < reach
    fade = 1.0 - _smooth(near[keep] / reach)
    corners = np.stack(
        [oval[nearest[keep]], np.roll(oval, -1)[nearest[keep]], np.full(keep.sum(), anchor)],
        axis=1,
    )
    weights = np.stack([(1 - along[keep]) * fade, along[keep] * fade, 1 - fade], axis=1)
    return candidates[keep], corners, weights.astype(np.float32)


def _smooth(x: np.ndarray) -> np.ndarray:
    """Smoothstep on ``[0, 1]``: zero slope at both ends."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _rasterise(vertices: np.ndarray, triangles: np.ndarray, grid: int) -> np.ndarray:
    """``(grid, grid)`` int32: which triangle covers each half-grid pixel (-1: none)."""
    canvas = np.full((grid, grid), -1, np.int32)
    half = (vertices[:, :2] - 0.5) / 2.0 * 16  # frame pixels → half-grid, 4 fractional bits
    for number, triangle in enumerate(triangles):
        cv2.fillPoly(canvas, [np.round(half[triangle]).astype(np.int32)], number, shift=4)
    return canvas


def _barycentric(corners: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Barycentric weights ``(P, 3)`` of points ``at`` in triangles ``corners`` ``(P, 3, 2)``,
    clipped to the triangle (pixels on an edge can fall a hair outside it)."""
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    v0, v1, v2 = b - a, c - a, at - a
    d00, d01, d11 = (v0 * v0).sum(1), (v0 * v1).sum(1), (v1 * v1).sum(1)
    d20, d21 = (v2 * v0).sum(1), (v2 * v1).sum(1)
    denom = d00 * d11 - d01 * d01
    denom = np.where(np.abs(denom) < 1e-9, 1e-9, denom)
    w1 = (d11 * d20 - d01 * d21) / denom
    w2 = (d00 * d21 - d01 * d20) / denom
    weights = np.clip(np.stack([1 - w1 - w2, w1, w2], axis=1), 0.0, None)
    return weights / np.maximum(weights.sum(1, keepdims=True), 1e-9)


def _depth_field(
    z: np.ndarray,
    corners: np.ndarray,
    weights: np.ndarray,
    roi: np.ndarray,
    grid: int,
    unit: float,
) -> np.ndarray:
    """Depth on the half grid: interpolated inside the mesh, carried outwards from the mesh's
    rim (nearest rim pixel, then smoothed) so it has no step anywhere; a step in depth would
    tear the image when the head turns."""
    depth = np.zeros(grid * grid, np.float32)
    depth[roi] = (z[corners] * weights).sum(axis=1)
    depth = depth.reshape(grid, grid)
    outside = np.ones(grid * grid, np.uint8)
    outside[roi] = 0
    outside = outside.reshape(grid, grid)
    _, labels = cv2.distanceTransformWithLabels(
        outside, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    inside_rows, inside_cols = np.nonzero(outside == 0)
    # Labels number the zero pixels in row-major scan order, starting at 1.
    nearest = depth[inside_rows, inside_cols][labels - 1]
    smooth = cv2.GaussianBlur(nearest.astype(np.float32), (0, 0), unit / 4.0)
    keep = cv2.GaussianBlur(
        cv2.erode((1 - outside).astype(np.float32), np.ones((5, 5), np.uint8)), (0, 0), 2.0
    )
    return _limit_slope(keep * depth + (1 - keep) * smooth, MAX_DEPTH_SLOPE * 2.0)


def _limit_slope(depth: np.ndarray, per_step: float) -> np.ndarray:
    """The largest surface under ``depth`` that rises at most ``per_step`` per grid step.

    The face's rim is steep in depth; a head turn would fold the image over there (the far
    cheek slipping behind the nose) and a backward warp cannot show a fold without tearing.
    Lowering the rim onto a cone keeps the warp one-to-one.
    """
    kernel = np.ones((3, 3), np.uint8)
    limited = depth.astype(np.float32)
    for _ in range(64):
        lowered = np.minimum(limited, cv2.erode(limited, kernel) + per_step)
        if np.array_equal(lowered, limited):
            break
        limited = lowered
    return limited


def _pivot(points: np.ndarray, frame: FaceFrame) -> np.ndarray:
    """The head turns about a point behind the face, level with the ears."""
    centre = points[: anatomy.MESH_POINTS].mean(axis=0)
    return centre + frame.vectors_to_image(np.array([0.0, 0.0, 1.1]))


def _rigid_weight(model: FaceModel, face_cover: np.ndarray, unit: float) -> np.ndarray:
    """1 on the head (face, hair), smooth fall-off to 0 elsewhere and at the image border."""
    grid = face_cover.shape[0]
    head = cv2.resize(model.masks.head, (grid, grid), interpolation=cv2.INTER_AREA)
    head = np.maximum(head, face_cover.astype(np.float32))
    sigma = FALLOFF_UNITS * unit / 2.0  # in half-grid pixels
    reach = int(round(sigma))
    grown = cv2.dilate(head, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2))
    weight = cv2.GaussianBlur(grown, (0, 0), sigma)
    ramp = np.minimum(np.arange(grid), np.arange(grid)[::-1]) / (0.06 * grid)
    border = np.clip(np.minimum.outer(ramp, ramp), 0.0, 1.0)
    return np.clip(weight * border, 0.0, 1.0).astype(np.float32)


def teeth_split(image: np.ndarray, points: np.ndarray) -> float:
    """Where an open mouth's upper teeth end, as a share of the way from the inner upper lip
    to the inner lower one: the darkest line between two bright rows (upper and lower
    teeth), or the lower lip (1) when there is no such line, as in a smile showing only its
    upper teeth. Splitting at half instead cuts those teeth in two as the jaw drops.
    """
    luma = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), (0, 0), 1.0)
    upper = points[list(anatomy.LIP_INNER_UPPER[2:-2]), :2]
    lower = points[list(anatomy.LIP_INNER_LOWER[2:-2]), :2]
    shares = np.linspace(0.0, 1.0, 21)
    across = upper[None] + shares[:, None, None] * (lower - upper)[None]  # (share, pair, 2)
    profile = cv2.remap(
        luma.astype(np.float32),
        across[..., 0].astype(np.float32),
        across[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
    ).mean(axis=1)
    brighter_above = np.maximum.accumulate(profile)
    brighter_below = np.maximum.accumulate(profile[::-1])[::-1]
    valley = np.minimum(brighter_above, brighter_below) - profile
    deepest = int(np.argmax(valley))
    return float(shares[deepest]) if valley[deepest] >= TEETH_GAP_CONTRAST else 1.0


def _filled_in(base: np.ndarray, opening: np.ndarray, rim: int = 2) -> np.ndarray:
    """The base with an opening (and a ``rim`` of pixels round it) inpainted from what
    surrounds it (the lips round the mouth, the lids round the eyes), plus the filled area as
    a soft coverage channel."""
    grown = cv2.dilate((opening > 0.1).astype(np.uint8), np.ones((2 * rim + 1,) * 2, np.uint8))
    pixels = np.clip(base * 255.0 + 0.5, 0, 255).astype(np.uint8)
    filled = cv2.inpaint(pixels, grown, 4, cv2.INPAINT_TELEA).astype(np.float32) / 255.0
    cover = cv2.GaussianBlur(grown.astype(np.float32), (0, 0), 1.0)[..., None]
    return np.concatenate([filled, cover], axis=2).astype(np.float32)


def _shut_eyes(base: np.ndarray, model: FaceModel) -> np.ndarray:
    """The base with each eye's opening covered by its upper lid's skin, and where (for
    :attr:`Rig.closed_eyes`)."""
    shut = _filled_in(base, model.masks.eyes, rim=3)
    lid_skin_over(shut, base, model.face.points)
    return shut


def _mouth_colours(model: FaceModel) -> MouthColours:
    """Teeth from the portrait's own teeth when its mouth is open, else from its sclera;
    cavity and tongue from its lips (so a black-and-white photo gets grey ones)."""
    image = model.image.astype(np.float32) / 255.0
    lips = image[model.masks.lips > 0.9]
    lip = lips.mean(axis=0) if len(lips) else np.array([0.6, 0.35, 0.35])
    interior = image[model.masks.mouth_interior > 0.9]
    eye = image[(model.masks.eyes > 0.9) & (model.masks.irises < 0.1)]
    if len(interior) >= 20:
        luminance = interior.mean(axis=1)
        teeth = interior[luminance >= np.quantile(luminance, 0.8)].mean(axis=0)
    elif len(eye) >= 4:
        teeth = eye[eye.mean(axis=1) >= np.quantile(eye.mean(axis=1), 0.5)].mean(axis=0) * 0.95
    else:
        teeth = np.array([0.85, 0.82, 0.76])
    return MouthColours(
        teeth=np.clip(teeth, 0.0, 1.0).astype(np.float32),
        cavity=(lip * 0.22).astype(np.float32),
        tongue=(lip * 0.75).astype(np.float32),
    )
