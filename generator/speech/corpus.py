"""The speech corpus the motion model learns from: passages of speech with exact phone times.

Two sources, both turned into targets by the same rules (:mod:`generator.speech.targets`):

- **synthetic**: espeak-ng reads English sentences in many voices (accent × variant), rates and
  pitches, and reports each phoneme's sample-exact start;
- **recorded**: real prompts (the Asterisk studio voice) with phones from pocketsphinx forced
  alignment against their known text.

A passage is several sentences with pauses between them, up to ~28 s: one Whisper window, and
phrase breaks for the head and blinks to react to. What the model hears is augmented (level,
noise, reverberation, telephone band); the targets come from the clean sound.

Voices are split: :data:`HELD_OUT_ACCENTS` and :data:`HELD_OUT_VARIANTS` never appear in
training, so evaluation hears voices the model has not. Texts are split by a hash of the text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

from generator.io import SPEECH_SAMPLE_RATE, AudioTrack
from generator.speech.espeak import Espeak, Phone

ACCENTS: tuple[str, ...] = (
    "en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-us-nyc", "en-gb-x-gbclan", "en-029",
    "en-gb-x-gbcwmd",
)  # fmt: skip
VARIANTS: tuple[str, ...] = (
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt",
    "klatt2", "klatt3", "croak", "Andy", "linda", "Annie", "john", "max", "paul", "edward",
)  # fmt: skip
#: Accents and variants kept out of training, for evaluation on unheard voices.
HELD_OUT_ACCENTS: tuple[str, ...] = ("en-029", "en-gb-x-gbcwmd")
HELD_OUT_VARIANTS: tuple[str, ...] = ("m6", "f4", "klatt3", "Annie", "edward")
_SENTENCE = re.compile(r"[A-Z][A-Za-z ,;'-]+[.!?]")


def voice_name(accent: str, variant: str) -> str:
    """espeak-ng's name for an accent with a variant (``en-us+f3``)."""
    return f"{accent}+{variant}" if variant else accent


def voices(split: str) -> list[str]:
    """The synthetic voices of a split: ``train`` (neither accent nor variant held out) or
    ``eval`` (the accent, the variant or both held out)."""
    chosen = []
    for accent in ACCENTS:
        for variant in VARIANTS:
            held_out = accent in HELD_OUT_ACCENTS or variant in HELD_OUT_VARIANTS
            if held_out == (split == "eval"):
                chosen.append(voice_name(accent, variant))
    return chosen


def text_split(text: str) -> str:
    """``eval`` for one text in ten (by a hash of the text), else ``train``."""
    return "eval" if hashlib.sha256(text.encode()).digest()[0] < 26 else "train"


def english_sentences() -> list[str]:
    """Plain English sentences of 5–22 words from prose that ships with the system: the
    Python reference (``pydoc_data``) and the licence texts in ``/usr/share/common-licenses``."""
    import pydoc_data.topics

    texts = list(pydoc_data.topics.topics.values())
    licences = Path("/usr/share/common-licenses")
    if licences.is_dir():
        texts += [p.read_text(errors="replace") for p in sorted(licences.iterdir()) if p.is_file()]
    found: dict[str, None] = {}
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text)):
            if _SENTENCE.fullmatch(sentence) and 5 <= len(sentence.split()) <= 22:
                found[sentence] = None
    return list(found)


def dictionary_words(path: Path) -> list[str]:
    """Plain words (letters only, 2–10 long) from a CMU-style pronunciation dictionary, so
    sentences made of them reach phone sequences prose rarely has."""
    words = []
    for line in path.read_text(errors="replace").splitlines():
        word = line.split(" ", 1)[0]
        if "(" not in word and word.isalpha() and 2 <= len(word) <= 10:
            words.append(word)
    return words


def word_sentence(words: Sequence[str], rng: np.random.Generator) -> str:
    """A sentence of 5–12 random dictionary words."""
    chosen = rng.choice(len(words), size=int(rng.integers(5, 13)))
    return " ".join(words[i] for i in chosen).capitalize() + "."


@dataclass(frozen=True)
class Passage:
    """Speech with its phones, ready to become one training (or evaluation) sequence.

    Attributes:
        heard: what the model hears (16 kHz, possibly augmented).
        clean: the same speech without augmentation, for the targets.
        phones: phone times in ``alphabet``.
        alphabet: ``espeak`` or ``arpabet``.
        speaker: the voice (espeak name) or the recorded speaker.
        text: what is said.
    """

    heard: AudioTrack
    clean: AudioTrack
    phones: tuple[Phone, ...]
    alphabet: str
    speaker: str
    text: str


def _join(
    pieces: Sequence[tuple[np.ndarray, Sequence[Phone]]], gaps: Sequence[float], rate: int
) -> tuple[np.ndarray, tuple[Phone, ...]]:
    """Concatenate audio pieces with silent gaps, shifting their phone times to match."""
    audio, phones, offset = [], [], 0.0
    for (samples, said), gap in zip(pieces, gaps, strict=True):
        silence = np.zeros(int(gap * rate), np.float32)
        audio += [silence, samples]
        offset += len(silence) / rate
        if len(silence):
            phones.append(Phone("_", offset - len(silence) / rate, offset))
        phones += [Phone(p.symbol, p.start_s + offset, p.end_s + offset) for p in said]
        offset += len(samples) / rate
    return np.concatenate(audio), tuple(phones)


def synthetic_passage(
    espeak: Espeak,
    sentences: Sequence[str],
    voice: str,
    rng: np.random.Generator,
    *,
    longest_s: float = 28.0,
    augment: bool = True,
) -> Passage:
    """espeak-ng reads sentences (from the start of ``sentences``) in one voice, at one rate
    and pitch, with 0.15–1.0 s pauses, until the next would pass ``longest_s``."""
    rate, pitch = int(rng.integers(125, 215)), int(rng.integers(25, 76))
    pieces, gaps, said, total = [], [], [], 0.0
    for sentence in sentences:
        utterance = espeak.speak(sentence, voice=voice, rate=rate, pitch=pitch)
        gap = float(rng.uniform(0.15, 1.0)) if pieces else float(rng.uniform(0.0, 0.4))
        if pieces and total + gap + utterance.audio.duration_s > longest_s:
            break
        pieces.append((utterance.audio.samples, utterance.phones))
        gaps.append(gap)
        said.append(sentence)
        total += gap + utterance.audio.duration_s
    samples, phones = _join(pieces, gaps, espeak.sample_rate)
    clean = to_speech_rate(samples, espeak.sample_rate)
    heard = augmented(clean, rng) if augment else clean
    return Passage(heard, clean, phones, "espeak", voice, " ".join(said))


def recorded_passage(
    prompts: Sequence[tuple[AudioTrack, Sequence[Phone]]],
    speaker: str,
    rng: np.random.Generator,
    *,
    augment: bool = True,
) -> Passage:
    """Recorded prompts (16 kHz, with aligned ARPAbet phones) joined with short pauses."""
    gaps = [float(rng.uniform(0.1, 0.8)) for _ in prompts]
    samples, phones = _join([(a.samples, p) for a, p in prompts], gaps, SPEECH_SAMPLE_RATE)
    clean = AudioTrack(samples.astype(np.float32), SPEECH_SAMPLE_RATE)
    heard = augmented(clean, rng) if augment else clean
    return Passage(heard, clean, phones, "arpabet", speaker, "")


def to_speech_rate(samples: np.ndarray, rate: int) -> AudioTrack:
    """Resample to the 16 kHz the speech encoder takes."""
    if rate != SPEECH_SAMPLE_RATE:
        divisor = np.gcd(rate, SPEECH_SAMPLE_RATE)
        samples = resample_poly(samples, SPEECH_SAMPLE_RATE // divisor, rate // divisor)
    return AudioTrack(np.clip(samples, -1, 1).astype(np.float32), SPEECH_SAMPLE_RATE)


def augmented(audio: AudioTrack, rng: np.random.Generator) -> AudioTrack:
    """Speech as a microphone, a room or a phone line might give it: reverberation (30%),
    telephone band (25%), noise at 10–35 dB SNR (50%), and a level from −18 to +3 dB."""
    rate, samples = audio.sample_rate, audio.samples.astype(np.float64)
    if rng.random() < 0.3:
        rt60 = rng.uniform(0.15, 0.6)
        t = np.arange(int(rt60 * rate)) / rate
        response = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60) * 0.1
        response[0] = 1.0
        wet = fftconvolve(samples, response)[: len(samples)]
        mix = rng.uniform(0.3, 0.7)
        samples = (1 - mix) * samples + mix * wet * np.std(samples) / max(np.std(wet), 1e-9)
    if rng.random() < 0.25:
        samples = sosfilt(butter(4, (300, 3400), "bandpass", fs=rate, output="sos"), samples)
    if rng.random() < 0.5:
        noise = rng.standard_normal(len(samples))
        if rng.random() < 0.5:  # pink-ish: more energy low down
            noise = sosfilt(butter(1, 500, "lowpass", fs=rate, output="sos"), noise)
        snr_db = rng.uniform(10, 35)
        speech_power = np.mean(samples[np.abs(samples) > 0.01 * np.abs(samples).max()] ** 2)
        samples = samples + noise * np.sqrt(speech_power / 10 ** (snr_db / 10) / np.mean(noise**2))
    peak = max(np.abs(samples).max(), 1e-9)
    samples = samples / peak * 0.9 * 10 ** (rng.uniform(-18, 3) / 20)
    return AudioTrack(np.clip(samples, -1, 1).astype(np.float32), rate)


def sentence_stream(
    sentences: Sequence[str], words: Sequence[str], rng: np.random.Generator, *, prose: float = 0.7
) -> Iterator[str]:
    """Endless sentences: prose (share ``prose``) or random dictionary words."""
    while True:
        if rng.random() < prose or not words:
            yield sentences[int(rng.integers(len(sentences)))]
        else:
            yield word_sentence(words, rng)
