"""Portrait + speech → talking-head frames.

Face analysis, the motion space, the learned audio-to-motion model (MotionDiT) and the
renderer. A portrait made to speak::

    from generator import FaceLandmarker, load_portrait, read_audio
    from generator.face_model import build_face_model
    from generator.motion_model.generate import MotionGenerator
    from generator.pipeline import generate
    from generator.controls import Controls

    with FaceLandmarker(model_path) as landmarker:
        model = build_face_model(load_portrait("portrait.jpg"), landmarker)
    speaker = MotionGenerator.from_card(encoder_dir=whisper_tiny_en_dir)
    for frame in generate(model, read_audio("speech.wav"), speaker, Controls(gaze=(5, 0))):
        ...  # (512, 512, 3) uint8 frames at 25 fps, as they are made

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
    WeightsMismatch,
)
from generator.face import FaceLandmarker, FaceLandmarks, HeadPose, require_animatable
from generator.io import (
    AudioTrack,
    ClipInfo,
    ClipWriter,
    LumaFrame,
    probe,
    read_audio,
    read_frames,
    read_luma,
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
    "LumaFrame",
    "MotionError",
    "MotionSequence",
    "MultipleFacesFound",
    "NoFaceFound",
    "WeightsMismatch",
    "draw_landmarks",
    "load_portrait",
    "probe",
    "require_animatable",
    "read_audio",
    "read_frames",
    "read_luma",
    "write_wav",
]
