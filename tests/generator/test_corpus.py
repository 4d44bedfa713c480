"""The speech corpus: voice and text splits, passages with exact phone times, augmentation."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from generator import GeneratorError
from generator.io import SPEECH_SAMPLE_RATE, AudioTrack
from generator.speech import Aligner, Espeak
from generator.speech.corpus import (
    HELD_OUT_ACCENTS,
    HELD_OUT_VARIANTS,
    augmented,
    dictionary_words,
    english_sentences,
    synthetic_passage,
    text_split,
    voices,
)
from generator.speech.visemes import viseme_of


def test_no_evaluation_voice_is_trained_on() -> None:
    train, held_out = set(voices("train")), set(voices("eval"))
    assert train and held_out and not train & held_out
    for voice in train:
        accent, _, variant = voice.partition("+")
        assert accent not in HELD_OUT_ACCENTS and variant not in HELD_OUT_VARIANTS
    espeak = Espeak()
    for voice in sorted(held_out)[:5]:  # every name is one espeak-ng speaks
        espeak.speak("Hello.", voice=voice)


def test_texts_split_by_content() -> None:
    sentences = english_sentences()
    assert len(sentences) > 400
    held_out = [s for s in sentences if text_split(s) == "eval"]
    assert 0.05 < len(held_out) / len(sentences) < 0.16
    words = dictionary_words(Aligner.dictionary_path())
    assert len(words) > 50_000 and all(w.isalpha() for w in words[:1000])


def test_a_passage_joins_sentences_with_pauses_and_shifted_phones() -> None:
    rng = np.random.default_rng(0)
    sentences = ["Bob bought a map.", "Mum paid for the bread.", "Pam made a bet."]
    passage = synthetic_passage(Espeak(), sentences, "en-us+f2", rng, augment=False)
    assert passage.clean.sample_rate == SPEECH_SAMPLE_RATE
    assert passage.text == " ".join(sentences)
    starts = [p.start_s for p in passage.phones]
    assert starts == sorted(starts) and passage.phones[-1].end_s <= passage.clean.duration_s + 0.01
    assert sum(p.symbol == "_" for p in passage.phones) >= 2  # the pauses between sentences
    bilabials = [p for p in passage.phones if viseme_of(p.symbol).name == "bilabial"]
    assert len(bilabials) == 13  # Bob (2), bought, map (2), Mum (2), paid, bread, Pam (2)…
    assert bilabials[-1].start_s > 2 * passage.clean.duration_s / 3  # shifted into place


def _bilabial_onset_differences() -> tuple[int, list[float]]:
    """pocketsphinx's bilabial onsets minus espeak-ng's, over one passage per second training
    voice: (passages aligned, differences in seconds)."""
    rng = np.random.default_rng(0)
    espeak, aligner = Espeak(), Aligner()
    sentences = [  # ones pocketsphinx can align: every word in its dictionary
        s for s in english_sentences() if not aligner.unknown_words(s)
    ]
    differences, aligned_passages = [], 0
    for voice in voices("train")[::2]:
        chosen = [sentences[i] for i in rng.permutation(len(sentences))[:2]]
        passage = synthetic_passage(espeak, chosen, voice, rng, augment=False)
        # pocketsphinx cannot align across runs of exact digital zeros (the pauses espeak-ng
        # leaves); a −72 dBFS dither, as any microphone has, lets it.
        dither = rng.triangular(-8, 0, 8, len(passage.clean.samples)) / 32767
        audio = AudioTrack((passage.clean.samples + dither).astype(np.float32), 16_000)
        try:
            aligned = aligner.align(audio, passage.text)
        except GeneratorError:
            continue  # a failed alignment
        ours = [p.start_s for p in passage.phones if viseme_of(p.symbol).name == "bilabial"]
        theirs = [p.start_s for p in aligned if viseme_of(p.symbol, "arpabet").name == "bilabial"]
        if len(ours) == len(theirs):
            differences += [float(d) for d in np.subtract(theirs, ours)]
            aligned_passages += 1
    return aligned_passages, differences


def test_espeak_phone_times_agree_with_forced_alignment() -> None:
    """On a sample of corpus passages, pocketsphinx aligning the audio against its text puts
    the bilabial onsets within 20 ms of espeak-ng's own sample-exact times (median |Δ| 15.7 ms
    over 297 onsets) and neither leads (median Δ −2.9 ms; before its times were moved to the
    centre of pocketsphinx's analysis window, it led by about 15 ms).

    espeak-ng carries its pitch flutter's phase from one utterance to the next, so what it
    says depends on everything it said before in the process: in one process, eight repeats
    of this sample read a median Δ of −2.9 to −9.0 ms, and a full suite once read −11.5 ms.
    A fresh process makes the sample the same in every run."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        aligned_passages, differences = fresh.submit(_bilabial_onset_differences).result()
    assert aligned_passages >= 30 and len(differences) >= 250
    assert np.median(np.abs(differences)) <= 0.020
    assert abs(np.median(differences)) <= 0.008


def test_augmentation_keeps_the_length_and_changes_the_sound() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(32_000) / 16_000
    clean = AudioTrack((0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16_000)
    changed = [augmented(clean, rng) for _ in range(8)]
    for audio in changed:
        assert len(audio.samples) == len(clean.samples)
        assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() <= 1.0
    assert any(not np.allclose(a.samples, clean.samples, atol=1e-3) for a in changed)


@pytest.mark.parametrize("split", ["train", "eval"])
def test_espeak_speaks_every_voice_of_a_split(split: str) -> None:
    espeak = Espeak()
    for voice in voices(split):
        assert espeak.speak("Hi.", voice=voice).audio.duration_s > 0.1, voice
