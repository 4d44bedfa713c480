"""pocketsphinx forced alignment, checked against espeak-ng's own phoneme times."""

from __future__ import annotations

import numpy as np
import pytest

from generator import GeneratorError
from generator.io import AudioTrack
from generator.speech import Espeak
from generator.speech.align import Aligner
from generator.speech.visemes import mouth_motion, viseme_of


@pytest.fixture(scope="module")
def aligner() -> Aligner:
    return Aligner()


BILABIAL_TEXT = "Bob may buy maps for Pam and Ben"


def _bilabial_onsets(phones, alphabet: str) -> list[float]:
    return [p.start_s for p in phones if viseme_of(p.symbol, alphabet).name == "bilabial"]


def test_alignment_agrees_with_espeaks_own_times(aligner: Aligner) -> None:
    said = Espeak().speak(BILABIAL_TEXT, rate=150)
    aligned = aligner.align(said.audio, BILABIAL_TEXT)
    assert aligned[-1].end_s == pytest.approx(said.audio.duration_s, abs=0.05)
    spoken = _bilabial_onsets(said.phones, "espeak")
    found = _bilabial_onsets(aligned, "arpabet")
    assert len(spoken) == len(found) == 9  # b b m b m p p m b: the same closures, in order
    assert np.median(np.abs(np.subtract(spoken, found))) <= 0.03


def test_aligned_phones_drive_the_same_visemes(aligner: Aligner) -> None:
    said = Espeak().speak("Mama is home", rate=140)
    aligned = aligner.align(said.audio, "mama is home")
    mouth = mouth_motion(aligned, said.audio.duration_s, alphabet="arpabet")
    closed = [p for p in aligned if p.symbol == "M"]
    assert len(closed) == 3
    press = mouth[:, 3]  # lip_press
    for phone in closed:
        assert press[int(phone.start_s * 25) : int(np.ceil(phone.end_s * 25)) + 1].max() == 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no words"),
        ("bob zxqvwk", "not in the pronunciation dictionary: zxqvwk"),
    ],
)
def test_bad_transcripts_are_refused(aligner: Aligner, text: str, message: str) -> None:
    said = Espeak().speak("Bob pays", rate=150)
    with pytest.raises(GeneratorError, match=message):
        aligner.align(said.audio, text)


def test_audio_that_cannot_say_the_text_is_refused(aligner: Aligner) -> None:
    with pytest.raises(GeneratorError, match="too short"):
        aligner.align(AudioTrack(np.zeros(800, np.float32), 16000), "hello")
    with pytest.raises(GeneratorError, match="does not fit the text"):
        aligner.align(AudioTrack(np.zeros(16000, np.float32), 16000), "hello")


def test_recognition_without_text_finds_speech_and_silence(aligner: Aligner) -> None:
    said = Espeak().speak("Mama, my bobby pin.  Papa.", rate=140)
    phones = aligner.recognise(said.audio)
    assert phones[-1].end_s == pytest.approx(said.audio.duration_s, abs=0.05)
    bilabials = [p for p in phones if viseme_of(p.symbol, "arpabet").name == "bilabial"]
    assert len(bilabials) >= 3  # noisy (b and p can pass for a pause), the three m's are found


def test_rule_motion_opens_the_mouth_for_speech_only() -> None:
    from generator.speech.lipsync import rule_motion

    said = Espeak().speak("Open wide. Now say ah.", rate=140)
    silence = np.zeros(int(0.8 * said.audio.sample_rate), np.float32)
    padded = AudioTrack(np.concatenate([silence, said.audio.samples]), said.audio.sample_rate)
    motion = rule_motion(padded, "open wide now say ah")
    jaw = motion.values[:, 0]
    assert len(motion) == int(np.ceil(padded.duration_s * 25))
    assert jaw[:12].max() < 0.1  # the leading silence
    assert jaw[20:].max() > 0.5
