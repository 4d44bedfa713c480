"""Head rotation fitted from the 2-D landmarks to MediaPipe's canonical face.

MediaPipe's own facial transformation matrix is a Procrustes fit of its *3-D* landmarks, and
their depth is a guess from one image that moves with the expression: on rendered frames
whose head pose is known, pressed lips read as 4.8° of pitch and the matrix's pitch
correlates only 0.70 with the true one over a talking clip. The landmarks' image positions
do not move that way, so the head pose is fitted to them alone: the canonical face, rigid,
seen by a distant camera (near-orthographic), placed by ``cv2.solvePnP``. Over the same
clip this pitch correlates 0.91 with the truth (``docs/renderer.md``, "How head pose is
read").

The canonical face ships inside the landmarker's own ``face_landmarker.task`` bundle as
``geometry_pipeline_metadata_landmarks.binarypb``, a ``GeometryPipelineMetadata`` protocol
buffer (``mediapipe/tasks/cc/vision/face_geometry/proto/``), read here with protobuf.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from generator.anatomy import MESH_POINTS
from generator.errors import GeneratorError

#: The bundle member that holds the canonical face.
METADATA_MEMBER = "geometry_pipeline_metadata_landmarks.binarypb"
#: Camera distance in face widths: far enough that the fit is a rotation of the 2-D shape,
#: not a guess at the photographer's lens.
CAMERA_DISTANCE = 50.0
#: Flips between MediaPipe's axes (x right, y up, z toward the camera) and image axes (y down,
#: z away); it is its own inverse.
MEDIAPIPE_TO_IMAGE = np.diag([1.0, -1.0, -1.0])


def _metadata_message() -> type:
    """The two fields of ``GeometryPipelineMetadata`` needed, as a protobuf message class;
    the others parse as unknown fields."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    field = descriptor_pb2.FieldDescriptorProto
    schema = descriptor_pb2.FileDescriptorProto(
        name="talkgate/face_geometry.proto", package="talkgate", syntax="proto2"
    )
    mesh = schema.message_type.add(name="Mesh3d")
    mesh.field.add(
        name="vertex_buffer", number=3, type=field.TYPE_FLOAT, label=field.LABEL_REPEATED
    )
    metadata = schema.message_type.add(name="GeometryPipelineMetadata")
    metadata.field.add(
        name="canonical_mesh",
        number=1,
        type=field.TYPE_MESSAGE,
        type_name=".talkgate.Mesh3d",
        label=field.LABEL_OPTIONAL,
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(schema)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("talkgate.GeometryPipelineMetadata")
    )


def read_canonical_face(task_path: Path) -> np.ndarray:
    """The canonical face's ``(468, 3)`` vertices in centimetres, image axes (x right, y down,
    z away from the camera).

    Raises:
        GeneratorError: the bundle has no readable canonical face.
    """
    from google.protobuf.message import DecodeError

    try:
        with zipfile.ZipFile(task_path) as bundle:
            raw = bundle.read(METADATA_MEMBER)
        metadata = _metadata_message().FromString(raw)
    except (OSError, KeyError, zipfile.BadZipFile, DecodeError) as exc:
        raise GeneratorError(f"no canonical face in {task_path}: {exc}") from exc
    vertices = np.asarray(metadata.canonical_mesh.vertex_buffer, dtype=np.float64)
    if vertices.size != MESH_POINTS * 5:  # x, y, z, u, v per vertex
        raise GeneratorError(f"the canonical face in {task_path} has {vertices.size} values")
    return vertices.reshape(MESH_POINTS, 5)[:, :3] @ MEDIAPIPE_TO_IMAGE


def fit_rotation(points: np.ndarray, canonical: np.ndarray) -> np.ndarray:
    """The head's ``(3, 3)`` rotation, canonical face → camera in MediaPipe's axes, from the
    image positions of the mesh landmarks (``points``, ``(≥468, ≥2)`` pixels; the irises,
    which move with gaze, are left out)."""
    import cv2

    image = np.ascontiguousarray(points[:MESH_POINTS, :2], dtype=np.float64)
    centre = image.mean(axis=0)
    focal = CAMERA_DISTANCE * (float(np.ptp(image[:, 0])) or 1.0)
    camera = np.array([[focal, 0.0, centre[0]], [0.0, focal, centre[1]], [0.0, 0.0, 1.0]])
    # Start facing the camera at the distance that makes the face as wide as it is: with
    # no start the solver may settle on the mirror image behind the camera.
    rotation_vector = np.zeros((3, 1))
    translation = np.array([[0.0], [0.0], [CAMERA_DISTANCE * float(np.ptp(canonical[:, 0]))]])
    _, rotation_vector, _ = cv2.solvePnP(
        canonical,
        image,
        camera,
        None,
        rotation_vector,
        translation,
        useExtrinsicGuess=True,
        flags=cv2.SOLVEPNP_ITERATIVE,
    )
    rotation, _ = cv2.Rodrigues(rotation_vector)
    return MEDIAPIPE_TO_IMAGE @ rotation @ MEDIAPIPE_TO_IMAGE
