"""Portrait + speech → talking-head frames.

Today the package holds the first stage of the pipeline, face analysis::

    from generator import FaceLandmarker, load_portrait

    with FaceLandmarker(model_path) as landmarker:
        face = landmarker.analyse(load_portrait("portrait.jpg"))

It imports nothing else of talkgate's; model files are passed in as paths.
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
from generator.io import AudioTrack, ClipInfo, ClipWriter, probe, read_audio
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
    "MultipleFacesFound",
    "NoFaceFound",
    "draw_landmarks",
    "load_portrait",
    "probe",
    "require_animatable",
    "read_audio",
]
