"""The output framing: a head-and-shoulders square crop around the face, resized.

Every later stage (masks, motion, rendering) works in the framed image, so a clip looks the
same whatever the portrait's size: the face fills the same share of the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from generator.face import FaceLandmarks

#: Default output side, in pixels.
DEFAULT_SIZE = 512
#: Crop side as a multiple of the face's landmark height (forehead to chin).
CROP_PER_FACE = 2.4
#: How far below the crop's centre the face sits, as a share of the crop side (room for
#: shoulders below, hair above).
FACE_ABOVE_CENTRE = 0.12


@dataclass(frozen=True)
class Framing:
    """Where the output frame sits in the portrait.

    Attributes:
        x0: left edge of the square crop, in portrait pixels (may be negative).
        y0: top edge of the crop, in portrait pixels (may be negative).
        side: the crop's side, in portrait pixels.
        size: the output frame's side, in pixels.
    """

    x0: float
    y0: float
    side: float
    size: int

    @property
    def scale(self) -> float:
        """Output pixels per portrait pixel."""
        return self.size / self.side

    def to_output(self, points: np.ndarray) -> np.ndarray:
        """Map ``(..., 2+)`` portrait-pixel points to output pixels (z, if any, scales too)."""
        out = np.array(points, dtype=np.float32, copy=True)
        out[..., 0] -= self.x0
        out[..., 1] -= self.y0
        return out * np.float32(self.scale)


def frame_for(face: FaceLandmarks, size: int = DEFAULT_SIZE) -> Framing:
    """The head-and-shoulders square framing of a face, kept inside the portrait if it fits."""
    x0, y0, x1, y1 = face.bbox
    width, height = face.image_size
    side = CROP_PER_FACE * max(y1 - y0, x1 - x0)
    cx = (x0 + x1) / 2
    cy = (y0 + y1) / 2 + FACE_ABOVE_CENTRE * side
    left, top = cx - side / 2, cy - side / 2
    # Slide the crop back inside the portrait where the portrait is big enough.
    if side <= width:
        left = min(max(left, 0.0), width - side)
    if side <= height:
        top = min(max(top, 0.0), height - side)
    return Framing(x0=left, y0=top, side=side, size=size)


def apply_framing(image: np.ndarray, framing: Framing) -> np.ndarray:
    """Cut and resize the crop. Areas outside the portrait repeat its edge, blurred into soft
    colour (mirroring would copy a face into the border, repeating alone draws streaks).

    Args:
        image: ``(H, W, 3)`` uint8 RGB portrait.

    Returns:
        ``(size, size, 3)`` uint8 RGB.
    """
    outside = _outside(framing, image.shape[:2])
    s = framing.scale
    matrix = np.array([[s, 0, -s * framing.x0], [0, s, -s * framing.y0]], dtype=np.float64)
    if s < 1:  # shrinking: average over each output pixel's footprint, no aliasing
        x0, y0 = int(np.floor(framing.x0)), int(np.floor(framing.y0))
        x1, y1 = int(np.ceil(framing.x0 + framing.side)), int(np.ceil(framing.y0 + framing.side))
        h, w = image.shape[:2]
        pad = (max(0, -y0), max(0, y1 - h), max(0, -x0), max(0, x1 - w))
        padded = cv2.copyMakeBorder(image, *pad, cv2.BORDER_REPLICATE)
        crop = padded[y0 + pad[0] : y1 + pad[0], x0 + pad[2] : x1 + pad[2]]
        small = cv2.resize(
            crop,
            (round((x1 - x0) * s), round((y1 - y0) * s)),
            interpolation=cv2.INTER_AREA,
        )
        shift = np.array([[1, 0, -(framing.x0 - x0) * s], [0, 1, -(framing.y0 - y0) * s]])
        image, matrix = small, shift
    framed = cv2.warpAffine(
        image,
        matrix,
        (framing.size, framing.size),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    if not outside.any():
        return framed
    soft = cv2.GaussianBlur(framed, (0, 0), framing.size / 24)
    blend = outside[..., None]
    return np.round(framed * (1 - blend) + soft * blend).astype(np.uint8)


def _outside(framing: Framing, shape: tuple[int, int]) -> np.ndarray:
    """``(size, size)`` float32: 0 where the frame shows the portrait, rising to 1 within
    8 output pixels beyond its edge."""
    height, width = shape
    centres = (np.arange(framing.size) + 0.5) / framing.scale - 0.5
    xs, ys = framing.x0 + centres, framing.y0 + centres
    beyond_x = np.maximum(np.maximum(-xs, xs - (width - 1)), 0.0) * framing.scale
    beyond_y = np.maximum(np.maximum(-ys, ys - (height - 1)), 0.0) * framing.scale
    beyond = np.maximum(beyond_y[:, None], beyond_x[None, :])
    return np.clip(beyond / 8.0, 0.0, 1.0).astype(np.float32)
