"""espeak-ng through libespeak-ng: real synthesis, real phoneme events."""

from __future__ import annotations

import numpy as np
import pytest

from generator import GeneratorError
from generator.speech import Espeak


@pytest.fixture(scope="module")
def espeak() -> Espeak:
    return Espeak()


def test_speech_comes_with_contiguous_phone_times(espeak: Espeak) -> None:
    said = espeak.speak("Bob pays five dollars.", voice="en-us", rate=160)
    assert said.audio.sample_rate == espeak.sample_rate == 22050
    assert 0.8 < said.audio.duration_s < 3.0
    assert np.abs(said.audio.samples).max() > 0.05
    starts = [p.start_s for p in said.phones]
    assert starts == sorted(starts)
    for before, after in zip(said.phones, said.phones[1:], strict=False):
        assert before.end_s == pytest.approx(after.start_s)
    assert said.phones[-1].end_s == pytest.approx(said.audio.duration_s, abs=0.01)
    symbols = [p.symbol for p in said.phones]
    assert symbols.count("b") == 2 and "p" in symbols and "f" in symbols


def test_the_audio_is_loud_where_the_vowels_are(espeak: Espeak) -> None:
    said = espeak.speak("Ah. Ah.", rate=120)
    rate = said.audio.sample_rate
    vowels = [p for p in said.phones if p.symbol.startswith("A")]
    pauses = [p for p in said.phones if p.symbol.startswith("_") and p.end_s - p.start_s > 0.1]
    assert vowels and pauses

    def level(phone) -> float:
        part = said.audio.samples[int(phone.start_s * rate) : int(phone.end_s * rate)]
        return float(np.sqrt(np.mean(part**2)))

    assert min(level(v) for v in vowels) > 10 * max(level(p) for p in pauses)


def test_rate_voice_and_variant_change_the_speech(espeak: Espeak) -> None:
    slow = espeak.speak("Talking faces need consent.", rate=120)
    fast = espeak.speak("Talking faces need consent.", rate=300)
    assert fast.audio.duration_s < 0.6 * slow.audio.duration_s
    female = espeak.speak("Talking faces need consent.", voice="en-us+f3", rate=120)
    assert not np.array_equal(female.audio.samples[:5000], slow.audio.samples[:5000])


def test_voices_are_listed(espeak: Espeak) -> None:
    voices = espeak.voices()
    assert len(voices) > 100
    assert any("en-us" in v.languages for v in voices)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"voice": "no-such-voice"}, "no voice 'no-such-voice'"),
        ({"rate": 20}, "rate must be"),
        ({"pitch": 300}, "pitch 0–100"),
    ],
)
def test_bad_requests_are_refused(espeak: Espeak, kwargs: dict, message: str) -> None:
    with pytest.raises(GeneratorError, match=message):
        espeak.speak("hello", **kwargs)
