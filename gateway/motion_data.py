"""The motion model's data recipe: which speech trains it, and which (never heard) judges it.

- **Synthetic**: espeak-ng passages in the training voices, from training texts (prose that
  ships with the system plus dictionary-word sentences), augmented. Evaluation uses the
  held-out voices (:data:`generator.speech.corpus.HELD_OUT_ACCENTS`/``VARIANTS``) reading
  held-out texts, unaugmented.
- **Recorded**: the Asterisk English prompts (one studio voice), force-aligned by
  pocketsphinx against their text. Every fifth prompt in file-name order is held out.
- **Evaluation only**: the codec2 Harvard-sentence recording (another speaker) and
  festvox-ru's Russian utterances with human phone labels (timing against people, not rules).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gateway.datasets import fetch_dataset, load_manifest
from gateway.errors import DatasetError
from gateway.settings import Settings
from generator import GeneratorError, read_audio
from generator.io import AudioTrack
from generator.motion_model.config import TRAINING_PASSAGES
from generator.speech import Aligner, Espeak, Phone
from generator.speech.corpus import (
    Passage,
    dictionary_words,
    english_sentences,
    recorded_passage,
    sentence_stream,
    synthetic_passage,
    text_split,
    voices,
)

#: Held-out synthetic passages the bench and the card judge.
EVALUATION_PASSAGES = 40
#: What codec2's ``speech_orig_16k.wav`` says (Harvard list 1, sentences 1–3, then 10).
HARVARD_TEXT = (
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
    "It's easy to tell the depth of a well. Four hours of steady work faced us."
)
#: festvox-ru's labels → ARPAbet, enough to tell bilabials and pauses from the rest.
_RUSSIAN = {"p": "P", "pp": "P", "b": "B", "bb": "B", "m": "M", "mm": "M", "pau": "SIL"}


@dataclass(frozen=True)
class Recording:
    """A real recording with its phones (``alphabet``), for evaluation."""

    name: str
    audio: AudioTrack
    phones: tuple[Phone, ...]
    alphabet: str


def _dataset(settings: Settings, name: str) -> tuple[Path, list]:
    try:
        manifest = load_manifest(settings.data_dir, name)
    except DatasetError:
        manifest = fetch_dataset(settings.data_dir, name)
    return settings.data_dir / name, manifest.files


def asterisk_prompts(settings: Settings, split: str) -> list[tuple[Path, str]]:
    """The Asterisk English prompts of a split (``train`` or ``eval``: every fifth), with text."""
    root, files = _dataset(settings, "asterisk-en")
    prompts = sorted((root / f.path, f.transcript) for f in files if f.transcript)
    return [p for i, p in enumerate(prompts) if (i % 5 == 0) == (split == "eval")]


def aligned(
    prompts: list[tuple[Path, str]], aligner: Aligner
) -> Iterator[tuple[str, AudioTrack, tuple[Phone, ...]]]:
    """Prompts with their force-aligned phones; ones the aligner refuses are skipped."""
    for path, text in prompts:
        audio = read_audio(path)
        try:
            yield path.name, audio, aligner.align(audio, text)
        except GeneratorError:
            continue


def training_passages(
    settings: Settings, *, count: int = TRAINING_PASSAGES, seed: int = 0
) -> Iterator[Passage]:
    """The training corpus: ``count`` synthetic passages, then the recorded prompts joined
    into passages of 22–28 s."""
    rng = np.random.default_rng(seed)
    espeak = Espeak()
    texts = [s for s in english_sentences() if text_split(s) == "train"]
    words = [w for w in dictionary_words(Aligner.dictionary_path()) if text_split(w) == "train"]
    stream = sentence_stream(texts, words, rng)
    train_voices = voices("train")
    for _ in range(count):
        sentences = [next(stream) for _ in range(12)]
        voice = train_voices[int(rng.integers(len(train_voices)))]
        yield synthetic_passage(espeak, sentences, voice, rng)
    batch: list[tuple[AudioTrack, tuple[Phone, ...]]] = []
    for _, audio, phones in aligned(asterisk_prompts(settings, "train"), Aligner()):
        batch.append((audio, phones))
        if sum(a.duration_s for a, _ in batch) > 22:
            yield recorded_passage(batch, "asterisk-en", rng)
            batch = []
    if batch:
        yield recorded_passage(batch, "asterisk-en", rng)


def evaluation_passages(count: int = EVALUATION_PASSAGES, *, seed: int = 1) -> list[Passage]:
    """Held-out voices reading held-out texts, not augmented."""
    rng = np.random.default_rng(seed)
    espeak = Espeak()
    texts = [s for s in english_sentences() if text_split(s) == "eval"]
    held_out = voices("eval")
    passages = []
    for index in range(count):
        order = rng.permutation(len(texts))[:6]
        voice = held_out[index % len(held_out)]
        passages.append(
            synthetic_passage(espeak, [texts[i] for i in order], voice, rng, augment=False)
        )
    return passages


def recorded_evaluation(settings: Settings) -> list[Recording]:
    """The held-out Asterisk prompts and the Harvard sentences, force-aligned."""
    aligner = Aligner()
    recordings = [
        Recording(name, audio, phones, "arpabet")
        for name, audio, phones in aligned(asterisk_prompts(settings, "eval"), aligner)
    ]
    root, _ = _dataset(settings, "codec2")
    harvard = read_audio(root / "speech_orig_16k.wav")
    recordings.append(
        Recording("harvard", harvard, aligner.align(harvard, HARVARD_TEXT), "arpabet")
    )
    return recordings


def labelled_russian(settings: Settings, limit: int = 60) -> list[Recording]:
    """festvox-ru utterances with their human phone labels (the first ``limit``)."""
    root, files = _dataset(settings, "festvox-ru")
    recordings = []
    for entry in sorted((f for f in files if f.path.endswith(".wav")), key=lambda f: f.path)[
        :limit
    ]:
        labels = (root / entry.path).with_suffix(".lab").read_text().splitlines()
        phones, start = [], 0.0
        for line in labels:
            parts = line.split()
            if len(parts) == 3 and parts[0][0].isdigit():
                end = float(parts[0])
                phones.append(Phone(_RUSSIAN.get(parts[2], "AH"), start, end))
                start = end
        recordings.append(
            Recording(entry.path, read_audio(root / entry.path), tuple(phones), "arpabet")
        )
    return recordings
