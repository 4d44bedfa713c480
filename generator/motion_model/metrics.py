"""How well motion follows speech, and how lifelike it moves: the motion bench's measures.

All of them read motion vectors (``(T, 24)``, :data:`generator.motion.MOTION_AXES`), so the
learned model and the rule baseline are judged alike:

- **mouth aperture**: how far the lips are apart, ``(jaw_open + 0.5·lower_lip_depress +
  0.3·upper_lip_raise) · (1 − lip_press)``; correlated with the reference, and the lag (in
  frames) that best lines the two up;
- **viseme accuracy**: the share of frames whose mouth is nearest the same mouth shape group
  (closed, lip-to-teeth, open, rounded, spread, neutral) as the reference's;
- **closures**: the share of bilabials (p, b, m) during which, give or take ``tolerance``
  frames, the lips close (aperture ≤ 0.08);
- **head and blinks**: ΔP (mean per-frame rotation change, VASA-1's), the largest jump, blink
  rate, durations and how irregular their gaps are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator.motion import EXPRESSION_MODES, MOUTH_MODES, MotionSequence
from generator.speech.espeak import Phone
from generator.speech.visemes import VISEMES, viseme_of

_MODE = {mode: i for i, mode in enumerate(EXPRESSION_MODES)}
MOUTH = [_MODE[m] for m in MOUTH_MODES]
#: Mouth shape groups: visemes that look alike from the front.
GROUPS: dict[str, str] = {
    "bilabial": "closed", "labiodental": "lip-to-teeth", "open": "open", "rounded": "rounded",
    "approximant_w": "rounded", "postalveolar": "rounded", "approximant_r": "rounded",
    "close_front": "spread", "dental": "spread", "alveolar": "spread", "mid": "neutral",
    "schwa": "neutral", "velar": "neutral", "glottal": "neutral", "rest": "neutral",
}  # fmt: skip
_NAMES = list(GROUPS)
_SHAPES = np.array(
    [[VISEMES[n].shape.get(EXPRESSION_MODES[i], 0.0) for i in MOUTH] for n in _NAMES]
)
CLOSED = 0.08


def aperture(values: np.ndarray) -> np.ndarray:
    """Lip opening per frame ``(T,)`` (0 = lips together)."""
    e = values[:, : len(EXPRESSION_MODES)]
    opening = e[:, _MODE["jaw_open"]] + 0.5 * e[:, _MODE["lower_lip_depress"]]
    opening = opening + 0.3 * e[:, _MODE["upper_lip_raise"]]
    return opening * (1 - e[:, _MODE["lip_press"]])


def shape_groups(values: np.ndarray) -> np.ndarray:
    """The nearest mouth shape group per frame ``(T,)`` (strings)."""
    mouth = values[:, MOUTH]
    distance = ((mouth[:, None, :] - _SHAPES[None]) ** 2).sum(-1)
    return np.array([GROUPS[_NAMES[i]] for i in distance.argmin(1)])


def best_lag(generated: np.ndarray, reference: np.ndarray, reach: int = 5) -> float:
    """The shift (frames; positive = the generated mouth is late) that best correlates the
    two aperture curves; NaN when either does not move."""
    if np.isnan(correlation(generated, reference)):
        return float("nan")
    scores = []
    for lag in range(-reach, reach + 1):
        a = generated[max(lag, 0) : len(generated) + min(lag, 0)]
        b = reference[max(-lag, 0) : len(reference) + min(-lag, 0)]
        scores.append(correlation(a, b))
    return float(np.argmax(np.nan_to_num(scores, nan=-1.0)) - reach)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's r of two curves, in float64; NaN when either is (numerically) still, where
    ``np.corrcoef`` would warn and divide by zero."""
    a = np.asarray(a, np.float64) - np.mean(a, dtype=np.float64)
    b = np.asarray(b, np.float64) - np.mean(b, dtype=np.float64)
    norm = np.sqrt(np.dot(a, a) * np.dot(b, b))
    return float(np.dot(a, b) / norm) if norm > 1e-12 else float("nan")


def closures_hit(
    values: np.ndarray,
    phones: Sequence[Phone],
    alphabet: str,
    fps: float,
    tolerance: int = 1,
) -> tuple[int, int]:
    """(bilabials whose closure the motion shows within ``tolerance`` frames, bilabials)."""
    closed = aperture(values) <= CLOSED
    hit = total = 0
    for phone in phones:
        if viseme_of(phone.symbol, alphabet).name != "bilabial":
            continue
        first = int(phone.start_s * fps) - tolerance  # the phone's first frame, less slack
        last = int(np.ceil(phone.end_s * fps)) - 1 + tolerance  # its last frame, plus slack
        if first >= len(values):
            continue
        total += 1
        hit += bool(closed[max(first, 0) : last + 1].any())
    return hit, total


@dataclass(frozen=True)
class LipSync:
    """Lip-sync figures over a set of recordings.

    Attributes:
        correlation: mean Pearson correlation of mouth aperture with the reference.
        viseme_accuracy: share of frames in the reference's mouth shape group.
        closures: share of bilabials closed within ±1 frame.
        lag: median best-aligning lag, frames (positive = late).
        recordings: how many recordings.
    """

    correlation: float
    viseme_accuracy: float
    closures: float
    lag: float
    recordings: int


def lip_sync(
    pairs: Sequence[tuple[np.ndarray, np.ndarray, Sequence[Phone], str]], fps: float
) -> LipSync:
    """Judge ``(generated, reference, phones, alphabet)`` tuples of motion values."""
    correlations, agree, frames, hits, bilabials, lags = [], 0, 0, 0, 0, []
    for generated, reference, phones, alphabet in pairs:
        count = min(len(generated), len(reference))
        g, r = generated[:count], reference[:count]
        made, wanted = aperture(g), aperture(r)
        correlations.append(correlation(made, wanted))  # NaN for a still mouth
        agree += int((shape_groups(g) == shape_groups(r)).sum())
        frames += count
        hit, total = closures_hit(g, phones, alphabet, fps)
        hits, bilabials = hits + hit, bilabials + total
        lags.append(best_lag(made, wanted))
    return LipSync(
        correlation=float(np.nanmean(correlations)),
        viseme_accuracy=agree / max(frames, 1),
        closures=hits / max(bilabials, 1),
        lag=float(np.nanmedian(lags)) if not np.isnan(lags).all() else float("nan"),
        recordings=len(pairs),
    )


@dataclass(frozen=True)
class Liveliness:
    """Head motion and blinks of generated motion.

    Attributes:
        delta_p: mean per-frame head rotation change, degrees (VASA-1's ΔP).
        largest_jump: the largest per-frame rotation change, degrees.
        yaw_std: spread of head yaw, degrees.
        blinks_per_minute: blink rate.
        blink_ms: (shortest, median, longest) blink, milliseconds, of those the clip holds
            whole.
        gap_variation: coefficient of variation of the gaps between blinks (0 = periodic).
    """

    delta_p: float
    largest_jump: float
    yaw_std: float
    blinks_per_minute: float
    blink_ms: tuple[float, float, float]
    gap_variation: float


def liveliness(sequences: Sequence[MotionSequence]) -> Liveliness:
    """Head motion and blink figures over several sequences."""
    changes, yaws, spans, gaps, count, seconds = [], [], [], [], 0, 0.0
    for motion in sequences:
        rotation = motion.values[:, motion.index("head_yaw") : motion.index("head_roll") + 1]
        changes.append(np.linalg.norm(np.diff(rotation, axis=0), axis=1))
        yaws.append(rotation[:, 0])
        blink = motion.values[:, [motion.index("blink_left"), motion.index("blink_right")]].mean(1)
        closed = np.concatenate([[0], (blink > 0.25).astype(int), [0]])
        starts, stops = np.flatnonzero(np.diff(closed) == 1), np.flatnonzero(np.diff(closed) == -1)
        count += len(starts)
        spans += [  # a blink the clip cuts short has no duration to tell
            (b - a) / motion.fps * 1000
            for a, b in zip(starts, stops, strict=True)
            if a > 0 and b < len(blink)
        ]
        gaps += list(np.diff(starts) / motion.fps)
        seconds += motion.duration_s
    change = np.concatenate(changes)
    gap_cv = float(np.std(gaps) / np.mean(gaps)) if len(gaps) > 1 else float("nan")
    durations = (min(spans), float(np.median(spans)), max(spans)) if spans else (np.nan,) * 3
    return Liveliness(
        delta_p=float(change.mean()),
        largest_jump=float(change.max()),
        yaw_std=float(np.concatenate(yaws).std()),
        blinks_per_minute=count / seconds * 60,
        blink_ms=durations,
        gap_variation=gap_cv,
    )
