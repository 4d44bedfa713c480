"""`talkgate demo`: the pipeline run end to end on the embedded defaults.

For now the demo runs face analysis on the demo portrait (NASA's astronaut portrait of
Eileen Collins, public domain, shipped in scikit-image), writes a landmark overlay, animates
the portrait through a short motion sweep, and makes it say a sentence: espeak-ng speaks it,
its phoneme times drive the mouth through the viseme rules, and the clip carries the speech.
Later stages (the learned motion model, marking, signing, the gateway) extend it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from gateway.models import open_landmarker
from gateway.settings import Settings
from generator import ClipInfo, draw_landmarks
from generator.face_model import build_face_model
from generator.motion import sweep
from generator.pipeline import render_clip
from generator.runtime import keep_freed_memory
from generator.speech import Espeak
from generator.speech.visemes import speech_motion


@dataclass(frozen=True)
class DemoResult:
    """What the demo made and where it put it."""

    overlay_path: Path
    clip: ClipInfo
    talking: ClipInfo
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
    through a 12-second motion sweep and make it say :data:`DEMO_SENTENCE`, all under the
    data directory.

    Raises:
        AssetError: the face landmarker asset is missing or corrupt.
        GeneratorError: face analysis or rendering failed.
    """
    portrait = demo_portrait()
    with open_landmarker(settings) as landmarker:
        face = landmarker.analyse(portrait)
        model = build_face_model(portrait, landmarker)
    out_dir = settings.outputs_dir / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    overlay_path = out_dir / "astronaut_landmarks.png"
    Image.fromarray(draw_landmarks(portrait, face)).save(overlay_path)
    keep_freed_memory()
    clip = render_clip(model, sweep(seconds_per_axis=0.5).motion, out_dir / "astronaut_sweep.mp4")
    said = Espeak().speak(DEMO_SENTENCE, voice="en-us+f2", rate=150)
    talking = render_clip(
        model,
        speech_motion(said.phones, said.audio.duration_s),
        out_dir / "astronaut_talking.mp4",
        audio=said.audio,
    )
    top = sorted(
        ((name, score) for name, score in face.blendshapes.items() if name != "_neutral"),
        key=lambda item: item[1],
        reverse=True,
    )[:3]
    return DemoResult(
        overlay_path, clip, talking, len(face.points), face.size, face.head_pose.yaw, tuple(top)
    )
