"""Training sequences: speech features the model hears beside the motion it should make.

A :class:`MotionCorpus` holds, per passage, the speech encoder's features of the heard (maybe
augmented) audio and the control-free targets of the clean audio, both at the video frame
rate. Controls are applied per batch (:func:`controlled`), so one passage teaches every gaze,
distance and emotion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from generator.controls import (
    DISTANCE_RANGE,
    EMOTION_NAMES,
    EMOTIONS,
    GAZE_PITCH_RANGE,
    GAZE_YAW_RANGE,
)
from generator.errors import GeneratorError
from generator.motion import DEFAULT_FPS, EXPRESSION_MODES, MotionSequence
from generator.speech.corpus import Passage
from generator.speech.targets import base_targets

_GAZE = slice(MotionSequence.index("gaze_yaw"), MotionSequence.index("gaze_pitch") + 1)
_SCALE = MotionSequence.index("head_scale")


@dataclass
class MotionCorpus:
    """Feature and target sequences, one per passage.

    Attributes:
        features: per passage ``(T, A)`` float16 speech features.
        targets: per passage ``(T, 24)`` float32 control-free motion.
        speakers: per passage, the voice or speaker.
    """

    features: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)

    def add(self, passage: Passage, features: np.ndarray, seed: int, fps: float) -> None:
        """Add a passage whose heard audio gave ``features``."""
        targets = base_targets(
            passage.phones, passage.clean, fps, alphabet=passage.alphabet, seed=seed
        )
        count = min(len(features), len(targets))
        self.features.append(features[:count].astype(np.float16))
        self.targets.append(targets[:count])
        self.speakers.append(passage.speaker)

    @property
    def frames(self) -> int:
        """Frames in all."""
        return sum(len(t) for t in self.targets)

    @property
    def feature_size(self) -> int:
        """Speech features per frame (what the model's audio input must take)."""
        return int(self.features[0].shape[1])

    def save(self, path: Path) -> None:
        """Write one ``.npz`` (concatenated arrays plus lengths)."""
        np.savez(
            path,
            features=np.concatenate(self.features),
            targets=np.concatenate(self.targets),
            lengths=np.array([len(t) for t in self.targets]),
            speakers=np.array(self.speakers),
        )

    @classmethod
    def load(cls, path: Path) -> MotionCorpus:
        """Read what :meth:`save` wrote.

        Raises:
            GeneratorError: the file is missing or not a corpus.
        """
        try:
            with np.load(path) as data:
                bounds = np.cumsum(np.concatenate([[0], data["lengths"]]))
                features, targets = data["features"], data["targets"]
                speakers = [str(s) for s in data["speakers"]]
        except (OSError, KeyError, ValueError) as exc:
            raise GeneratorError(f"{path} is not a motion corpus: {exc}") from exc
        pieces = list(zip(bounds[:-1], bounds[1:], strict=True))
        return cls([features[a:b] for a, b in pieces], [targets[a:b] for a, b in pieces], speakers)


def build_corpus(
    passages: Iterable[Passage],
    encode: Callable[[Passage], np.ndarray],
    *,
    seed: int = 0,
    fps: float = DEFAULT_FPS,
    on_passage: Callable[[int], object] = lambda done: None,
) -> MotionCorpus:
    """Encode each passage's heard audio with ``encode`` and pair it with its targets."""
    corpus = MotionCorpus()
    for index, passage in enumerate(passages):
        corpus.add(passage, encode(passage), seed + index, fps)
        on_passage(index + 1)
    return corpus


EMOTION_BIASES = torch.tensor(
    [[EMOTIONS[name].get(mode, 0.0) for mode in EXPRESSION_MODES] for name in EMOTION_NAMES]
)


def random_controls(count: int, generator: torch.Generator) -> torch.Tensor:
    """``(B, C)`` control vectors as ``Controls.vector()`` lays them out: main gaze within
    ±20° yaw and ±12° pitch (straight ahead one time in five), distance 0.85–1.2 (1 three
    times in ten), an emotion chosen evenly at an intensity 0–1."""

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(count, generator=generator)

    ahead = torch.rand(count, generator=generator) < 0.2
    yaw = torch.where(ahead, 0.0, uniform(*GAZE_YAW_RANGE))
    pitch = torch.where(ahead, 0.0, uniform(*GAZE_PITCH_RANGE))
    distance = torch.where(
        torch.rand(count, generator=generator) < 0.3, 1.0, uniform(*DISTANCE_RANGE)
    )
    emotion = torch.randint(len(EMOTION_NAMES), (count,), generator=generator)
    onehot = torch.nn.functional.one_hot(emotion, len(EMOTION_NAMES)).float()
    head = torch.stack([yaw / 20, pitch / 20, (distance - 1) * 10], dim=1)
    return torch.cat([head, onehot * uniform(0, 1)[:, None]], dim=1)


def controlled(base: torch.Tensor, controls: torch.Tensor) -> torch.Tensor:
    """:func:`generator.speech.targets.apply_controls` for a batch: ``base`` (B, T, 24),
    ``controls`` (B, C) → (B, T, 24)."""
    values = base.clone()
    n = len(EXPRESSION_MODES)
    bias = controls[:, 3:] @ EMOTION_BIASES  # (B, 16)
    values[..., :n] = (values[..., :n] + bias[:, None]).clamp(0.0, 1.0)
    values[..., _GAZE] += controls[:, None, :2] * 20
    values[..., _SCALE] = (1 + controls[:, 2:3] / 10).expand(-1, values.shape[1])
    return values
