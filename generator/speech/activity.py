"""Where someone speaks in a recording, per video frame, and where the mouth may rest.

MotionDiT was trained on passages that always hold speech, so over silence and music it keeps
the mouth half open and moving. Until the corpus holds both, the generator lets the speech
modes rest wherever no one speaks for a while: where WebRTC's voice activity detector (as
pocketsphinx ships it) hears no voice, or Whisper hears no speech in the 30-s window
(:meth:`~generator.speech.features.SpeechEncoder.hear`). The face, eyes and head keep their
motion.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import binary_dilation, gaussian_filter1d

from generator.io import SPEECH_SAMPLE_RATE, AudioTrack

#: WebRTC VAD's most aggressive mode: silence and quiet room noise are never speech.
VAD_MODE = 3
#: Speech holds the mouth this long on either side (pauses between words and phrases, the
#: anticipation and carry-over of the lips).
HOLD_S = 0.3
#: The mouth eases into and out of rest over about this long.
EASE_S = 0.1


def voice_activity(audio: AudioTrack, frames: int, fps: float) -> np.ndarray:
    """``(frames,)`` bool: the detector hears speech in the 30 ms around each frame's centre.

    Raises:
        ValueError: the audio is not at 16 kHz.
    """
    from pocketsphinx import Vad

    if audio.sample_rate != SPEECH_SAMPLE_RATE:
        raise ValueError(f"voice activity needs {SPEECH_SAMPLE_RATE} Hz, not {audio.sample_rate}")
    vad = Vad(VAD_MODE, SPEECH_SAMPLE_RATE)
    size = vad.frame_bytes // 2  # 16-bit samples per detector frame (30 ms)
    pcm = (np.clip(audio.samples, -1.0, 1.0) * 32767).astype(np.int16)
    chunks = len(pcm) // size
    heard = np.array(
        [vad.is_speech(pcm[i * size : (i + 1) * size].tobytes()) for i in range(chunks)], bool
    )
    centres = ((np.arange(frames) + 0.5) / fps * SPEECH_SAMPLE_RATE / size).astype(int)
    return heard[np.minimum(centres, chunks - 1)] if chunks else np.zeros(frames, bool)


def resting(voiced: np.ndarray, fps: float) -> np.ndarray:
    """``(T,)`` in 0–1: how far each frame's mouth should be eased to rest (1 beyond
    :data:`HOLD_S` from any speech, easing over :data:`EASE_S`)."""
    if not voiced.any():
        return np.ones(len(voiced), np.float32)
    near = binary_dilation(voiced, iterations=max(1, round(HOLD_S * fps)))
    return np.clip(gaussian_filter1d((~near).astype(np.float32), EASE_S * fps), 0.0, 1.0)
