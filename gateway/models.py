"""The generator's models, opened from the verified assets (one place says which file is
which, so commands and benchmarks cannot drift apart)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gateway.assets import asset_path
from gateway.settings import Settings
from generator import FaceLandmarker
from generator.identity import FaceEmbedder

if TYPE_CHECKING:
    from generator.motion_model.generate import MotionGenerator


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


def speech_encoder_dir(settings: Settings) -> Path:
    """The Whisper tiny.en model directory the motion model listens through.

    Raises:
        AssetError: the asset is missing or corrupt.
    """
    return asset_path(settings.assets_dir, "whisper_tiny_en").parent


def open_speaker(settings: Settings) -> MotionGenerator:
    """The committed motion model (its weights checked against its card) and its encoder.

    Raises:
        AssetError: the speech encoder asset is missing or corrupt.
        WeightsMismatch: the motion model's weights are missing or altered.
    """
    from generator.motion_model.generate import MotionGenerator

    return MotionGenerator.from_card(encoder_dir=speech_encoder_dir(settings))
