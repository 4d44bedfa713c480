"""Speaker embeddings with Resemblyzer (a GE2E d-vector model whose weights ship in the wheel).

Two recordings of one voice give embeddings with a high cosine; the consent's voice and the
driving audio of a generation request are compared this way. The thresholds that turn a
cosine into "same speaker" are measured (``talkgate bench policy``) and live in the rules.
"""

from __future__ import annotations

import warnings

import numpy as np

from gateway.errors import AnalysisError
from generator.io import SPEECH_SAMPLE_RATE, AudioTrack

#: Less voiced speech than this (after silences are trimmed) gives no reliable embedding.
MIN_SPEECH_S = 1.0


class VoiceEmbedder:
    """Resemblyzer's voice encoder on the CPU, loaded once."""

    def __init__(self) -> None:
        # webrtcvad (imported by resemblyzer) still imports pkg_resources, which warns.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            from resemblyzer import VoiceEncoder, preprocess_wav

        self._preprocess = preprocess_wav
        self._encoder = VoiceEncoder(device="cpu", verbose=False)

    def embed(self, audio: AudioTrack) -> np.ndarray:
        """The unit-length 256-D embedding of the voice in ``audio`` (16-kHz mono).

        Raises:
            AnalysisError: the audio is at another rate or holds too little speech.
        """
        if audio.sample_rate != SPEECH_SAMPLE_RATE:
            raise AnalysisError(f"voice embedding needs {SPEECH_SAMPLE_RATE} Hz audio")
        speech = self._preprocess(audio.samples.astype(np.float32))
        if len(speech) < MIN_SPEECH_S * SPEECH_SAMPLE_RATE:
            raise AnalysisError(
                f"the recording holds {len(speech) / SPEECH_SAMPLE_RATE:.2f} s of speech; "
                f"at least {MIN_SPEECH_S:.0f} s is needed to recognise a voice"
            )
        embedding = self._encoder.embed_utterance(speech)
        return (embedding / np.linalg.norm(embedding)).astype(np.float32)
