"""Model cards: the committed weights, and everything that reproduces and judges them.

A card is a JSON file beside a ``.safetensors`` file (tensors only, so loading never runs
code). It records the network's config, the weights' SHA-256 (checked before loading), the
training recipe and command, the data recipe with its train/evaluation split, and the
held-out metrics.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from generator.errors import WeightsMismatch
from generator.motion_model.config import DEFAULT_CARD, MotionDiTConfig
from generator.motion_model.model import MotionDiT


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_model(model: MotionDiT, card: Path, details: dict[str, Any]) -> None:
    """Write ``card`` and its weights (same name, ``.safetensors``); ``details`` (recipe,
    data, metrics, ...) goes into the card as it is."""
    weights = card.with_suffix(".safetensors")
    card.parent.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    save_file(state, str(weights))
    document = {
        "config": model.config.as_dict(),
        "weights": weights.name,
        "sha256": _sha256(weights),
        **details,
    }
    card.write_text(json.dumps(document, indent=2) + "\n")


def read_card(card: Path) -> dict[str, Any]:
    """The card's contents.

    Raises:
        WeightsMismatch: the card is missing or unreadable.
    """
    try:
        return json.loads(card.read_text())
    except (OSError, ValueError) as exc:
        raise WeightsMismatch(f"cannot read the model card {card}: {exc}") from exc


def load_model(card: Path = DEFAULT_CARD) -> MotionDiT:
    """The model a card describes, its weights checked against the card's SHA-256.

    Raises:
        WeightsMismatch: the card or its weights are missing, altered or do not fit.
    """
    document = read_card(card)
    weights = card.parent / document["weights"]
    if not weights.is_file():
        raise WeightsMismatch(f"the weights {weights} are missing")
    if _sha256(weights) != document["sha256"]:
        raise WeightsMismatch(f"{weights} does not match the SHA-256 in {card.name}")
    model = MotionDiT(MotionDiTConfig(**document["config"]))
    try:
        model.load_state_dict(load_file(str(weights)))
    except RuntimeError as exc:
        raise WeightsMismatch(f"{weights} does not fit the model in {card.name}: {exc}") from exc
    return model.eval()
