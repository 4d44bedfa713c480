"""False accepts, false rejects and thresholds from genuine and impostor similarity scores.

The arithmetic behind the policy bench: a pair "matches" when its cosine is at or above a
threshold; genuine pairs (one person) below it are false rejects, impostor pairs (two
people) at or above it false accepts. Thresholds are read off the impostor scores at a
target false-accept rate, to 0.001.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

#: The false-accept rates the recommended ``accept`` and ``review`` thresholds hold.
ACCEPT_FAR, REVIEW_FAR = 0.001, 0.05
#: Thresholds are quoted to three decimals, rounded up (so the FAR they promise holds).
_GRID = np.round(np.arange(-1000, 1011) * 0.001, 3)


def false_accepts(impostor: np.ndarray, thresholds: ArrayLike) -> np.ndarray:
    """The share of impostor cosines at or above each threshold (a match there)."""
    passed = len(impostor) - np.searchsorted(np.sort(impostor), thresholds, side="left")
    return passed / len(impostor)


def false_rejects(genuine: np.ndarray, thresholds: ArrayLike) -> np.ndarray:
    """The share of genuine cosines below each threshold (no match there)."""
    return np.searchsorted(np.sort(genuine), thresholds, side="left") / len(genuine)


def threshold_at_far(impostor: np.ndarray, far: float) -> float:
    """The lowest threshold (to 0.001) at which at most a share ``far`` of impostors pass."""
    return float(_GRID[np.argmax(false_accepts(impostor, _GRID) <= far)])


def equal_error_rate(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """The error rate where false accepts and false rejects cross (to a 0.001 threshold)."""
    far, frr = false_accepts(impostor, _GRID), false_rejects(genuine, _GRID)
    crossing = np.argmin(np.abs(far - frr))
    return float(far[crossing] + frr[crossing]) / 2


@dataclass(frozen=True)
class Separation:
    """How well cosines split genuine from impostor pairs, and the thresholds measured."""

    genuine: int
    impostor: int
    eer: float
    frr_at_far_1pct: float
    accept: float
    """Lowest cosine at which at most ``ACCEPT_FAR`` of impostors pass."""
    frr_at_accept: float
    """Genuine pairs below ``accept``: sent to review or refused (FRR at FAR 0.1 %)."""
    review: float
    """Lowest cosine at which at most ``REVIEW_FAR`` of impostors pass."""
    frr_at_review: float
    """Genuine pairs below ``review``: refused outright."""

    @classmethod
    def measure(cls, genuine: np.ndarray, impostor: np.ndarray) -> Separation:
        """Measure the rates and thresholds on one set of genuine and impostor cosines."""
        accept = threshold_at_far(impostor, ACCEPT_FAR)
        review = threshold_at_far(impostor, REVIEW_FAR)
        frr = false_rejects(genuine, [threshold_at_far(impostor, 0.01), accept, review])
        return cls(
            genuine=len(genuine),
            impostor=len(impostor),
            eer=equal_error_rate(genuine, impostor),
            frr_at_far_1pct=float(frr[0]),
            accept=accept,
            frr_at_accept=float(frr[1]),
            review=review,
            frr_at_review=float(frr[2]),
        )

    def cells(self, label: str) -> list[str]:
        """One row of the separation table."""
        return [
            label,
            str(self.genuine),
            str(self.impostor),
            percent(self.eer),
            percent(self.frr_at_far_1pct),
            percent(self.frr_at_accept),
            f"{self.accept:.3f}",
            f"{self.review:.3f}",
            percent(self.frr_at_review),
        ]


SEPARATION_HEADER = [
    "pairs",
    "genuine",
    "impostor",
    "EER",
    "FRR @ FAR 1%",
    "FRR @ FAR 0.1%",
    "accept (FAR ≤ 0.1%)",
    "review (FAR ≤ 5%)",
    "genuine below review",
]


def percent(rate: float) -> str:
    return f"{100 * rate:.1f}%"
