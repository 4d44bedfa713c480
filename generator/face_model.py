"""Portrait → face model: the framed image, its landmarks and its region masks.

The face model is everything the renderer needs to know about the subject, computed once per
portrait::

    with FaceLandmarker(model_path) as landmarker:
        model = build_face_model(load_portrait("portrait.jpg"), landmarker)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.errors import NoFaceFound
from generator.face import FaceLandmarker, FaceLandmarks
from generator.framing import DEFAULT_SIZE, Framing, apply_framing, frame_for
from generator.regions import RegionMasks, region_masks


@dataclass(frozen=True)
class FaceModel:
    """One subject, framed for output.

    Attributes:
        image: ``(size, size, 3)`` uint8 RGB, the framed portrait (the neutral frame).
        face: the face's landmarks, blendshapes and pose, in framed pixels.
        masks: region masks of the framed image.
        framing: where the frame sits in the original portrait.
    """

    image: np.ndarray
    face: FaceLandmarks
    masks: RegionMasks
    framing: Framing

    @property
    def size(self) -> int:
        """The frame's side, in pixels."""
        return self.framing.size


def build_face_model(
    portrait: np.ndarray,
    landmarker: FaceLandmarker,
    *,
    size: int = DEFAULT_SIZE,
    choose: int | None = None,
) -> FaceModel:
    """Analyse a portrait, frame its face and describe the framed face.

    The landmarks are found again in the framed image (not just rescaled), so they match the
    pixels the renderer warps.

    Args:
        portrait: ``(H, W, 3)`` uint8 RGB.
        landmarker: an open face landmarker.
        size: the output frame's side, in pixels.
        choose: which face to animate when the portrait has several (0 = largest).

    Raises:
        NoFaceFound, MultipleFacesFound, FaceTooSmall, ExtremePose: see
            :meth:`FaceLandmarker.analyse`.
    """
    face = landmarker.analyse(portrait, choose=choose)
    framing = frame_for(face, size)
    image = apply_framing(portrait, framing)
    expected = framing.to_output(face.points[:, :2]).mean(axis=0)
    found = landmarker.detect(image)
    if not found:
        raise NoFaceFound("the face was lost after framing; try a larger portrait")
    framed = min(found, key=lambda f: float(np.linalg.norm(f.points[:, :2].mean(0) - expected)))
    return FaceModel(
        image=image,
        face=framed,
        masks=region_masks(framed.points, (size, size)),
        framing=framing,
    )
