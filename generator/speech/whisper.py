"""Whisper tiny.en's audio encoder in torch, every layer's output in reach.

CTranslate2 runs Whisper fast but hands back only the encoder's last layer, which is tuned to
feed the text decoder: it says more about which words were spoken than about how the mouth
moved. The earlier blocks say more about the mouth. A probe that reads the mouth shape from
the features (three convolutions, 37 minutes of synthetic speech, scored on training voices
reading held-out texts) places 77.4% of frames in the right mouth shape group from the last
layer alone, 79.7% from the second block's output, and 81.9% from all four blocks' outputs
side by side.

The weights are read straight from the CTranslate2 asset's ``model.bin`` (there is no other
copy offline), so :class:`WhisperEncoder` and CTranslate2's decoder share one file.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
import torch.nn.functional as F

from generator.errors import GeneratorError

#: CTranslate2's model.bin layout version this reader understands.
_FORMAT_VERSION = 6
#: CTranslate2's DataType enum → numpy (int8 and bfloat16 models are not read here).
_DTYPES = {0: np.float32, 2: np.int16, 3: np.int32, 4: np.float16}
_BLOCK_PARTS = (
    "self_attention/layer_norm",
    "self_attention/linear_0",
    "self_attention/linear_1",
    "ffn/layer_norm",
    "ffn/linear_0",
    "ffn/linear_1",
)


def read_ctranslate2_encoder(path: Path) -> dict[str, torch.Tensor]:
    """The ``encoder/…`` variables of a CTranslate2 Whisper ``model.bin``, as float32
    tensors keyed without the prefix (``conv1/weight``, ``layer_0/ffn/linear_0/bias``, …).

    Raises:
        GeneratorError: the file is missing, truncated, quantised or not a CTranslate2 model.
    """
    try:
        with path.open("rb") as stream:
            return _read_variables(stream)
    except (OSError, struct.error, UnicodeDecodeError, ValueError) as exc:
        raise GeneratorError(
            f"cannot read the speech encoder's weights from {path}: {exc}"
        ) from exc


def _read_variables(stream: BinaryIO) -> dict[str, torch.Tensor]:
    def number() -> int:
        return int(struct.unpack("<I", _exactly(stream, 4))[0])

    def text() -> str:
        size = struct.unpack("<H", _exactly(stream, 2))[0]
        return _exactly(stream, size).decode().rstrip("\0")

    if (version := number()) != _FORMAT_VERSION:
        raise ValueError(f"model.bin format {version}, expected {_FORMAT_VERSION}")
    text(), number()  # spec name and revision
    variables = {}
    for _ in range(number()):
        name = text()
        shape = [number() for _ in range(_exactly(stream, 1)[0])]
        dtype, size = _exactly(stream, 1)[0], number()
        if not name.startswith("encoder/"):
            stream.seek(size, 1)
            continue
        if dtype not in _DTYPES:
            raise ValueError(f"{name} is stored as CTranslate2 type {dtype} (quantised?)")
        values = np.frombuffer(_exactly(stream, size), _DTYPES[dtype]).reshape(shape)
        variables[name.removeprefix("encoder/")] = torch.from_numpy(values.astype(np.float32))
    return variables


def _exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("the file ends early")
    return data


class WhisperEncoder:
    """Whisper's encoder (two convolutions, pre-norm transformer blocks, a final norm) that
    returns every block's output."""

    def __init__(self, model_file: Path, *, device: str = "cpu") -> None:
        """Load the encoder half of a CTranslate2 Whisper ``model.bin``.

        Raises:
            GeneratorError: the file cannot be read or is not a Whisper encoder.
        """
        weights = read_ctranslate2_encoder(model_file)
        self.blocks = sum(1 for name in weights if name.endswith("/ffn/linear_1/weight"))
        required = ["num_heads", "conv1/weight", "conv2/weight", "position_encodings/encodings"]
        required += ["layer_norm/gamma"] + [
            f"layer_{index}/{part}/{'gamma' if part.endswith('norm') else 'weight'}"
            for index in range(self.blocks)
            for part in _BLOCK_PARTS
        ]
        absent = ["transformer block"] * (not self.blocks)
        absent += [name for name in required if name not in weights]
        if absent:
            raise GeneratorError(f"{model_file} holds no whole Whisper encoder: no {absent[0]}")
        self.width = int(weights["conv1/weight"].shape[0])
        self.heads = int(weights.pop("num_heads"))
        self._head_size = self.width // self.heads
        self._weights = {name: value.to(device) for name, value in weights.items()}
        self.device = torch.device(device)

    @torch.inference_mode()
    def __call__(self, mel: torch.Tensor) -> list[torch.Tensor]:
        """``(B, 80, 3000)`` log-mel windows → each block's output ``(B, 1500, width)``, the
        last one through the final norm (what CTranslate2's ``encode`` returns)."""
        w = self._weights
        x = F.gelu(F.conv1d(mel.to(self.device), w["conv1/weight"], w["conv1/bias"], padding=1))
        x = F.gelu(F.conv1d(x, w["conv2/weight"], w["conv2/bias"], stride=2, padding=1))
        x = x.transpose(1, 2) + w["position_encodings/encodings"][: x.shape[2]]
        outputs = []
        for index in range(self.blocks):
            x = x + self._attention(x, f"layer_{index}/self_attention")
            x = x + self._feed_forward(x, f"layer_{index}/ffn")
            outputs.append(x)
        outputs[-1] = self._norm(x, "layer_norm")
        return outputs

    def _attention(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        batch, frames, _ = x.shape
        qkv = self._linear(self._norm(x, f"{prefix}/layer_norm"), f"{prefix}/linear_0")
        q, k, v = qkv.view(batch, frames, 3, self.heads, self._head_size).permute(2, 0, 3, 1, 4)
        mixed = F.scaled_dot_product_attention(q, k, v).transpose(1, 2)
        return self._linear(mixed.reshape(batch, frames, self.width), f"{prefix}/linear_1")

    def _feed_forward(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        hidden = F.gelu(self._linear(self._norm(x, f"{prefix}/layer_norm"), f"{prefix}/linear_0"))
        return self._linear(hidden, f"{prefix}/linear_1")

    def _norm(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        w = self._weights
        return F.layer_norm(x, (self.width,), w[f"{prefix}/gamma"], w[f"{prefix}/beta"])

    def _linear(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.linear(x, self._weights[f"{prefix}/weight"], self._weights[f"{prefix}/bias"])
