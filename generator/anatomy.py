"""Named landmark groups of MediaPipe's 478-point face mesh.

Every polyline runs from the face's image-left side to its image-right side (or around a
contour) so that code can pair points by position. "Right" and "left" are the subject's own:
the subject's right eye is on the image's left.
"""

from __future__ import annotations

#: Lip contours, each from the right mouth corner to the left one.
LIP_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIP_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIP_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIP_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)

#: Eye openings, each lid from the image-left corner to the image-right corner.
RIGHT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_EYE_UPPER = (362, 398, 384, 385, 386, 387, 388, 466, 263)
LEFT_EYE_LOWER = (362, 382, 381, 380, 374, 373, 390, 249, 263)

#: Irises: the centre first, then four points on the rim.
RIGHT_IRIS = (468, 469, 470, 471, 472)
LEFT_IRIS = (473, 474, 475, 476, 477)

#: Eyebrows: upper edge then lower edge, together a closed outline.
RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
LEFT_BROW = (336, 296, 334, 293, 300, 276, 283, 282, 295, 285)

#: The face's outline, clockwise from the top of the forehead.
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip

CHIN = 152
FOREHEAD = 10
NOSE_TIP = 1

#: The landmarks of the mesh proper (without the iris points).
MESH_POINTS = 468
