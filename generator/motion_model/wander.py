"""The head's slow wander: the turns a speaking head makes over tens of seconds.

MotionDiT samples 2-s windows from 0.4 s of the motion before them. That carries what a head
does within a few seconds (nods on accents, beats, sway), but not the slow turns real speakers
make over a conversation. Tracked the same way (``talkgate bench motion-stats``), real talking
videos spread their head yaw a median 3.1° over 10 s and 3.7-5.1° over their whole length; the
model's own motion spreads 1.3° over 10 s and 2.0° over minutes, and training longer or
guiding the model towards its prefix does not widen it (docs/motion-model.md).

So, as blinks are redrawn after sampling (:mod:`generator.motion_model.blinks`), a seeded
smooth random process is added to the sampled head yaw and pitch: a critically damped
second-order process (an AR(2) with a double pole), stationary, whose spread and pace are fitted
to the real videos' spread over 5, 10, 30 and 60 s once the model's own is counted. It has
no memory beyond two frames, so it streams at no cost.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter, lfiltic

from generator.motion import MOTION_AXES

#: The axes that wander and their spread in degrees (standard deviation over a long clip).
SPREAD: dict[str, float] = {"head_yaw": 4.2, "head_pitch": 2.0}
#: The wander's pace in radians per second: turns take a few seconds, and a 10-s stretch
#: holds about 0.6 of the whole spread.
PACE = 0.6
#: Columns of the motion vector that wander, in :data:`SPREAD`'s order.
COLUMNS = [MOTION_AXES.index(axis) for axis in SPREAD]
#: Mixed into the seed, so the wander's noise is its own stream whatever else the seed fixes.
_STREAM = 0x57A4DE


class HeadWander:
    """A seeded stream of head offsets ``(n, len(SPREAD))`` in degrees.

    Successive calls continue one another: ``take(a)`` then ``take(b)`` gives exactly what
    ``take(a + b)`` gives, so windows of any size join without a seam. The stream starts
    mid-wander (from the stationary state), as a recording would.
    """

    def __init__(self, seed: int, fps: float) -> None:
        self._rng = np.random.default_rng([seed, _STREAM])
        pole = math.exp(-PACE / fps)
        self._a = np.array([1.0, -2.0 * pole, pole * pole])
        # An AR(2) with a double pole r has variance σₑ²(1 + r²)/(1 − r²)³; scale to SPREAD.
        unit = math.sqrt((1 - pole * pole) ** 3 / (1 + pole * pole))
        self._scale = np.array(list(SPREAD.values())) * unit
        # Start from the stationary state: the last two values of a long run-in.
        axes = len(SPREAD)
        run_in = lfilter(
            [1.0], self._a, self._rng.standard_normal((int(20 * fps / PACE), axes)), axis=0
        )
        self._state = np.stack(
            [lfiltic([1.0], self._a, run_in[:-3:-1, axis]) for axis in range(axes)], axis=1
        )

    def take(self, count: int) -> np.ndarray:
        """The next ``count`` offsets, degrees, one column per axis of :data:`SPREAD`."""
        noise = self._rng.standard_normal((count, len(SPREAD)))
        wander, self._state = lfilter([1.0], self._a, noise, axis=0, zi=self._state)
        return (wander * self._scale).astype(np.float32)
