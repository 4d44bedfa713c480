"""Audio features for the motion model, at the video frame rate.

Two paths, compared in the motion benchmark:

- :class:`SpeechEncoder`: Whisper tiny.en's encoder (the offline CTranslate2 asset), each of
  its four blocks' 384 outputs side by side, 1,536 numbers per frame
  (:mod:`generator.speech.whisper` says why all four). Trained on 680k hours of real speech,
  so a model trained on synthetic speech still hears real voices.
- :func:`log_mel`: Whisper's own 80-band log-mel spectrogram, the input to that encoder and
  the fallback feature.

:meth:`SpeechEncoder.hear` also asks Whisper's decoder, once per window, whether the window
holds speech at all, so the generator can rest the mouth through music and silence.

Whisper looks at 30-s windows of 16-kHz audio (3,000 mel frames, 1,500 encoder frames); longer
audio is encoded window by window, shorter audio is padded, and the result is cut to the
audio's length and averaged down to the frame rate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from generator.errors import GeneratorError
from generator.io import SPEECH_SAMPLE_RATE, AudioTrack
from generator.speech.whisper import WhisperEncoder

if TYPE_CHECKING:
    import ctranslate2

N_FFT = 400  # 25 ms
HOP = 160  # 10 ms: 100 mel frames a second
N_MELS = 80
WINDOW_S = 30
_MEL_PER_WINDOW = WINDOW_S * SPEECH_SAMPLE_RATE // HOP  # 3000
#: The no-speech probability from which a 30-s window counts as speech-free. Whisper's own
#: bar is 0.6 with a gate on the transcript's log-probability, which this single decoder step
#: has not got; measured alone, espeak voices read 0.07-0.60 (two held-out passages back to
#: back: 0.60), real speech 0.10-0.14, and silence, hiss, chords and melodies 0.81-0.96.
NO_SPEECH_THRESHOLD = 0.7
_START = "<|startoftranscript|>"


def mel_filters(
    sample_rate: int = SPEECH_SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS
) -> np.ndarray:
    """Slaney-style mel filterbank ``(n_mels, n_fft // 2 + 1)``, as Whisper (and librosa's
    default) builds it: triangles on the Slaney mel scale, each normalised to unit area."""

    def to_mel(hz: np.ndarray) -> np.ndarray:
        hz = np.asarray(hz, float)
        return np.where(
            hz < 1000, 3 * hz / 200, 15 + 27 * np.log(np.maximum(hz, 1e-9) / 1000) / np.log(6.4)
        )

    def to_hz(mel: np.ndarray) -> np.ndarray:
        return np.where(mel < 15, 200 * mel / 3, 1000 * np.exp((mel - 15) * np.log(6.4) / 27))

    bins = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = to_hz(np.linspace(to_mel(0.0), to_mel(sample_rate / 2), n_mels + 2))
    lower = (bins[None, :] - edges[:-2, None]) / (edges[1:-1] - edges[:-2])[:, None]
    upper = (edges[2:, None] - bins[None, :]) / (edges[2:] - edges[1:-1])[:, None]
    triangles = np.maximum(0.0, np.minimum(lower, upper))
    return (triangles * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def log_mel(samples: np.ndarray) -> np.ndarray:
    """Whisper's log-mel spectrogram ``(80, frames)`` of 16-kHz mono samples (100 frames/s)."""
    padded = np.pad(samples.astype(np.float32), N_FFT // 2, mode="reflect")
    count = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:count]
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    mel = mel_filters() @ power[:-1].T  # Whisper drops the last frame
    logs = np.log10(np.maximum(mel, 1e-10))
    logs = np.maximum(logs, logs.max() - 8.0)
    return ((logs + 4.0) / 4.0).astype(np.float32)


def _at_fps(features: np.ndarray, rate: float, duration_s: float, fps: float) -> np.ndarray:
    """``(N, D)`` features at ``rate`` per second → ``(ceil(duration·fps), D)`` by averaging
    each video frame's span."""
    count = max(1, int(np.ceil(duration_s * fps)))
    edges = np.round(np.arange(count + 1) / fps * rate).astype(int)
    edges = np.clip(edges, 0, len(features))
    out = np.empty((count, features.shape[1]), np.float32)
    for index in range(count):
        start, stop = edges[index], max(edges[index + 1], edges[index] + 1)
        out[index] = features[min(start, len(features) - 1) : min(stop, len(features))].mean(0)
    return out


def _encoder_frames_at_fps(chunks: list[np.ndarray], audio: AudioTrack, fps: float) -> np.ndarray:
    """The windows' encoder frames (50 a second) joined and averaged down to ``fps``."""
    return _at_fps(np.concatenate(chunks), SPEECH_SAMPLE_RATE / HOP / 2, audio.duration_s, fps)


def _speech(audio: AudioTrack) -> np.ndarray:
    if audio.sample_rate != SPEECH_SAMPLE_RATE:
        raise GeneratorError(
            f"features need {SPEECH_SAMPLE_RATE} Hz audio (read_audio gives it), "
            f"not {audio.sample_rate} Hz"
        )
    if audio.duration_s <= 0:
        raise GeneratorError("the audio is empty")
    return audio.samples


def mel_features(audio: AudioTrack, fps: float = 25.0) -> np.ndarray:
    """The log-mel fallback: ``(frames, 80)`` at the video frame rate."""
    samples = _speech(audio)
    return _at_fps(log_mel(samples).T, SPEECH_SAMPLE_RATE / HOP, audio.duration_s, fps)


@dataclass(frozen=True)
class Heard:
    """What the encoder made of a recording, per video frame."""

    features: np.ndarray  # (frames, SpeechEncoder.feature_size)
    speech: np.ndarray  # (frames,) bool: Whisper hears speech in the frame's 30-s window


class SpeechEncoder:
    """Whisper tiny.en's encoder in torch (:class:`~generator.speech.whisper.WhisperEncoder`),
    and CTranslate2's decoder for its one no-speech step."""

    def __init__(self, model_dir: Path, *, device: str = "cpu") -> None:
        """Load the converted model directory (the ``whisper_tiny_en`` asset).

        Raises:
            GeneratorError: the model cannot be loaded.
        """
        self._model_dir = model_dir
        self._device = device
        self._encoder = WhisperEncoder(model_dir / "model.bin", device=device)
        self.feature_size = self._encoder.blocks * self._encoder.width

    def features(self, audio: AudioTrack, fps: float = 25.0) -> np.ndarray:
        """Encoder features ``(frames, feature_size)`` at the video frame rate (50 per second
        inside): every block's output, side by side."""
        chunks = [np.concatenate(layers, axis=1) for layers, _ in self._encoded(audio)]
        return _encoder_frames_at_fps(chunks, audio, fps)

    def hear(self, audio: AudioTrack, fps: float = 25.0) -> Heard:
        """The features, and per video frame whether Whisper hears speech in its 30-s window
        (one decoder step per window, on the encoder's last layer: its no-speech probability
        under :data:`NO_SPEECH_THRESHOLD`)."""
        import ctranslate2

        chunks, speech = [], []
        for layers, last in self._encoded(audio):
            chunks.append(np.concatenate(layers, axis=1))
            first = self._decoder.generate(
                ctranslate2.StorageView.from_array(last),
                [[_START]],
                return_no_speech_prob=True,
                max_length=2,
            )
            speech.append(first[0].no_speech_prob < NO_SPEECH_THRESHOLD)
        features = _encoder_frames_at_fps(chunks, audio, fps)
        window = (np.arange(len(features)) + 0.5) / fps // WINDOW_S
        return Heard(features, np.array(speech)[np.minimum(window.astype(int), len(speech) - 1)])

    @cached_property
    def _decoder(self) -> ctranslate2.models.Whisper:
        import ctranslate2

        try:
            return ctranslate2.models.Whisper(
                str(self._model_dir),
                device=self._device,
                compute_type="int8" if self._device == "cpu" else "float16",
            )
        except (RuntimeError, ValueError) as exc:
            raise GeneratorError(
                f"cannot load the speech decoder from {self._model_dir}: {exc}"
            ) from exc

    def _encoded(self, audio: AudioTrack) -> Iterator[tuple[list[np.ndarray], np.ndarray]]:
        """Each 30-s window's block outputs cut to the frames that hold audio, and the whole
        ``(1, 1500, width)`` last layer (what the decoder reads)."""
        mel = log_mel(_speech(audio))
        for start in range(0, mel.shape[1], _MEL_PER_WINDOW):
            window = mel[:, start : start + _MEL_PER_WINDOW]
            used = (window.shape[1] + 1) // 2
            window = np.pad(window, ((0, 0), (0, _MEL_PER_WINDOW - window.shape[1])))
            layers = [out.cpu().numpy() for out in self._encoder(torch.from_numpy(window[None]))]
            yield [layer[0, :used] for layer in layers], layers[-1]
