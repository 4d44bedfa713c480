"""Whisper tiny.en's encoder in torch, read from the CTranslate2 asset (real model)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from generator import GeneratorError
from generator.speech.features import _MEL_PER_WINDOW, log_mel
from generator.speech.whisper import WhisperEncoder, read_ctranslate2_encoder


def test_the_last_layer_is_what_ctranslate2_computes(assets_dir: Path) -> None:
    import ctranslate2
    from scipy.signal import resample_poly

    from generator.speech import Espeak

    said = Espeak().speak("Bob and Pam made a map of the old palace.", rate=150)
    speech = resample_poly(said.audio.samples, 16_000, said.audio.sample_rate)
    mel = log_mel(speech.astype(np.float32))
    mel = np.pad(mel, ((0, 0), (0, _MEL_PER_WINDOW - mel.shape[1])))[None]
    model_dir = assets_dir / "whisper_tiny_en"
    layers = WhisperEncoder(model_dir / "model.bin")(torch.from_numpy(mel))
    assert len(layers) == 4 and all(layer.shape == (1, 1500, 384) for layer in layers)
    reference = ctranslate2.models.Whisper(str(model_dir), compute_type="int8")
    expected = np.asarray(reference.encode(ctranslate2.StorageView.from_array(mel)))
    ours = layers[-1].numpy()
    # CTranslate2 runs int8 here; the weights are float16: agreement to quantisation noise.
    assert np.corrcoef(ours.ravel(), expected.ravel())[0, 1] > 0.99
    assert np.abs(ours - expected).mean() < 0.1 * np.abs(expected).mean()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "ends early"),
        (b"\x05\x00\x00\x00", "format 5"),
        (b"\x06\x00\x00\x00\x05\x00Whi", "ends early"),
    ],
)
def test_a_file_that_is_not_a_whole_model_is_a_clear_error(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(content)
    with pytest.raises(GeneratorError, match=problem):
        read_ctranslate2_encoder(path)


def _model_bin(path: Path, variables: dict[str, np.ndarray]) -> Path:
    """A CTranslate2 model.bin (format 6) holding ``variables``."""

    def text(value: str) -> bytes:
        data = value.encode() + b"\0"
        return struct.pack("<H", len(data)) + data

    types = {np.dtype(np.float32): 0, np.dtype(np.int8): 1, np.dtype(np.float16): 4}
    out = struct.pack("<I", 6) + text("WhisperSpec") + struct.pack("<II", 3, len(variables))
    for name, value in variables.items():
        out += text(name) + bytes([value.ndim]) + struct.pack(f"<{value.ndim}I", *value.shape)
        out += bytes([types[value.dtype]]) + struct.pack("<I", value.nbytes) + value.tobytes()
    path.write_bytes(out)
    return path


def test_a_model_without_a_whole_encoder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="cannot read"):
        WhisperEncoder(tmp_path / "missing.bin")
    convolution = np.zeros((384, 80, 3), np.float16)
    only_a_convolution = _model_bin(tmp_path / "a.bin", {"encoder/conv1/weight": convolution})
    with pytest.raises(GeneratorError, match="no transformer block"):
        WhisperEncoder(only_a_convolution)
    quantised = _model_bin(
        tmp_path / "b.bin", {"encoder/conv1/weight": convolution.astype(np.int8)}
    )
    with pytest.raises(GeneratorError, match="quantised"):
        WhisperEncoder(quantised)
