"""The authored motion targets: what a speaking head should do, from its phones and its sound.

The motion model learns from these trajectories, and the rule baseline plays them directly:

- **mouth**: the coarticulation model of :mod:`generator.speech.visemes`;
- **head**: prosody drives it. Pitch accents (loud, high syllables) bring short nods, phrase
  breaks let the head settle, and a slow sway runs underneath, livelier while speaking;
- **blinks**: a renewal process (gamma gaps, ~18 a minute, never periodic), drawn towards
  pauses, each 150–350 ms, closing faster than opening;
- **gaze**: fixations around the main direction with small saccades between them;
- **controls**: main gaze, head distance and an emotion whose key-shape bias is added to the
  expression.

The ranges come from the real talking videos (``talkgate bench motion-stats``): head rotation
changes by ~0.4 °/frame and spreads ~4–5° in yaw over a conversation (the sway here holds
only its shorter-lived part). Targets are computed from the clean sound; the model hears the
augmented one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from generator.controls import Controls, emotion_bias
from generator.io import AudioTrack
from generator.motion import (
    DEFAULT_FPS,
    EXPRESSION_MODES,
    MOTION_AXES,
    NEUTRAL,
    MotionSequence,
)
from generator.speech.espeak import Phone
from generator.speech.visemes import mouth_motion

_AXIS = {name: index for index, name in enumerate(MOTION_AXES)}


def apply_controls(base: np.ndarray, controls: Controls) -> np.ndarray:
    """Turn control-free targets ``(T, 24)`` into the targets for ``controls``: the main gaze
    is added to the saccades, the head scale set, the emotion's bias added to the face."""
    values = base.copy()
    expression = slice(0, len(EXPRESSION_MODES))
    values[:, expression] = np.clip(values[:, expression] + emotion_bias(controls), 0.0, 1.0)
    values[:, _AXIS["gaze_yaw"]] += controls.gaze[0]
    values[:, _AXIS["gaze_pitch"]] += controls.gaze[1]
    values[:, _AXIS["head_scale"]] = controls.distance
    return values


@dataclass(frozen=True)
class Prosody:
    """Per-video-frame prosody of a recording.

    Attributes:
        loudness: ``(T,)`` level in dB relative to the loudest frame (≤ 0).
        pitch: ``(T,)`` fundamental frequency in Hz, NaN where unvoiced.
        speaking: ``(T,)`` bool, the voice is active.
    """

    loudness: np.ndarray
    pitch: np.ndarray
    speaking: np.ndarray


def prosody(audio: AudioTrack, frames: int, fps: float = DEFAULT_FPS) -> Prosody:
    """Loudness, pitch (autocorrelation, 60–400 Hz) and voice activity per video frame."""
    rate = audio.sample_rate
    width = int(0.05 * rate)
    centres = ((np.arange(frames) + 0.5) / fps * rate).astype(int)
    padded = np.pad(audio.samples.astype(np.float64), (width, width))
    windows = padded[centres[:, None] + np.arange(width)[None, :] + width // 2]
    windows = windows - windows.mean(axis=1, keepdims=True)
    level = 10 * np.log10(np.mean(windows**2, axis=1) + 1e-10)
    loudness = level - level.max()
    spectrum = np.fft.rfft(windows * np.hanning(width), n=2 * width, axis=1)
    correlation = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :width]
    correlation /= np.maximum(correlation[:, :1], 1e-12)
    low, high = int(rate / 400), int(rate / 60)
    lag = low + np.argmax(correlation[:, low:high], axis=1)
    strength = correlation[np.arange(frames), lag]
    speaking = loudness > -35.0
    voiced = speaking & (strength > 0.45)
    pitch = np.where(voiced, rate / lag, np.nan)
    return Prosody(loudness.astype(np.float32), pitch.astype(np.float32), speaking)


def pauses(speaking: np.ndarray, fps: float, shortest_s: float = 0.2) -> list[tuple[int, int]]:
    """Silent spans ``(start, stop)`` of at least ``shortest_s`` (phrase breaks)."""
    edges = np.diff(np.concatenate([[1], speaking.astype(int), [1]]))
    starts, stops = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    return [(a, b) for a, b in zip(starts, stops, strict=True) if (b - a) / fps >= shortest_s]


def _smooth_noise(count: int, fps: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian-filtered noise of unit spread whose features last about ``seconds``."""
    sigma = seconds * fps / 2
    pad = int(3 * sigma) + 1
    noise = gaussian_filter1d(rng.standard_normal(count + 2 * pad), sigma)[pad:-pad]
    return noise / max(float(noise.std()), 1e-6)


def head_motion(
    voice: Prosody, fps: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Head rotation ``(T, 3)`` degrees and translation ``(T, 2)`` frame shares.

    A slow sway (yaw 2.6°, pitch 1.6°, roll 1.3° spread) livened by speech and damped in
    pauses, quick small beats while speaking (0.3 s, about 1°), plus a nod (the head dips,
    then rises back) leading each pitch accent by ~80 ms.
    """
    count = len(voice.loudness)
    active = gaussian_filter1d(np.where(voice.speaking, 1.0, 0.35), 0.4 * fps)
    rotation = np.stack(
        [
            2.6 * _smooth_noise(count, fps, 2.2, rng),
            1.6 * _smooth_noise(count, fps, 1.8, rng),
            1.3 * _smooth_noise(count, fps, 2.6, rng),
        ],
        axis=1,
    )
    rotation *= (0.55 + 0.45 * active)[:, None]
    beats = np.stack([_smooth_noise(count, fps, 0.3, rng) for _ in range(3)], axis=1)
    rotation += beats * np.array([1.0, 1.3, 0.7]) * active[:, None]
    nod = np.zeros(count)
    for frame, strength in _accents(voice, fps):
        centre = frame - 0.08 * fps
        span = np.arange(count) - centre
        nod -= strength * np.exp(-0.5 * (span / (0.12 * fps)) ** 2)
    rotation[:, 1] += gaussian_filter1d(nod, 1.0)
    rotation[:, 0] += 0.3 * gaussian_filter1d(nod, 2.0) * rng.choice([-1.0, 1.0])
    translation = np.stack(
        [0.0025 * rotation[:, 0] + 0.004 * _smooth_noise(count, fps, 3.0, rng),
         -0.0015 * rotation[:, 1]],
        axis=1,
    )  # fmt: skip
    return rotation.astype(np.float32), translation.astype(np.float32)


def _accents(voice: Prosody, fps: float) -> list[tuple[int, float]]:
    """Pitch accents as (frame, nod depth in degrees): local peaks of loudness plus pitch
    height, at least 0.35 s apart, in voiced frames."""
    pitch = voice.pitch
    voiced = ~np.isnan(pitch)
    if voiced.sum() < 3:
        return []
    semitones = np.where(
        voiced, 12 * np.log2(np.where(voiced, pitch, 1.0) / np.nanmedian(pitch)), 0
    )
    prominence = np.where(voiced, (voice.loudness + 20) / 10 + semitones / 4, -np.inf)
    prominence = np.where(voiced, gaussian_filter1d(np.where(voiced, prominence, 0), 1.0), -np.inf)
    gap = int(0.35 * fps)
    accents = []
    for frame in np.argsort(-prominence):
        value = prominence[frame]
        if not np.isfinite(value) or value < 1.2:
            break
        if all(abs(frame - kept) >= gap for kept, _ in accents):
            accents.append((int(frame), float(np.clip(1.2 + 0.8 * (value - 1.2), 1.2, 3.2))))
    return accents


def blinks(
    count: int, fps: float, silent: Sequence[tuple[int, int]], rng: np.random.Generator
) -> np.ndarray:
    """Eyelid closure ``(T,)`` in 0–1: gamma-distributed gaps (mean 3 s), each blink
    moved to a pause that begins within 0.8 s, two times in three."""
    curve = np.zeros(count, np.float32)
    pause_starts = np.array([start for start, _ in silent], float) / fps
    t = float(rng.uniform(0.3, 2.5))
    while t * fps < count:
        ahead = pause_starts[(pause_starts >= t) & (pause_starts < t + 0.8)]
        if len(ahead) and rng.random() < 2 / 3:
            t = float(ahead[0]) + 0.05
        duration = rng.uniform(0.15, 0.35)
        add_blink(curve, fps, t, duration)
        t += duration + max(0.4, rng.gamma(2.0, 3.0 / 2.0))
    return curve


#: A blink's lids are fully shut over its middle: the profile is scaled by this and clipped.
BLINK_PEAK = 1.15
#: The share of a blink spent closing; opening is slower.
BLINK_CLOSING = 0.4


def add_blink(curve: np.ndarray, fps: float, start_s: float, duration_s: float) -> None:
    """Draw one blink into the closure ``curve`` (in place): the lids close over the first
    :data:`BLINK_CLOSING` of ``duration_s`` and open over the rest, shut at the turn."""
    closing = BLINK_CLOSING * duration_s
    first = max(0, int(start_s * fps))
    span = np.arange(first, min(len(curve), int(np.ceil((start_s + duration_s) * fps))))
    phase = (span + 0.5) / fps - start_s
    shape = np.where(
        phase < closing, phase / closing, 1 - (phase - closing) / (duration_s - closing)
    )
    curve[span] = np.maximum(curve[span], np.clip(shape * BLINK_PEAK, 0, 1))


def saccades(count: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """Gaze offsets ``(T, 2)`` degrees around the main direction: fixations of ~1.2 s with
    quick (two-frame) moves between them, yaw spread 2.5°, pitch 1.5°."""
    targets = np.zeros((count, 2), np.float32)
    t, where = 0, np.zeros(2)
    while t < count:
        hold = max(2, int(rng.gamma(2.0, 0.6) * fps))
        targets[t : t + hold] = where
        t += hold
        where = rng.normal(0.0, (2.5, 1.5))
    kernel = np.ones(2) / 2
    return np.stack([np.convolve(targets[:, i], kernel, "same") for i in range(2)], 1)


def speech_targets(
    phones: Sequence[Phone],
    audio: AudioTrack,
    fps: float = DEFAULT_FPS,
    *,
    alphabet: str = "espeak",
    seed: int = 0,
    controls: Controls | None = None,
) -> MotionSequence:
    """The authored motion for a recording whose phones are known, under ``controls``."""
    base = base_targets(phones, audio, fps, alphabet=alphabet, seed=seed)
    return MotionSequence(apply_controls(base, controls or Controls()), fps)


def base_targets(
    phones: Sequence[Phone],
    audio: AudioTrack,
    fps: float = DEFAULT_FPS,
    *,
    alphabet: str = "espeak",
    seed: int = 0,
) -> np.ndarray:
    """Control-free targets ``(T, 24)``: neutral gaze direction, distance and emotion."""
    mouth = mouth_motion(phones, audio.duration_s, fps, alphabet=alphabet)
    count = len(mouth)
    rng = np.random.default_rng(seed)
    voice = prosody(audio, count, fps)
    values = np.tile(NEUTRAL, (count, 1))
    values[:, : len(EXPRESSION_MODES)] = mouth
    closure = blinks(count, fps, pauses(voice.speaking, fps), rng)
    values[:, _AXIS["blink_left"]] = closure
    values[:, _AXIS["blink_right"]] = closure
    values[:, _AXIS["gaze_yaw"] : _AXIS["gaze_pitch"] + 1] = saccades(count, fps, rng)
    rotation, translation = head_motion(voice, fps, rng)
    values[:, _AXIS["head_yaw"] : _AXIS["head_roll"] + 1] = rotation
    values[:, _AXIS["head_x"] : _AXIS["head_y"] + 1] = translation
    return values.astype(np.float32)
