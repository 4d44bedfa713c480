"""`talkgate demo`: the pipeline run end to end on the embedded defaults.

For now the demo runs face analysis on the demo portrait (NASA's astronaut portrait of
Eileen Collins, public domain, shipped in scikit-image), writes a landmark overlay, animates
the portrait through a short motion sweep, and makes it say a sentence: espeak-ng speaks it,
its phoneme times drive the mouth through the viseme rules, and the clip carries the speech.
Both clips are released as talkgate releases everything: watermarked in every frame and
signed with a C2PA manifest. The talking clip is then verified as a third party would.
Later stages (the learned motion model, the gateway, consent) extend it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from gateway.clips import ReleasedClip, model_versions, release_clip
from gateway.models import open_landmarker
from gateway.provenance import signing_credentials, trust_anchors, verify_file
from gateway.settings import Settings
from generator import draw_landmarks, write_wav
from generator.face_model import build_face_model
from generator.motion import sweep
from generator.runtime import keep_freed_memory
from generator.speech import Espeak
from generator.speech.visemes import speech_motion
from watermark import InputDigest, Verification, load_or_create_key


@dataclass(frozen=True)
class DemoResult:
    """What the demo made and where it put it."""

    overlay_path: Path
    clip: ReleasedClip
    talking: ReleasedClip
    #: The talking clip checked as a third party would: manifest and watermark.
    verification: Verification
    landmark_count: int
    face_size_px: float
    head_yaw_deg: float
    top_blendshapes: tuple[tuple[str, float], ...]


#: What the demo portrait says (synthetic speech: nobody's voice is cloned).
DEMO_SENTENCE = (
    "Hello. I am a portrait, animated by talkgate. "
    "Every clip it makes is watermarked, signed, and made with consent."
)


def demo_portrait() -> np.ndarray:
    """The demo portrait, ``(512, 512, 3)`` uint8 RGB."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


def run_demo(settings: Settings) -> DemoResult:
    """Analyse the demo portrait's face, save the landmark overlay, animate the portrait
    through a 12-second motion sweep and make it say :data:`DEMO_SENTENCE`, release both
    clips (marked, signed) and verify the talking one, all under the data directory.

    Raises:
        AssetError: the face landmarker asset is missing or corrupt.
        GeneratorError: face analysis or rendering failed.
        WatermarkError: the watermark key or the signer is unusable.
    """
    key = load_or_create_key(settings.watermark_key_path)
    credentials = signing_credentials(settings)
    portrait = demo_portrait()
    with open_landmarker(settings) as landmarker:
        face = landmarker.analyse(portrait)
        model = build_face_model(portrait, landmarker)
    out_dir = settings.outputs_dir / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    overlay_path = out_dir / "astronaut_landmarks.png"
    Image.fromarray(draw_landmarks(portrait, face)).save(overlay_path)
    portrait_path = out_dir / "astronaut.png"
    Image.fromarray(portrait).save(portrait_path)
    portrait_digest = InputDigest.of_file(portrait_path, "image/png")
    keep_freed_memory()
    clip = release_clip(
        model,
        sweep(seconds_per_axis=0.5).motion,
        out_dir / "astronaut_sweep.mp4",
        key,
        credentials,
        inputs=(portrait_digest,),
        models=model_versions("motion sweep"),
    )
    said = Espeak().speak(DEMO_SENTENCE, voice="en-us+f2", rate=150)
    speech_path = write_wav(out_dir / "speech.wav", said.audio)
    talking = release_clip(
        model,
        speech_motion(said.phones, said.audio.duration_s),
        out_dir / "astronaut_talking.mp4",
        key,
        credentials,
        audio=said.audio,
        inputs=(portrait_digest, InputDigest.of_file(speech_path, "audio/wav")),
        models=model_versions("viseme rules (espeak-ng phoneme times)"),
    )
    verification = verify_file(talking.info.path, trust_anchors(settings), [key])
    top = sorted(
        ((name, score) for name, score in face.blendshapes.items() if name != "_neutral"),
        key=lambda item: item[1],
        reverse=True,
    )[:3]
    return DemoResult(
        overlay_path,
        clip,
        talking,
        verification,
        len(face.points),
        face.size,
        face.head_pose.yaw,
        tuple(top),
    )
