"""Clips as talkgate releases them: the watermark in every frame, then a signed manifest.

The generator renders frames; nothing leaves this module unmarked or unsigned. The order is
fixed: the mark goes into each frame as it is encoded, and the manifest is signed over the
finished file, whose every byte its hard binding covers.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from gateway.assets import get_asset
from gateway.provenance import sign_file
from generator import AudioTrack, ClipInfo
from generator.face_model import FaceModel
from generator.motion import MotionSequence
from generator.pipeline import render_clip
from watermark import (
    InputDigest,
    Marker,
    Payload,
    ProvenanceClaim,
    SigningCredentials,
    WatermarkKey,
)


@dataclass(frozen=True)
class ReleasedClip:
    """A marked, signed clip: where it is, the payload its frames carry, its manifest."""

    info: ClipInfo
    payload: Payload
    #: The signed C2PA manifest store, as embedded in the clip (the registry keeps a copy).
    manifest: bytes


def model_versions(motion: str) -> dict[str, str]:
    """The models behind a clip, for its manifest: each asset's weights digest, and what
    drove the motion (``motion``: e.g. "rule baseline", "motion file", "sweep")."""
    used = {"face_landmarker", "yunet"}
    versions = {name: f"sha256:{get_asset(name).files[0].sha256[:16]}" for name in sorted(used)}
    return {**versions, "motion": motion}


def release_clip(
    model: FaceModel,
    motion: MotionSequence,
    output: Path,
    key: WatermarkKey,
    credentials: SigningCredentials,
    *,
    audio: AudioTrack | None = None,
    inputs: tuple[InputDigest, ...] = (),
    models: Mapping[str, str] | None = None,
    consent_id: str | None = None,
    decision_id: str | None = None,
    clip_id: int | None = None,
    device: str = "cpu",
    on_frame: Callable[[int, int], object] = lambda done, total: None,
) -> ReleasedClip:
    """Render ``motion`` on ``model`` with ``clip_id`` (default: a fresh random one) under
    ``key`` marked into every frame, and sign the result into ``output`` with
    ``credentials``. The caller loads both first, so a misconfigured key or signer fails
    before any rendering.

    Raises:
        GeneratorError: rendering failed; MediaError: a file cannot be written.
        ProvenanceError: signing failed.
    """
    payload = Payload(secrets.randbits(64) if clip_id is None else clip_id, key.key_id)
    marker = Marker(key, payload)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".unsigned-") as work:
        unsigned = Path(work) / output.name
        info = render_clip(
            model,
            motion,
            unsigned,
            audio=audio,
            device=device,
            on_frame=on_frame,
            mark=marker.mark,
        )
        claim = ProvenanceClaim(
            payload,
            output.name,
            inputs=inputs,
            models=dict(models or {}),
            consent_id=consent_id,
            decision_id=decision_id,
        )
        manifest = sign_file(unsigned, output, claim, credentials)
    return ReleasedClip(replace(info, path=output), payload, manifest)
