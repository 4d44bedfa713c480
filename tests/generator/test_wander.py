"""The head's slow wander streams without seams, is seeded, and spreads as documented."""

from __future__ import annotations

import numpy as np
import pytest

from generator.motion_model.wander import SPREAD, HeadWander

FPS = 25.0


def test_taken_in_pieces_it_is_the_same_stream() -> None:
    pieces = HeadWander(7, FPS)
    joined = np.concatenate([pieces.take(n) for n in (1, 39, 40, 3, 117)])
    np.testing.assert_array_equal(joined, HeadWander(7, FPS).take(200))


def test_the_seed_fixes_the_wander() -> None:
    np.testing.assert_array_equal(HeadWander(1, FPS).take(50), HeadWander(1, FPS).take(50))
    assert np.abs(HeadWander(1, FPS).take(50) - HeadWander(2, FPS).take(50)).max() > 0.1


def test_it_spreads_as_documented_slowly_and_from_the_first_frame() -> None:
    clips = np.stack([HeadWander(seed, FPS).take(int(120 * FPS)) for seed in range(24)])
    whole = clips.reshape(-1, len(SPREAD)).std(axis=0)
    np.testing.assert_allclose(whole, list(SPREAD.values()), rtol=0.15)
    # Stationary: the first frames spread like the rest, rather than starting at rest.
    assert np.all(clips[:, 0].std(axis=0) > 0.5 * np.array(list(SPREAD.values())))
    # A turn takes seconds: 2 s hold little of the spread, and no frame jumps.
    two_seconds = np.median(clips[:, :50].std(axis=1), axis=0)
    assert np.all(two_seconds < 0.3 * np.array(list(SPREAD.values())))
    assert np.abs(np.diff(clips, axis=1)).max() < 0.6


@pytest.mark.parametrize("count", [0, 1])
def test_empty_and_single_frame_takes(count: int) -> None:
    assert HeadWander(0, FPS).take(count).shape == (count, len(SPREAD))
