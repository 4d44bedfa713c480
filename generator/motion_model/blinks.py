"""Blinks in sampled motion: the model decides when the lids close, a blink's course is fixed.

MotionDiT learns when people blink (more in pauses, irregularly) but few-step sampling blurs
the blinks themselves: most peak short of shut and many last one or two frames, a twitch no
eye makes (shortest 40 ms, median 120 ms on the held-out voices, where the targets it learned
from run 150–350 ms). A blink's course is stereotyped (a quick close, a slower open), so each
blink the model makes is redrawn with the targets' profile: wherever the lids close past
:data:`BLINK_LEVEL` to a peak that stands out over :data:`MERGE_S`, a full blink is drawn at
that peak, lasting as long as the model's (its width at half height, read through the
profile) but within :data:`SHORTEST_S`–:data:`LONGEST_S`. Between blinks the lids stay open,
as in the targets.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d

from generator.motion import MOTION_AXES
from generator.speech.targets import BLINK_CLOSING, BLINK_PEAK, add_blink

#: Closure the lids must pass for the model's motion to count as a blink (the level
#: ``generator.motion_model.metrics`` counts as closed).
BLINK_LEVEL = 0.25
#: The drawn blink's duration bounds, seconds (tracked real blinks run a median 200–240 ms).
SHORTEST_S, LONGEST_S = 0.25, 0.4
#: Peaks closer than this are one blink. Two blinks drawn closer than the longest one would
#: run together into a single closure past the bounds (600–640 ms from peaks 7–8 frames
#: apart, where each is drawn 0.4 s long).
MERGE_S = LONGEST_S
#: The profile's width at half closure, as a share of its duration: a triangle scaled by
#: ``BLINK_PEAK`` passes one half where the unscaled one passes ``0.5/BLINK_PEAK``.
_HALF_WIDTH_SHARE = 1 - 0.5 / BLINK_PEAK
_BLINKS = [MOTION_AXES.index("blink_left"), MOTION_AXES.index("blink_right")]


def reach(fps: float) -> int:
    """Frames on either side a redrawn frame depends on: how far a stream must look ahead."""
    merge = int(np.ceil(MERGE_S * fps))
    profile = int(np.ceil(LONGEST_S * fps))
    return merge + profile


def redraw_blinks(values: np.ndarray, fps: float) -> np.ndarray:
    """``values`` ``(T, 24)`` with both blink channels redrawn from the blinks they hold."""
    closure = values[:, _BLINKS].mean(axis=1)
    merge = int(np.ceil(MERGE_S * fps))
    highest = maximum_filter1d(closure, 2 * merge + 1, mode="constant", cval=-np.inf)
    curve = np.zeros(len(values), np.float32)
    for peak in np.flatnonzero((closure >= BLINK_LEVEL) & (closure == highest)):
        if np.any(closure[max(0, peak - merge) : peak] == closure[peak]):
            continue  # a flat top is drawn once, from its first frame
        width = _half_width(closure, peak, merge)
        duration = float(np.clip(width / fps / _HALF_WIDTH_SHARE, SHORTEST_S, LONGEST_S))
        add_blink(curve, fps, (peak + 0.5) / fps - BLINK_CLOSING * duration, duration)
    out = values.copy()
    out[:, _BLINKS] = curve[:, None]
    return out


def _half_width(closure: np.ndarray, peak: int, limit: int) -> int:
    """Frames around ``peak`` (at most ``limit`` each way) closed past half its height."""
    half = closure[peak] / 2
    low, high = peak, peak
    while low > max(0, peak - limit) and closure[low - 1] >= half:
        low -= 1
    while high < min(len(closure) - 1, peak + limit) and closure[high + 1] >= half:
        high += 1
    return high - low + 1
