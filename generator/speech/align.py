"""Phone times for real speech with pocketsphinx: forced alignment against a known text, or
phone recognition when there is none.

Recorded speech (the Asterisk prompts, a user's recording) has no phoneme events; aligning it
with its transcript gives the same kind of :class:`~generator.speech.espeak.Phone` list as
synthetic speech, in ARPAbet (``AA``, ``B``, ``SIL``...), so both drive the same viseme rules::

    phones = Aligner().align(read_audio("prompt.wav"), "please leave a message")
    guessed = Aligner().recognise(read_audio("anything.wav"))  # no text: noisier

The acoustic model, dictionary and phone language model ship inside the pocketsphinx wheel.
"""

from __future__ import annotations

import re
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from generator.errors import GeneratorError
from generator.io import SPEECH_SAMPLE_RATE, AudioTrack
from generator.speech.espeak import Phone

_FRAME_S = 0.01  # pocketsphinx reports times in 10-ms frames
_WORD = re.compile(r"[a-z']+")


class Aligner:
    """A pocketsphinx decoder for US English, loaded once and reused."""

    def __init__(self) -> None:
        """Load the models (a second or so).

        Raises:
            GeneratorError: pocketsphinx is not installed.
        """
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise GeneratorError("pocketsphinx is not installed; run `make test`") from exc
        self._decoder = Decoder(samprate=SPEECH_SAMPLE_RATE, bestpath=False, loglevel="FATAL")
        self._phone_loop: object | None = None  # made on first use of recognise()
        # pocketsphinx numbers a frame by where its analysis window starts, but what the frame
        # hears is centred half a window (12.8 ms) later: unshifted, its bilabial onsets led
        # espeak-ng's sample-exact ones by a median 14 ms, shifted by under 3 ms.
        self._offset_s = float(self._decoder.config["wlen"]) / 2

    @staticmethod
    def dictionary_path() -> Path:
        """The CMU pronunciation dictionary inside the pocketsphinx wheel."""
        from pocketsphinx import get_model_path

        return Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"

    def unknown_words(self, text: str) -> list[str]:
        """The words of ``text`` the pronunciation dictionary lacks, which :meth:`align`
        refuses."""
        words = _WORD.findall(text.lower())
        return [word for word in words if self._decoder.lookup_word(word) is None]

    def align(self, audio: AudioTrack, text: str) -> tuple[Phone, ...]:
        """Phone times of ``audio`` saying ``text`` (``SIL`` for silences).

        Raises:
            GeneratorError: a word is not in the dictionary, the audio is empty, or the text
                cannot be aligned to it (wrong transcript, music, silence).
        """
        words = _WORD.findall(text.lower())
        if not words:
            raise GeneratorError("the transcript has no words to align")
        unknown = self.unknown_words(text)
        if unknown:
            raise GeneratorError(f"not in the pronunciation dictionary: {', '.join(unknown)}")
        pcm = _pcm16(audio)
        decoder = self._decoder
        try:
            decoder.set_align_text(" ".join(words))
            for pass_ in ("words", "phones"):
                decoder.start_utt()
                decoder.process_raw(pcm, full_utt=True)
                decoder.end_utt()
                if pass_ == "words":
                    decoder.set_alignment()
            alignment = decoder.get_alignment()
        except RuntimeError as exc:
            raise GeneratorError(f"the speech does not fit the text {text!r}: {exc}") from exc
        phones = [
            Phone(
                "_" if phone.name == "SIL" else phone.name,
                phone.start * _FRAME_S + self._offset_s,
                (phone.start + phone.duration) * _FRAME_S + self._offset_s,
            )
            for word in alignment
            for phone in word
        ]
        if not phones:
            raise GeneratorError(f"the speech does not fit the text {text!r}")
        return tuple(phones)

    def recognise(self, audio: AudioTrack) -> tuple[Phone, ...]:
        """Phone times of ``audio`` without a transcript, from pocketsphinx's phone loop and
        its English phone language model: the rule baseline's guess, right about where the
        mouth opens and closes more often than about which phone it is.

        Raises:
            GeneratorError: the audio is too short.
        """
        pcm = _pcm16(audio)
        if self._phone_loop is None:
            import pocketsphinx

            self._phone_loop = pocketsphinx.Decoder(
                samprate=SPEECH_SAMPLE_RATE,
                allphone=str(Path(pocketsphinx.get_model_path()) / "en-us" / "en-us-phone.lm.bin"),
                lw=2.0,
                beam=1e-20,
                pbeam=1e-20,
                loglevel="FATAL",
            )
        decoder = self._phone_loop
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        return tuple(
            Phone(
                "_" if segment.word == "SIL" else segment.word,
                segment.start_frame * _FRAME_S + self._offset_s,
                (segment.end_frame + 1) * _FRAME_S + self._offset_s,
            )
            for segment in decoder.seg()
        )


def _pcm16(audio: AudioTrack) -> bytes:
    """Mono 16-bit PCM at the decoder's rate.

    Raises:
        GeneratorError: under 0.1 s of audio: too short to hold a phone.
    """
    if audio.duration_s <= 0.1:
        raise GeneratorError(f"the audio is too short for speech ({audio.duration_s:.2f} s)")
    samples = audio.samples
    if audio.sample_rate != SPEECH_SAMPLE_RATE:
        common = gcd(audio.sample_rate, SPEECH_SAMPLE_RATE)
        samples = resample_poly(samples, SPEECH_SAMPLE_RATE // common, audio.sample_rate // common)
    return (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
