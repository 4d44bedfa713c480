"""Portrait + speech → talking-head frames.

Face analysis, the motion space and the renderer are here; the learned audio-to-motion model
is being built. A portrait animated by a motion file::

    from generator import FaceLandmarker, MotionSequence, load_portrait
    from generator.face_model import build_face_model
    from generator.pipeline import render_clip

    with FaceLandmarker(model_path) as landmarker:
        model = build_face_model(load_portrait("portrait.jpg"), landmarker)
    render_clip(model, MotionSequence.load("motion.npz"), "clip.mp4")

It imports nothing else of talkgate's; model files are passed in as paths. The package
itself stays light to import (no torch): the renderer and the pipeline live in their modules.
"""

from generator.errors import (
    ExtremePose,
    FaceTooSmall,
    GeneratorError,
    InvalidPortrait,
    MediaError,
    MultipleFacesFound,
    NoFaceFound,
)
from generator.face import FaceLandmarker, FaceLandmarks, HeadPose, require_animatable
from generator.io import (
    AudioTrack,
    ClipInfo,
    ClipWriter,
    probe,
    read_audio,
    read_frames,
    write_wav,
)
from generator.motion import MotionError, MotionSequence
from generator.overlay import draw_landmarks
from generator.portrait import MAX_PORTRAIT_PIXELS, load_portrait

__all__ = [
    "MAX_PORTRAIT_PIXELS",
    "AudioTrack",
    "ClipInfo",
    "ClipWriter",
    "ExtremePose",
    "MediaError",
    "FaceLandmarker",
    "FaceLandmarks",
    "FaceTooSmall",
    "GeneratorError",
    "HeadPose",
    "InvalidPortrait",
    "MotionError",
    "MotionSequence",
    "MultipleFacesFound",
    "NoFaceFound",
    "draw_landmarks",
    "load_portrait",
    "probe",
    "require_animatable",
    "read_audio",
    "read_frames",
    "write_wav",
]
