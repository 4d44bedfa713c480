"""The keyed tile: which chips carry the sync signal and which carry payload bits.

A tile is a ``TILE_CHIPS × TILE_CHIPS`` grid of ±1 chips, repeated across the frame. The key
picks, by a secret permutation, :data:`CHIPS_PER_BIT` chips for every coded payload bit and
leaves the rest to the sync signal, and gives every chip a secret sign. Because the tile
repeats, a crop only shifts it (cyclically) and a scale only stretches it; the detector finds
both by searching for the sync signal.

The pixel pattern is the chip grid drawn at ``chip_px`` pixels a chip and blurred (with
wrap-around, so it stays periodic): smooth chips survive H.264's quantiser and resampling far
better than sharp blocks, and are harder to see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from watermark.keys import WatermarkKey

TILE_CHIPS = 32
CHIPS_PER_BIT = 3
#: The chip size the detector resamples every candidate scale to.
REFERENCE_CHIP_PX = 4
REFERENCE_TILE_PX = TILE_CHIPS * REFERENCE_CHIP_PX
#: The blur's sigma, in chips.
BLUR_SIGMA_CHIPS = 0.35


@dataclass(frozen=True)
class Layout:
    """Where each signal sits in the tile, as flat chip indices, and every chip's sign."""

    sync_chips: np.ndarray  # (S,) int
    bit_chips: np.ndarray  # (coded_bits, CHIPS_PER_BIT) int
    signs: np.ndarray  # (TILE_CHIPS**2,) float32 of ±1

    @classmethod
    def from_key(cls, key: WatermarkKey, coded_bits: int) -> Layout:
        rng = key.rng("talkgate.watermark.layout/1")
        order = rng.permutation(TILE_CHIPS * TILE_CHIPS)
        payload = coded_bits * CHIPS_PER_BIT
        signs = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), TILE_CHIPS * TILE_CHIPS)
        return cls(
            sync_chips=np.sort(order[payload:]),
            bit_chips=order[:payload].reshape(coded_bits, CHIPS_PER_BIT),
            signs=signs,
        )

    def chips(self, coded: np.ndarray) -> np.ndarray:
        """The ``(TILE_CHIPS, TILE_CHIPS)`` ±1 chip grid carrying the coded bits ``coded``."""
        values = self.signs.copy()
        flips = np.repeat(1.0 - 2.0 * coded.astype(np.float32), CHIPS_PER_BIT)
        values[self.bit_chips.ravel()] *= flips
        return values.reshape(TILE_CHIPS, TILE_CHIPS)

    def sync_chips_grid(self) -> np.ndarray:
        """The sync signal alone: its signs on sync chips, zero elsewhere."""
        values = np.zeros(TILE_CHIPS * TILE_CHIPS, dtype=np.float32)
        values[self.sync_chips] = self.signs[self.sync_chips]
        return values.reshape(TILE_CHIPS, TILE_CHIPS)


def draw_tile(chips: np.ndarray, chip_px: int, *, normalise: bool = True) -> np.ndarray:
    """``(T, T)`` float32 pixels (``T = TILE_CHIPS * chip_px``) of a chip grid: one block per
    chip, blurred cyclically; unit RMS when ``normalise``.
    """
    blocks = np.kron(chips, np.ones((chip_px, chip_px), dtype=np.float32))
    tile = np.fft.irfft2(np.fft.rfft2(blocks) * blur_response(blocks.shape, chip_px), blocks.shape)
    tile = tile.astype(np.float32)
    if normalise:
        tile /= float(np.sqrt(np.mean(tile**2)))
    return tile


def blur_response(shape: tuple[int, int], chip_px: float) -> np.ndarray:
    """The Gaussian that smooths the chip blocks, as an ``rfft2`` transfer function."""
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    sigma = BLUR_SIGMA_CHIPS * chip_px
    return np.exp(-2.0 * np.pi**2 * sigma**2 * (fy**2 + fx**2)).astype(np.float32)


def chip_px_for(height: int, width: int) -> int:
    """Chip size for marking a frame: 4 px at 512 px, growing with the frame so the mark
    keeps surviving when large frames are shown small.
    """
    return max(REFERENCE_CHIP_PX, round(proportional_chip_px(height, width)))


def proportional_chip_px(height: int, width: int) -> float:
    """The chip size that keeps four tiles across the short side: a frame marked at 512 px
    or more and then scaled to this size carries chips of about this size."""
    return min(height, width) / (TILE_CHIPS * 4)
