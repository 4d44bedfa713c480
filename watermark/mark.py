"""Embed the keyed mark into frames, and find and read it again.

Embedding adds the key's tiled chip pattern, carrying the coded payload, to the luma of every
frame, scaled by a masking map (textured skin and hair take a little more, flat backgrounds
less, near-black pixels none) and by a scale fitted to each frame's invisibility budget.

Detection whitens each frame (keeps the band the mark lives in, weighs each pixel by the
inverse of its local noise variance), averages a clip's frames, estimates the tile period
from the autocorrelation, and then, for each candidate scale, folds the frame onto one tile
and correlates it with the key's sync signal at every cyclic shift. Every score is a z-score
with a bound that needs no model of the image: under "no mark" the secret chip signs are
independent of the pixels, so ``z`` is a sum of random signs whose weights' squares add to 1
and ``P(z ≥ t)`` is at most :data:`RADEMACHER_TAIL_FACTOR` times the standard normal's tail
at ``t`` for each (key, scale, shift) tried. At each key's likeliest placements the
payload is decoded, and the decoded payload's whole tile (sync and payload chips) is scored
again; a mark is reported when that score passes the threshold that makes the union bound
over every (key, scale, shift) *and every payload* half the stated false-positive
probability, or when the sync score alone passes the threshold for the other half (the mark
is then there, its payload unreadable).

    >>> from skimage import data
    >>> from watermark import Payload, WatermarkKey, detect, embed
    >>> key = WatermarkKey(key_id=1, secret=bytes(32))
    >>> marked = embed([data.astronaut()], Payload(clip_id=42, key_id=1), key)
    >>> detect(marked, [key]).payload.clip_id
    42
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.ndimage import maximum_filter
from scipy.special import ndtr, ndtri

from watermark.coding import CLIP_ID_BITS, DecodedPayload, Payload, PayloadCode
from watermark.errors import FrameError, WatermarkError
from watermark.keys import WatermarkKey
from watermark.pattern import (
    REFERENCE_CHIP_PX,
    REFERENCE_TILE_PX,
    TILE_CHIPS,
    Layout,
    chip_px_for,
    draw_tile,
    proportional_chip_px,
)
from watermark.similarity import StructuralSimilarity

MIN_SIDE = 256
#: Every frame is marked as strongly as this luma SSIM against the unmarked frame allows
#: (the bench holds the clips' mean to 0.98; frames the PSNR floor binds come out higher) ...
SSIM_TARGET = 0.981
#: ... and never so strongly that its luma PSNR falls below this (the bench's bar for the
#: mean, here held by every frame).
MIN_PSNR_DB = 42.0
#: The masking map's scale a clip starts from (0.49 grey levels RMS on flat areas), before
#: the first frame fits it to the targets above.
INITIAL_STRENGTH = 0.49
#: The most a fit may scale the masking map to (a frame the mark cannot show in, such as a
#: saturated one, would otherwise drive it without limit).
MAX_STRENGTH = 2.0
#: Rescaling steps the first frame's fit takes (later frames start close and take one).
FIRST_FIT_STEPS = 3
#: The fit is redone every this many frames (a multiple of CORRECT_EVERY): the SSIM it
#: measures costs as much as marking a frame, and a clip's picture statistics change slowly.
FIT_EVERY = 16
#: ... unless its last step rescaled by more than this factor (either way).
SETTLED_STEP = 1.1
#: The most extra amplitude texture earns, over the flat areas' 1.
TEXTURE_GAIN = 1.5
#: The mark fades out this close to black.
HEADROOM_GREY_LEVELS = 6.0
#: The stated false-positive probability of one call to :func:`detect` (one clip or image):
#: the most the product allows. At a tenth of it the payload's threshold would rise from
#: z 11.8 to 12.0 (one key), where some half-size copies whose payload is read right score.
FALSE_POSITIVE_RATE = 1e-6
#: Bentkus & Dzindzalieta (Bernoulli 21, 2015): a sum of independent random signs whose
#: weights' squares add to at most 1 passes any x with probability at most this times the
#: standard normal's tail at x, and no smaller factor holds (two equal weights at x = √2
#: meet it). At the payload's threshold it is ten times tighter than Hoeffding's
#: exp(-x²/2), which lowers the threshold from z 12.06 to 11.87 at the same rate.
RADEMACHER_TAIL_FACTOR = 1.0 / (4.0 * float(ndtr(-math.sqrt(2.0))))
#: Chip sizes the detector considers, in pixels of the frame it is given.
MIN_CHIP_PX, MAX_CHIP_PX = 1.8, 12.0
#: Scale candidates around each autocorrelation estimate (ratio steps of 0.4%).
REFINE_STEPS = np.exp(np.linspace(-0.012, 0.012, 7))
PERIOD_ESTIMATES = 3
#: The strongest local maxima of the sync score kept at each candidate scale ...
PEAKS_PER_SCALE = 4
#: ... and how many of a key's peaks, likeliest first, have their payload decoded. After
#: H.264 CRF 35 or a halving, the sync signal alone is often too faint to single out the
#: mark's placement, and decoding one scale step (0.4%) off loses 1-2 dB per bit.
DECODED_PEAKS = 6
#: Whitening keeps detail finer than this many chips (the smoothing's spatial sigma).
WHITEN_SIGMA_CHIPS = 0.5
#: ... except across steps of more than about this many grey levels, which it leaves out of
#: the band with the smooth part: the picture's edges, not the faint mark.
EDGE_GREY_LEVELS = 5.0
#: ... and divides by the square of that detail's RMS over this many chips.
CONTRAST_SIGMA_CHIPS = 1.0
#: Grey levels added to the contrast, so flat areas are not blown up.
CONTRAST_FLOOR = 2.0
#: The most extra amplitude informed marking gives one chip, in units of the base chip.
MAX_CORRECTION = 2.0
#: Informed marking lifts every payload bit to at least this share of its chips' own
#: response beyond what the picture gives it. Half a chip's worth, paid for by a weaker base
#: pattern at the same PSNR, reads about 0.5 dB more signal per bit after H.264 CRF 35.
BIT_MARGIN = 0.5
#: Informed marking re-reads the picture every this many frames (it changes slowly).
CORRECT_EVERY = 4
#: The share of a clip's average that its intra frames get, however few they are.
INTRA_SHARE = 0.5
#: Detection reads every this many predicted frames: reading every eighth of a 5-s clip
#: finds as much signal as reading all.
PREDICTED_STRIDE = 4

_CODE = PayloadCode()


@dataclass(frozen=True)
class Detection:
    """What :func:`detect` found. ``present``: a payload naming its key was decoded, or the
    sync score passed ``threshold``; ``payload`` is None when the mark is there but too
    damaged to read, and always None when it is not there."""

    present: bool
    score: float
    threshold: float
    false_positive_bound: float
    key_id: int | None
    payload: Payload | None
    corrected_bits: int | None
    raw_bit_agreement: float | None
    chip_px: float | None
    frames: int
    #: The coded bits as read (positive means 0), found or not: where the payload was
    #: decoded, else at the likeliest placement.
    soft_bits: np.ndarray = field(repr=False, compare=False)


class Marker:
    """Marks frames with one payload under one key; frames may come in any size ≥ 256 px.

    Every frame is marked as strongly as its invisibility budget allows: the masking map's
    scale is fitted so luma SSIM against the unmarked frame is ``ssim``, and PSNR never
    below MIN_PSNR_DB. One fixed scale would spend the budget unevenly: a flat or dark
    picture would take a third of the mark a busy one takes, and its mark is the one
    re-encoding loses.

    Marking is informed: the frame is marked once, read back the way the detector reads it,
    and every payload bit that the picture itself pushes towards the wrong value, or helps
    by less than a margin, gets just enough extra amplitude on its chips to reach that
    margin (improved spread spectrum, Malvar & Florêncio 2003). Bits the picture already
    favours by more cost nothing extra. The correction is redone every CORRECT_EVERY frames
    and the fit every FIT_EVERY (pictures change slowly).
    """

    def __init__(self, key: WatermarkKey, payload: Payload, ssim: float = SSIM_TARGET):
        """Raises: WatermarkError for an ``ssim`` target outside (0, 1)."""
        if not 0.0 < ssim < 1.0:
            raise WatermarkError(f"an SSIM target must lie between 0 and 1, not {ssim}")
        self._layout = Layout.from_key(key, _CODE.coded_bits)
        coded = _CODE.encode(payload)
        self._bit_values = 1.0 - 2.0 * coded.astype(np.float32)
        self._chips = self._layout.chips(coded).ravel()
        self._ssim = ssim
        self._strength = INITIAL_STRENGTH
        base = _draw(self._chips, REFERENCE_CHIP_PX)
        self._unit_response = _chips_at(_chip_responses(_periodic_band(base)), (0, 0))
        #: The payload's pattern without correction, tiled to each frame size seen.
        self._base: dict[tuple[int, int], np.ndarray] = {}
        self._pattern = np.zeros((0, 0), dtype=np.float32)
        self._marked = 0
        self._settled = False

    def mark(self, frame: np.ndarray) -> np.ndarray:
        """A marked copy of ``frame`` (``(H, W, 3)`` uint8 RGB).

        Raises:
            FrameError: not a uint8 RGB frame of at least 256×256.
        """
        _check_frame(frame, MIN_SIDE, "mark")
        frame = np.ascontiguousarray(frame)  # OpenCV would copy a strided frame at every step
        luma = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        masking = _masking(luma)
        resized = self._pattern.shape != luma.shape
        if resized or self._marked % CORRECT_EVERY == 0:
            chip_px = chip_px_for(*luma.shape)
            base = self._base.get(luma.shape)
            if base is None:
                base = self._base[luma.shape] = _tiled(_draw(self._chips, chip_px), luma.shape)
            amplitude = masking * self._strength
            first = _add(frame, base, amplitude)
            correction = self._correction(first, amplitude, chip_px)
            self._pattern = _tiled(_draw(self._chips + correction, chip_px), frame.shape)
            if resized or not self._settled or self._marked % FIT_EVERY == 0:
                self._fit_strength(luma, masking, FIRST_FIT_STEPS if resized else 1)
        self._marked += 1
        return _add(frame, self._pattern, masking * self._strength)

    def _fit_strength(self, luma: np.ndarray, masking: np.ndarray, steps: int) -> None:
        """Scale the masking map so this frame, marked with the current pattern, meets the
        SSIM target and the PSNR floor. A mark this faint costs SSIM and MSE about in
        proportion to its energy, so a step rescales by the square root of budget over
        cost: the first frame (or the first of a new size) takes FIRST_FIT_STEPS from where
        the scale stands; later fits, one step (pictures change slowly). A fit whose last
        step still moved the scale by more than SETTLED_STEP (a black frame, where the mark
        cannot show, drives it to MAX_STRENGTH) is redone at the next correction rather than
        FIT_EVERY frames later. Measured on luma alone: the mark adds the same whole number
        to R, G and B, so just that to luma."""
        similarity = StructuralSimilarity(luma)
        most_mse = 255.0**2 / 10 ** (MIN_PSNR_DB / 10)
        for _ in range(steps):
            marked = _add(luma, self._pattern, masking * self._strength)
            mse = cv2.norm(marked, luma, cv2.NORM_L2SQR) / luma.size
            ssim_budget = (1.0 - self._ssim) / max(1.0 - similarity(marked), 1e-6)
            step = math.sqrt(min(ssim_budget, most_mse / max(mse, 1e-6), 4.0))
            self._strength = min(MAX_STRENGTH, self._strength * step)
        self._settled = abs(math.log(step)) <= math.log(SETTLED_STEP)

    def _correction(self, first: np.ndarray, amplitude: np.ndarray, chip_px: int) -> np.ndarray:
        """Extra chip amplitude for the bits the picture pushes the wrong way, or helps by
        less than BIT_MARGIN."""
        whitened, divisor = _whiten(first)
        responses = _chips_at(_chip_responses(_fold(whitened, chip_px)), (0, 0))
        # How much of the pattern reaches each chip's response (masking over the divisor).
        weight = _chips_at(_fold(amplitude / divisor, chip_px), (0, 0))
        picture = responses - weight * self._unit_response
        gain = weight * _SELF_RESPONSE
        where = self._layout.bit_chips
        signs = self._layout.signs[where]
        push = (signs * picture[where]).mean(axis=1) * self._bit_values
        margin = BIT_MARGIN * gain[where].mean(axis=1)
        needed = np.maximum(0.0, margin - push) * self._bit_values
        correction = np.zeros_like(self._chips)
        correction[where] = needed[:, None] * signs / np.maximum(gain[where], 1e-3)
        return np.clip(correction, -MAX_CORRECTION, MAX_CORRECTION)


def _draw(chips: np.ndarray, chip_px: int) -> np.ndarray:
    """The tile of a flat chip vector at ``chip_px``, scaled so ±1 chips have unit RMS."""
    return draw_tile(chips.reshape(TILE_CHIPS, TILE_CHIPS), chip_px, normalise=False) / _TILE_RMS


def _tiled(tile: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    height, width = shape[:2]
    reps = (math.ceil(height / tile.shape[0]), math.ceil(width / tile.shape[1]))
    return np.tile(tile, reps)[:height, :width]


def _add(frame: np.ndarray, pattern: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """``frame + round(pattern * amplitude)``, saturating; on all three channels of an RGB
    frame (so on its luma), or on a luma frame."""
    delta = cv2.multiply(pattern, amplitude)
    up = cv2.convertScaleAbs(cv2.max(delta, 0.0))
    down = cv2.convertScaleAbs(cv2.min(delta, 0.0))
    if frame.ndim == 3:
        up, down = cv2.cvtColor(up, cv2.COLOR_GRAY2RGB), cv2.cvtColor(down, cv2.COLOR_GRAY2RGB)
    return cv2.subtract(cv2.add(frame, up), down)


def embed(
    frames: Iterable[np.ndarray],
    payload: Payload,
    key: WatermarkKey,
    ssim: float = SSIM_TARGET,
) -> list[np.ndarray]:
    """Marked copies of ``frames``. For streams, use :class:`Marker` frame by frame."""
    marker = Marker(key, payload, ssim)
    return [marker.mark(frame) for frame in frames]


def _check_frame(
    frame: np.ndarray, min_side: float, purpose: str, *, luma_ok: bool = False
) -> None:
    """Raises: FrameError unless ``frame`` is uint8 RGB (or, if ``luma_ok``, uint8 luma)
    with both sides ≥ ``min_side``."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        kind = getattr(frame, "dtype", type(frame).__name__)
        raise FrameError(f"a frame must be a uint8 array, not {kind}")
    if not (frame.ndim == 3 and frame.shape[2] == 3 or luma_ok and frame.ndim == 2):
        shapes = "(H, W, 3) or (H, W)" if luma_ok else "(H, W, 3)"
        raise FrameError(f"a frame must have shape {shapes}, not {frame.shape}")
    if min(frame.shape[:2]) < min_side:
        raise FrameError(
            f"a {frame.shape[1]}×{frame.shape[0]} frame is too small to {purpose}; "
            f"both sides must be at least {math.ceil(min_side)} pixels"
        )


def _masking(luma: np.ndarray) -> np.ndarray:
    """Per-pixel amplitude: 1 on flat areas, up to 1 + TEXTURE_GAIN in texture, where noise
    hides, and falling to 0 within HEADROOM_GREY_LEVELS of black.

    Gently in texture: at the same PSNR, a flatter map survives H.264 far better, because
    x264 quantises textured blocks harder (an 80% crop + CRF 28: 70% of clips read against
    30% with texture taking up to 6 times as much). Not at all next to black: there the mark
    would be cut off on its dark side, and what is left mostly shifts the local mean, which
    SSIM weighs heavily in the dark (x264 flattens it anyway); sparing those pixels leaves
    the budget to the rest of the picture (a clip that is 44% black read its payload after
    CRF 35 at +1.0 to +2.5 dB per bit, against -2.6 to -0.8 dB when marked there too). Next to
    white SSIM's cost is small and the mark cut off there still carries signal, so it stays.
    """
    height, width = luma.shape
    small = cv2.resize(luma, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    detail = small - cv2.GaussianBlur(small, (0, 0), 1.0)
    activity = np.sqrt(cv2.GaussianBlur(detail * detail, (0, 0), 3.0))
    headroom = np.minimum(small * (1.0 / HEADROOM_GREY_LEVELS), 1.0)
    amplitude = (1.0 + np.minimum(activity, TEXTURE_GAIN)) * headroom
    return cv2.resize(amplitude, (width, height), interpolation=cv2.INTER_LINEAR)


class Accumulator:
    """The whitened average of a clip's frames, added one at a time (constant memory).

    A video's intra frames, which its encoder coded on their own, keep far more of the mark
    than the frames it predicted from them: prediction follows the moving picture, the mark
    stays put, and the residual that would restore it is quantised away. So intra frames
    share INTRA_SHARE of the average whatever their number (after H.264 CRF 35, 1.2 dB more
    signal per bit than weighing every frame alike; the weights do not depend on any key,
    so the false-positive bound stands). Neighbouring predicted frames carry nearly the
    same mark over the same picture, so only every PREDICTED_STRIDE-th is read.
    """

    def __init__(self) -> None:
        self._sums: dict[bool, np.ndarray] = {}
        self._counts = {True: 0, False: 0}
        self._shape: tuple[int, int] | None = None
        self._predicted_seen = 0
        self.frames = 0

    def add(self, frame: np.ndarray, intra: bool = False) -> None:
        """Add ``frame``: uint8 RGB ``(H, W, 3)``, or its luma ``(H, W)`` (what a video
        stores, so reading a clip need not convert colour); ``intra`` if its encoder coded
        it on its own.

        Raises: FrameError for a frame that is neither, too small, or differs in size from
        the first."""
        _check_frame(frame, 2 * TILE_CHIPS * MIN_CHIP_PX, "search", luma_ok=True)
        if self._shape is not None and self._shape != frame.shape[:2]:
            raise FrameError(f"frame size changed within a clip: {frame.shape[:2]}")
        self._shape = frame.shape[:2]
        self.frames += 1
        if not intra:
            self._predicted_seen += 1
            if (self._predicted_seen - 1) % PREDICTED_STRIDE:
                return
        whitened, _ = _whiten(frame)
        total = self._sums.get(intra)
        self._sums[intra] = whitened if total is None else total + whitened
        self._counts[intra] += 1

    def mean(self) -> np.ndarray:
        if not self._sums:
            raise WatermarkError("no frames to search for a mark")
        means = {intra: total / self._counts[intra] for intra, total in self._sums.items()}
        if len(means) == 1:
            return next(iter(means.values()))
        return INTRA_SHARE * means[True] + (1.0 - INTRA_SHARE) * means[False]


def _whiten(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Luma band-passed around the mark's frequencies and divided by the square of local
    contrast; and that divisor, which marking needs to predict what the detector sees.

    The picture's own detail is the noise the mark competes with, and re-encoding adds
    most where there is most detail, so each pixel is weighted by the inverse of its local
    noise variance, as a matched filter wants (dividing by the contrast alone reads 0.5 dB
    less signal after H.264). The band's scale is the chip size a scaled copy of a marked
    frame of this size carries, so a half-size copy is read at its own scale (1.2 dB more
    signal per bit than at the native 4 px).
    """
    chip_px = max(MIN_CHIP_PX, proportional_chip_px(*frame.shape[:2]))
    luma = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    band = _band(luma, chip_px)
    contrast = np.sqrt(_smooth(band * band, CONTRAST_SIGMA_CHIPS * chip_px)) + CONTRAST_FLOOR
    variance = contrast * contrast
    return band / variance, variance


def _smooth(image: np.ndarray, sigma: float) -> np.ndarray:
    """A wide Gaussian blur, done at a quarter of the size (it is smooth anyway)."""
    height, width = image.shape
    small = cv2.resize(image, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 4)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def _band(image: np.ndarray, chip_px: float = REFERENCE_CHIP_PX) -> np.ndarray:
    """The band the mark is read in: the image less an edge-preserving blur at half a chip.

    A Gaussian blur leaves the picture's edges in the band, and they are most of what the
    mark competes with there. A bilateral filter smooths only across steps smaller than
    EDGE_GREY_LEVELS, so edges go with the smooth part while the faint mark stays: on
    generated clips at the same SSIM, 0.5-1 dB more signal per bit after H.264 CRF 28 and
    35 and after a crop."""
    sigma = WHITEN_SIGMA_CHIPS * chip_px
    diameter = 2 * round(sigma) + 1
    image = image.astype(np.float32)  # a uint8 result would round the mark away
    smooth = cv2.bilateralFilter(
        image, diameter, EDGE_GREY_LEVELS, sigma, borderType=cv2.BORDER_REFLECT
    )
    return image - smooth


def detect(
    frames: Iterable[np.ndarray | tuple[np.ndarray, bool]], keys: Sequence[WatermarkKey]
) -> Detection:
    """Search ``frames`` (one image, or all or some of a clip's frames, same size; uint8 RGB
    or luma, each alone or with whether it was intra-coded, as ``generator.read_luma``
    yields them) for a mark under any of ``keys``.

    Raises:
        FrameError: a frame is not uint8 RGB or luma, too small, or differs in size from the
            first.
        WatermarkError: no frames, or no keys.
    """
    if not keys:
        raise WatermarkError("no watermark keys to search with")
    accumulator = Accumulator()
    for frame in frames:
        if isinstance(frame, tuple):
            accumulator.add(*frame)
        else:
            accumulator.add(frame)
    return search(accumulator.mean(), keys, accumulator.frames)


def search(whitened: np.ndarray, keys: Sequence[WatermarkKey], frames: int = 1) -> Detection:
    """The detection on an already whitened (and averaged) frame.

    Each key's likeliest placements are decoded, and the payload whose whole tile scores
    best at any of them is kept. The union bound counts every key, scale, shift and payload,
    so trying several placements and payloads costs nothing in false positives."""
    chip_sizes = _candidate_chip_sizes(whitened)
    trials = len(keys) * len(chip_sizes) * REFERENCE_TILE_PX**2
    # Half the false-positive budget each: the sync alone, and sync plus any payload.
    threshold = union_threshold(trials)
    payload_threshold = union_threshold(trials * 2.0**CLIP_ID_BITS)
    folds = [(chip, _chip_responses(_fold(whitened, chip))) for chip in chip_sizes]
    candidates = [_peaks(key, folds) for key in keys]
    read: tuple[float, _Peak, DecodedPayload] | None = None
    for key, peaks in zip(keys, candidates, strict=True):
        placements = peaks[:DECODED_PEAKS]
        for source in placements:
            # No payload scores more here, or at any placement after this one, than this
            # bound, so where it cannot pass or beat the best so far, decoding stops
            # (unmarked frames decode nothing, well-marked ones once). What it would decode
            # could still score at an earlier placement; on the bench's stored half-size
            # reads none did.
            if source.bound < (payload_threshold if read is None else read[0]):
                break
            decoded = _CODE.decode(source.soft_bits, key.key_id)
            # A payload decoded at one placement may score best at a neighbouring one.
            for peak in placements:
                evidence = peak.evidence(decoded.bits)
                if evidence >= payload_threshold and (read is None or evidence > read[0]):
                    read = (evidence, peak, decoded)
    if read is not None:
        _, peak, decoded = read
        wrong_bits = int(np.count_nonzero(decoded.bits != (peak.soft_bits < 0)))
        return Detection(
            present=True,
            score=peak.score,
            threshold=threshold,
            false_positive_bound=FALSE_POSITIVE_RATE,
            key_id=peak.key.key_id,
            payload=decoded.payload,
            corrected_bits=wrong_bits,
            raw_bit_agreement=1.0 - wrong_bits / _CODE.coded_bits,
            chip_px=peak.chip_px,
            frames=frames,
            soft_bits=peak.soft_bits,
        )
    strongest = max((peak for peaks in candidates for peak in peaks), key=lambda p: p.score)
    present = strongest.score >= threshold
    likeliest = max((peaks[0] for peaks in candidates), key=lambda p: p.bound)
    return Detection(
        present=present,
        score=strongest.score,
        threshold=threshold,
        false_positive_bound=FALSE_POSITIVE_RATE,
        key_id=strongest.key.key_id if present else None,
        payload=None,
        corrected_bits=None,
        raw_bit_agreement=None,
        chip_px=strongest.chip_px if present else None,
        frames=frames,
        soft_bits=likeliest.soft_bits,
    )


def union_threshold(trials: float) -> float:
    """The z-score that ``trials`` chances under "no mark" pass with probability at most
    half of FALSE_POSITIVE_RATE: the union bound, each chance bounded by
    :data:`RADEMACHER_TAIL_FACTOR` times the normal tail."""
    return float(-ndtri(FALSE_POSITIVE_RATE / 2 / trials / RADEMACHER_TAIL_FACTOR))


@dataclass(frozen=True)
class _Peak:
    """One placement of a key's tile: a scale and a shift where its sync signal peaks."""

    key: WatermarkKey
    layout: Layout
    score: float  # the sync chips' z-score
    chip_px: float
    chips: np.ndarray  # (TILE_CHIPS²,) chip responses at the peak
    soft_bits: np.ndarray

    def evidence(self, coded: np.ndarray) -> float:
        """The z-score of the whole tile (sync and payload chips) for coded bits ``coded``."""
        expected = self.layout.chips(coded).ravel()
        return float(expected @ self.chips / np.sqrt(max(float(self.chips @ self.chips), 1e-12)))

    @property
    def bound(self) -> float:
        """The evidence of the tile whose payload bits all agree with what is read here: no
        payload scores more, so it ranks placements by what they could hold."""
        return self.evidence((self.soft_bits < 0).astype(np.uint8))


def _peaks(key: WatermarkKey, folds: list[tuple[float, np.ndarray]]) -> list[_Peak]:
    """The key's candidate placements, likeliest first: the strongest sync peaks at every
    scale, ranked by :attr:`_Peak.bound`."""
    layout = Layout.from_key(key, _CODE.coded_bits)
    sync = _SyncFilter(layout)
    peaks = []
    for chip, responses in folds:
        for score, shift in sync.peaks(responses, PEAKS_PER_SCALE):
            chips = _chips_at(responses, shift)
            soft = (chips[layout.bit_chips] * layout.signs[layout.bit_chips]).sum(axis=1)
            peaks.append(_Peak(key, layout, score, chip, chips, soft))
    return sorted(peaks, key=lambda peak: peak.bound, reverse=True)


def _candidate_chip_sizes(whitened: np.ndarray) -> list[float]:
    """Chip sizes to try: refinements around the frame's own chip size (marked at this
    size), the proportional one (a scaled copy), and the strongest autocorrelation periods."""
    native = TILE_CHIPS * chip_px_for(*whitened.shape)
    proportional = TILE_CHIPS * proportional_chip_px(*whitened.shape)
    periods = [native, proportional, *_tile_periods(whitened)]
    chips = {round(float(p / TILE_CHIPS * step), 4) for p in periods for step in REFINE_STEPS}
    return sorted(chips)


def _tile_periods(whitened: np.ndarray) -> list[float]:
    """The likeliest tile periods (pixels): peaks of the autocorrelation along both axes."""
    spectrum = np.fft.rfft2(whitened)
    autocorrelation = np.fft.irfft2(np.abs(spectrum) ** 2, whitened.shape)
    height, width = whitened.shape
    lo = int(TILE_CHIPS * MIN_CHIP_PX)
    hi = min(int(TILE_CHIPS * MAX_CHIP_PX), height // 2 + 1, width // 2 + 1)
    lags = np.arange(lo, hi)
    profile = autocorrelation[0, lags] + autocorrelation[lags, 0]
    peaks = [
        i
        for i in range(1, len(lags) - 1)
        if profile[i] >= profile[i - 1] and profile[i] > profile[i + 1]
    ]
    peaks.sort(key=lambda i: profile[i], reverse=True)
    periods = []
    for i in peaks[:PERIOD_ESTIMATES]:
        left, mid, right = profile[i - 1], profile[i], profile[i + 1]
        curvature = left - 2 * mid + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        periods.append(lags[i] + offset)
    return periods


def _fold(whitened: np.ndarray, chip_px: float) -> np.ndarray:
    """Resample so chips are :data:`REFERENCE_CHIP_PX` wide and average all tiles into one."""
    factor = REFERENCE_CHIP_PX / chip_px
    height, width = whitened.shape
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    image = cv2.resize(whitened, size, interpolation=interpolation)
    period = REFERENCE_TILE_PX
    rows = -(-image.shape[0] // period) * period
    cols = -(-image.shape[1] // period) * period
    padded = np.zeros((rows, cols), dtype=np.float32)
    weight = np.zeros((rows, cols), dtype=np.float32)
    padded[: image.shape[0], : image.shape[1]] = image
    weight[: image.shape[0], : image.shape[1]] = 1.0
    total = padded.reshape(rows // period, period, cols // period, period).sum(axis=(0, 2))
    count = weight.reshape(rows // period, period, cols // period, period).sum(axis=(0, 2))
    return total / np.maximum(count, 1.0)


def _single_chip() -> np.ndarray:
    impulse = np.zeros((TILE_CHIPS, TILE_CHIPS), dtype=np.float32)
    impulse[0, 0] = 1.0
    return draw_tile(impulse, REFERENCE_CHIP_PX, normalise=False)


#: The matched filter for one chip (its blurred block), as a conjugate spectrum.
_CHIP_FILTER = np.conj(np.fft.rfft2(_single_chip()))


def _chip_responses(folded: np.ndarray) -> np.ndarray:
    """``(T, T)``: at each shift, the folded tile's match to one chip anchored there."""
    return np.fft.irfft2(np.fft.rfft2(folded) * _CHIP_FILTER, folded.shape).astype(np.float32)


def _chips_at(responses: np.ndarray, shift: tuple[int, int]) -> np.ndarray:
    """The ``(TILE_CHIPS²,)`` chip values with the tile anchored at ``shift``."""
    anchors = np.arange(TILE_CHIPS) * REFERENCE_CHIP_PX
    rows = (anchors + shift[0]) % REFERENCE_TILE_PX
    cols = (anchors + shift[1]) % REFERENCE_TILE_PX
    return responses[np.ix_(rows, cols)].ravel()


class _SyncFilter:
    """The z-score of the sync chips at every cyclic shift, by FFT."""

    def __init__(self, layout: Layout):
        signed = np.zeros((REFERENCE_TILE_PX, REFERENCE_TILE_PX), dtype=np.float32)
        present = np.zeros_like(signed)
        grid = layout.sync_chips_grid()
        signed[::REFERENCE_CHIP_PX, ::REFERENCE_CHIP_PX] = grid
        present[::REFERENCE_CHIP_PX, ::REFERENCE_CHIP_PX] = grid != 0
        self._signed = np.conj(np.fft.rfft2(signed))
        self._present = np.conj(np.fft.rfft2(present))

    def peaks(self, responses: np.ndarray, count: int) -> list[tuple[float, tuple[int, int]]]:
        """The ``count`` highest local maxima of the z-score over cyclic shifts."""
        shape = responses.shape
        numerator = np.fft.irfft2(np.fft.rfft2(responses) * self._signed, shape)
        energy = np.fft.irfft2(np.fft.rfft2(responses * responses) * self._present, shape)
        z = numerator / np.sqrt(np.maximum(energy, 1e-12))
        rows, cols = np.nonzero(z >= maximum_filter(z, size=3, mode="wrap"))
        strongest = np.argsort(z[rows, cols])[::-1][:count]
        return [(float(z[rows[i], cols[i]]), (int(rows[i]), int(cols[i]))) for i in strongest]


def _periodic_band(tile: np.ndarray) -> np.ndarray:
    """:func:`_band` of a tile as it is when repeated (no edges)."""
    size = tile.shape[0]
    return _band(np.tile(tile, (3, 3)))[size : 2 * size, size : 2 * size]


#: RMS of a tile of random ±1 chips: the sum of one chip's energy over its area.
_TILE_RMS = float(np.sqrt(np.sum(_single_chip() ** 2) / REFERENCE_CHIP_PX**2))
#: How strongly one unit chip shows in its own response after whitening's band-pass.
_SELF_RESPONSE = float(_chip_responses(_periodic_band(_single_chip() / _TILE_RMS))[0, 0])
