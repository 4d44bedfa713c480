"""Preparing the eyes for gaze: what an iris looks like where the portrait hides it."""

from __future__ import annotations

import numpy as np

from generator.render.eyeball import ring_profile


def test_a_hidden_iris_is_filled_ring_by_ring() -> None:
    """An iris seen only above its centre (the lower lid over the rest) is continued below
    by its rings: dark pupil, lighter middle, dark rim. Mirroring its upper half through
    the centre carried the upper lid's shadow down, where a look up showed a dark dash."""

    def iris(distance: np.ndarray) -> np.ndarray:
        grey = np.interp(distance, [0, 2, 3, 6, 8], [0.05, 0.05, 0.35, 0.35, 0.15])
        return np.stack([grey, 0.8 * grey, 0.6 * grey], axis=-1)

    ys, xs = np.mgrid[-8:9, -8:9].astype(float)
    distance = np.hypot(xs, ys)
    disc = distance <= 8
    seen = disc & (ys <= 0)
    hidden = disc & (ys > 0)
    filled = ring_profile(iris(distance[seen]), distance[seen], distance[hidden])
    assert filled.shape == (hidden.sum(), 3)
    assert np.abs(filled - iris(distance[hidden])).max() < 0.05
