"""Transcripts with faster-whisper over Whisper tiny.en (the offline CTranslate2 asset).

Used to check that a consent recording speaks its statement and one-time code, and to run
the content rules over a generation request's driving speech.
"""

from __future__ import annotations

from pathlib import Path

from gateway.errors import AnalysisError
from generator.io import SPEECH_SAMPLE_RATE, AudioTrack


class Transcriber:
    """Whisper tiny.en, int8 on the CPU, loaded once."""

    def __init__(self, model_dir: Path, *, threads: int = 2) -> None:
        """Load the converted model directory (the ``whisper_tiny_en`` asset).

        Raises:
            AnalysisError: the model cannot be loaded.
        """
        from faster_whisper import WhisperModel

        try:
            self._model = WhisperModel(
                str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise AnalysisError(
                f"cannot load the speech recogniser from {model_dir}: {exc}"
            ) from exc

    def transcribe(self, audio: AudioTrack) -> str:
        """The English text spoken in ``audio`` (16-kHz mono); empty for silence.

        Beam search (5) rather than greedy decoding: on synthetic voices it halves the
        misheard words of a consent statement for a third more time. Timestamps stay on:
        without them Whisper now and then drops the last sentence, where the code is.
        """
        if audio.sample_rate != SPEECH_SAMPLE_RATE:
            raise AnalysisError(f"transcription needs {SPEECH_SAMPLE_RATE} Hz audio")
        if audio.duration_s == 0:
            return ""
        segments, _ = self._model.transcribe(
            audio.samples,
            language="en",
            beam_size=5,
            condition_on_previous_text=False,
            vad_filter=True,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()
