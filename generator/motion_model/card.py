"""Model cards: the committed weights, and everything that reproduces and judges them.

A card is a JSON file beside a ``.safetensors`` file (tensors only, so loading never runs
code). It records the network's config, the weights' SHA-256 (checked before loading), the
SHA-256 of the speech encoder the model was trained to hear through, the training recipe and
command, the data recipe with its train/evaluation split, and the held-out metrics.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from generator.errors import WeightsMismatch
from generator.motion_model.config import DEFAULT_CARD, MotionDiTConfig
from generator.motion_model.model import MotionDiT

#: The file in the speech encoder's directory whose digest a card records.
ENCODER_FILE = "model.bin"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities turned into None (strict JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


#: mkstemp and safetensors both write 0600; a model is read by whichever user serves it.
_READABLE = 0o644


def _replace(path: Path, write: Any) -> None:
    """Write a file through a temporary name in the same folder, then rename it into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, _READABLE)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def save_model(model: MotionDiT, card: Path, details: dict[str, Any]) -> None:
    """Write ``card`` and its weights (same name, ``.safetensors``); ``details`` (recipe,
    data, metrics, ...) goes into the card with NaN written as null. The weights go first
    and the card last, each renamed into place, so a reader never pairs a card with weights
    it does not describe."""
    weights = card.with_suffix(".safetensors")
    card.parent.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    _replace(weights, lambda path: save_file(state, path))
    write_card(
        card,
        {
            "config": model.config.as_dict(),
            "weights": weights.name,
            "sha256": file_sha256(weights),
            **details,
        },
    )


def write_card(card: Path, document: dict[str, Any]) -> None:
    """Write a card's JSON (NaN as null), renamed into place."""
    text = json.dumps(_finite(document), indent=2, allow_nan=False) + "\n"
    _replace(card, lambda path: Path(path).write_text(text))


def read_card(card: Path) -> dict[str, Any]:
    """The card's contents.

    Raises:
        WeightsMismatch: the card is missing or unreadable.
    """
    try:
        return json.loads(card.read_text())
    except (OSError, ValueError) as exc:
        raise WeightsMismatch(f"cannot read the model card {card}: {exc}") from exc


@dataclass(frozen=True)
class LoadedModel:
    """A model with the card it was loaded from."""

    model: MotionDiT
    card: dict[str, Any]

    @property
    def version(self) -> str:
        """The model and its weights' digest, for a clip's manifest."""
        return f"{self.card.get('model', 'MotionDiT')} sha256:{self.card['sha256'][:16]}"


def load_card(card: Path = DEFAULT_CARD, *, encoder_dir: Path | None = None) -> LoadedModel:
    """The model a card describes, its weights checked against the card's SHA-256, and (with
    ``encoder_dir``) the speech encoder checked against the one it was trained with.

    Raises:
        WeightsMismatch: the card or its weights are missing, altered or do not fit, or the
            encoder is another one.
    """
    document = read_card(card)
    try:
        weights = card.parent / document["weights"]
        expected, config = document["sha256"], MotionDiTConfig(**document["config"])
    except (KeyError, TypeError) as exc:
        raise WeightsMismatch(f"the model card {card} is incomplete or malformed: {exc}") from exc
    if not weights.is_file():
        raise WeightsMismatch(f"the weights {weights} are missing")
    if file_sha256(weights) != expected:
        raise WeightsMismatch(f"{weights} does not match the SHA-256 in {card.name}")
    trained_with = document.get("speech_encoder", {}).get("sha256")
    if encoder_dir is not None and trained_with is not None:
        if file_sha256(encoder_dir / ENCODER_FILE) != trained_with:
            raise WeightsMismatch(
                f"the speech encoder in {encoder_dir} is not the one {card.name} was trained with"
            )
    model = MotionDiT(config)
    try:
        model.load_state_dict(load_file(str(weights)))
    except RuntimeError as exc:
        raise WeightsMismatch(f"{weights} does not fit the model in {card.name}: {exc}") from exc
    return LoadedModel(model.eval(), document)


def load_model(card: Path = DEFAULT_CARD) -> MotionDiT:
    """The model a card describes (see :func:`load_card`).

    Raises:
        WeightsMismatch: the card or its weights are missing, altered or do not fit.
    """
    return load_card(card).model
