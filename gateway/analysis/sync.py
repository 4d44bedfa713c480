"""Audio–visual sync: does the mouth on camera move with the voice on the soundtrack?

A person reading aloud opens their mouth when the sound is loud and closes it in pauses, so
mouth opening and the speech's amplitude envelope rise and fall together (Chandrasekaran et
al. 2009). The score is their Pearson correlation, the best over a lag of up to two frames
either way (audio and video are rarely captured in perfect step). A still photo over a voice
does not move at all and scores 0. A mouth moving to other words scores lower than one moving
to these, but not 0 (below: median 0.06, at most 0.17), so the check stops a photo or a frozen
face held up to the camera, not a careful dub.

The envelope is linear RMS amplitude, not decibels: the mouth opens about in proportion to
the amplitude, and decibels stretch the quiet end (fricatives, breath, the silence floor),
where the mouth barely moves. On 32 renders of the demo portrait reading consent statements,
linear amplitude scored 0.26 ± 0.06 (lowest 0.14) where decibels scored 0.24 ± 0.06 (lowest
0.10), and the same videos against their soundtrack shifted by 1.5-4.5 s scored lower too
(95th percentile 0.15 against 0.19).
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


def envelope(audio: AudioTrack, fps: float, frames: int) -> np.ndarray:
    """The speech's amplitude per video frame: RMS over each frame's span (0 past the end)."""
    per_frame = audio.sample_rate / fps
    levels = np.zeros(frames)
    for index in range(frames):
        span = audio.samples[int(index * per_frame) : int((index + 1) * per_frame)]
        if len(span):
            levels[index] = np.sqrt(np.mean(span.astype(np.float64) ** 2))
    return levels


def sync_score(opening: np.ndarray, level: np.ndarray, max_lag: int = MAX_LAG_FRAMES) -> float:
    """The best correlation of mouth opening with the ``level`` of the speech within
    ``max_lag`` frames.

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
