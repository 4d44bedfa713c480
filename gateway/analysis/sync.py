"""Audio–visual sync: does the mouth on camera move with the voice on the soundtrack?

A person reading aloud opens their mouth when the sound is loud and closes it in pauses, so
mouth opening and loudness rise and fall together. The score is their Pearson correlation,
the best over a lag of up to two frames either way (audio and video are rarely captured in
perfect step). A still photo over a voice does not move at all and scores 0; a video of
someone else's mouth, or a voice laid over unrelated footage, scores near 0.
"""

from __future__ import annotations

import numpy as np

from generator import AudioTrack, FaceLandmarks

#: Landmarks of the inner lips (upper, lower) and of the face's top and chin.
_UPPER_LIP, _LOWER_LIP, _FOREHEAD, _CHIN = 13, 14, 10, 152
#: Mouths that move less than this (a share of the face height) are not moving at all.
_STILL = 0.003
MAX_LAG_FRAMES = 2


def mouth_opening(face: FaceLandmarks) -> float:
    """The gap between the inner lips as a share of the face's height."""
    points = face.points[:, :2]
    gap = np.linalg.norm(points[_UPPER_LIP] - points[_LOWER_LIP])
    height = np.linalg.norm(points[_FOREHEAD] - points[_CHIN])
    return float(gap / max(height, 1e-6))


def loudness(audio: AudioTrack, fps: float, frames: int) -> np.ndarray:
    """Speech loudness per video frame: RMS level in dB over each frame's span."""
    per_frame = audio.sample_rate / fps
    levels = np.full(frames, -100.0)
    for index in range(frames):
        span = audio.samples[int(index * per_frame) : int((index + 1) * per_frame)]
        if len(span):
            levels[index] = 20 * np.log10(np.sqrt(np.mean(span.astype(np.float64) ** 2)) + 1e-5)
    return levels


def sync_score(opening: np.ndarray, level: np.ndarray, max_lag: int = MAX_LAG_FRAMES) -> float:
    """The best correlation of mouth opening with loudness within ``max_lag`` frames.

    Frames without a face (NaN opening) are left out. 0 when the mouth does not move.
    """
    usable = ~np.isnan(opening)
    if usable.sum() < 10 or np.nanstd(opening) < _STILL:
        return 0.0
    best = -1.0
    for lag in range(-max_lag, max_lag + 1):
        mouth = opening[max(0, lag) : len(opening) + min(0, lag)]
        sound = level[max(0, -lag) : len(level) + min(0, -lag)]
        keep = ~np.isnan(mouth)
        if keep.sum() < 10 or np.std(sound[keep]) == 0:
            continue
        best = max(best, float(np.corrcoef(mouth[keep], sound[keep])[0, 1]))
    return best
