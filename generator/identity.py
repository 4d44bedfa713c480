"""Who is in a picture: SFace face embeddings (OpenCV zoo), found with YuNet.

Used to check that rendering keeps the subject's identity (and, later, that a portrait shows
the person who consented). Cosine similarity of two embeddings above
:data:`SAME_PERSON_COSINE` means the same person by SFace's published threshold.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from generator.errors import GeneratorError

#: SFace's cosine threshold for "same person" (OpenCV zoo, LFW).
SAME_PERSON_COSINE = 0.363
_INPUT = (112, 112)


class FaceEmbedder:
    """YuNet detection + SFace alignment and embedding, loaded once."""

    def __init__(self, yunet_path: Path, sface_path: Path) -> None:
        """Load both models.

        Raises:
            GeneratorError: a model file cannot be loaded.
        """
        # OpenCV 5's new DNN engine warns about targets it ignores; nothing to act on.
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        try:
            self._detector = cv2.FaceDetectorYN.create(str(yunet_path), "", (320, 320))
            # The recogniser object only aligns; the int8 SFace graph runs on the classic
            # engine, which OpenCV 5's new engine cannot (it rejects the unnamed input).
            self._aligner = cv2.FaceRecognizerSF.create(str(sface_path), "")
            self._net = cv2.dnn.readNetFromONNX(str(sface_path), engine=cv2.dnn.ENGINE_CLASSIC)
        except cv2.error as exc:
            raise GeneratorError(f"cannot load the face embedding models: {exc}") from exc

    def faces(self, image: np.ndarray) -> np.ndarray:
        """YuNet's detections ``(N, 15)`` (box, five landmarks, score), largest first.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
        """
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        height, width = bgr.shape[:2]
        self._detector.setInputSize((width, height))
        _, faces = self._detector.detect(bgr)
        if faces is None:
            return np.zeros((0, 15), np.float32)
        return faces[np.argsort(-(faces[:, 2] * faces[:, 3]))]

    def embed_face(self, image: np.ndarray, face: np.ndarray) -> np.ndarray:
        """The unit-length 128-D embedding of one detected ``face`` (a row of :meth:`faces`)."""
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        aligned = self._aligner.alignCrop(bgr, face)
        self._net.setInput(cv2.dnn.blobFromImage(aligned, 1.0, _INPUT, (0, 0, 0), True, False))
        feature = self._net.forward().reshape(-1)
        return feature / np.linalg.norm(feature)

    def embed(self, image: np.ndarray) -> np.ndarray | None:
        """The unit-length 128-D embedding of the largest face, or ``None`` if there is none.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
        """
        faces = self.faces(image)
        return self.embed_face(image, faces[0]) if len(faces) else None


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two unit embeddings."""
    return float(np.dot(a, b))
