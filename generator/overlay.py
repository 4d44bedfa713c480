"""Pictures of a face analysis: the landmark mesh drawn over the portrait."""

from __future__ import annotations

import cv2
import numpy as np

from generator.face import FaceLandmarks

# The mesh is blended in faintly so the face stays visible under it.
_MESH_COLOUR = (235, 235, 235)
_MESH_OPACITY = 0.35
# Feature contours and their colours (RGB), drawn opaque over the mesh.
_REGION_COLOURS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("FACE_LANDMARKS_FACE_OVAL", (240, 240, 240)),
    ("FACE_LANDMARKS_LEFT_EYEBROW", (255, 200, 0)),
    ("FACE_LANDMARKS_RIGHT_EYEBROW", (255, 200, 0)),
    ("FACE_LANDMARKS_LEFT_EYE", (0, 220, 255)),
    ("FACE_LANDMARKS_RIGHT_EYE", (0, 220, 255)),
    ("FACE_LANDMARKS_LEFT_IRIS", (60, 255, 60)),
    ("FACE_LANDMARKS_RIGHT_IRIS", (60, 255, 60)),
    ("FACE_LANDMARKS_LIPS", (255, 60, 90)),
)


def draw_landmarks(image: np.ndarray, face: FaceLandmarks) -> np.ndarray:
    """Draw the face mesh and its feature contours over a copy of the image.

    Args:
        image: ``(H, W, 3)`` uint8 RGB, the image the landmarks were found in.
        face: the analysis of that image.

    Returns:
        A new ``(H, W, 3)`` uint8 RGB image.
    """
    from mediapipe.tasks.python.vision import FaceLandmarksConnections

    thickness = max(1, round(face.width / 300))
    # Sub-pixel precision: cv2 takes fixed-point coordinates with `shift` fractional bits.
    shift = 4
    points = np.round(face.points[:, :2] * (1 << shift)).astype(np.int32)

    def draw(canvas: np.ndarray, connections: list, colour: tuple[int, int, int]) -> None:
        for connection in connections:
            start, end = points[connection.start], points[connection.end]
            cv2.line(canvas, tuple(start), tuple(end), colour, thickness, cv2.LINE_AA, shift)

    mesh = np.ascontiguousarray(image.copy())
    draw(mesh, FaceLandmarksConnections.FACE_LANDMARKS_TESSELATION, _MESH_COLOUR)
    canvas = cv2.addWeighted(mesh, _MESH_OPACITY, image, 1 - _MESH_OPACITY, 0)
    for region, colour in _REGION_COLOURS:
        draw(canvas, getattr(FaceLandmarksConnections, region), colour)
    return canvas
