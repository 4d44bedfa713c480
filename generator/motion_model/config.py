"""The motion model's shapes and training recipe: plain values, importable without torch (the
command line reads its defaults from here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from generator.controls import CONTROL_SIZE
from generator.motion import MOTION_AXES

#: Where the committed model cards and weights live.
CARDS = Path(__file__).resolve().parent.parent / "cards"
#: The motion model that ships with talkgate.
DEFAULT_CARD = CARDS / "motion_dit.json"
#: Synthetic passages (each up to 28 s) in the committed model's corpus.
TRAINING_PASSAGES = 560
#: The conditions classifier-free guidance can drop, each on its own.
CONDITIONS: tuple[str, ...] = ("audio", "prefix", "gaze", "distance", "emotion")


@dataclass(frozen=True)
class MotionDiTConfig:
    """The network's shape. ``window`` frames are generated per call, after ``prefix``
    frames of context."""

    motion_size: int = len(MOTION_AXES)
    audio_size: int = 1536  # the speech encoder's feature_size; training takes the corpus's
    control_size: int = CONTROL_SIZE
    width: int = 192
    depth: int = 6
    heads: int = 4
    window: int = 50
    prefix: int = 10

    def as_dict(self) -> dict[str, int]:
        """The config as plain numbers, for the model card."""
        return asdict(self)


#: Size registry (DiT's ``DiT_models``).
MOTION_MODELS: dict[str, MotionDiTConfig] = {
    "MotionDiT-S": MotionDiTConfig(width=192, depth=6, heads=4),
    "MotionDiT-XS": MotionDiTConfig(width=128, depth=4, heads=4),
}


@dataclass(frozen=True)
class TrainingRecipe:
    """Everything that fixes a training run (it goes into the model card)."""

    model: str = "MotionDiT-XS"
    steps: int = 12000
    batch: int = 64
    learning_rate: float = 4e-4
    warmup: int = 300
    ema: float = 0.999
    seed: int = 0
