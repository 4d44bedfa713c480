"""The generator's models, opened from the verified assets (one place says which file is
which, so commands and benchmarks cannot drift apart)."""

from __future__ import annotations

from gateway.assets import asset_path
from gateway.settings import Settings
from generator import FaceLandmarker
from generator.identity import FaceEmbedder


def open_landmarker(settings: Settings, *, find_small_faces: bool = True) -> FaceLandmarker:
    """MediaPipe's face landmarker, with YuNet to find faces small in large photos.

    Args:
        find_small_faces: run YuNet on every image too (portraits from users). Reading
            video frames whose one face is known to be large needs only MediaPipe, at about
            half the time per frame.

    Raises:
        AssetError: an asset is missing or corrupt.
    """
    return FaceLandmarker(
        asset_path(settings.assets_dir, "face_landmarker"),
        detector_path=asset_path(settings.assets_dir, "yunet") if find_small_faces else None,
    )


def open_embedder(settings: Settings) -> FaceEmbedder:
    """SFace identity embeddings (with YuNet to find the face).

    Raises:
        AssetError: an asset is missing or corrupt.
    """
    return FaceEmbedder(
        asset_path(settings.assets_dir, "yunet"), asset_path(settings.assets_dir, "sface")
    )
