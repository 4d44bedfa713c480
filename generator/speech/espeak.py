"""espeak-ng through libespeak-ng (ctypes): text → speech plus every phoneme's exact time.

The espeak-ng command prints no timings; the library reports a phoneme event with the sample
it starts at, which is what training targets need (a mouth shape per phoneme, in time)::

    with Espeak() as espeak:
        said = espeak.speak("Bob pays five dollars.", voice="en-us+f3", rate=160)
        said.audio          # AudioTrack at 22050 Hz
        said.phones[0]      # Phone(symbol='b', start_s=0.0.., end_s=0.0..)

libespeak-ng keeps global state, so one instance serves a process and calls are serialised.
Its pitch flutter runs on from one utterance to the next, so the same call can come out a few
milliseconds different later in a process; only a fresh process repeats a sequence of calls.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from dataclasses import dataclass

import numpy as np

from generator.errors import GeneratorError
from generator.io import AudioTrack

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_EVENT_LIST_TERMINATED = 0
_EVENT_PHONEME = 7
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3
_OK = 0
_LOCK = threading.Lock()


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class Voice:
    """An installed espeak-ng voice."""

    name: str
    identifier: str  # e.g. "gmw/en-US"
    languages: tuple[str, ...]  # e.g. ("en-us", "en")


@dataclass(frozen=True)
class Phone:
    """One phoneme (espeak's mnemonic; ``_`` and ``_:`` are pauses) and when it sounds."""

    symbol: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Utterance:
    """Speech made from text, with its phonemes' times."""

    text: str
    voice: str
    rate_wpm: int
    pitch: int
    audio: AudioTrack
    phones: tuple[Phone, ...]


class Espeak:
    """libespeak-ng, loaded and initialised once per process."""

    def __init__(self, library: str | None = None) -> None:
        """Load libespeak-ng (``library`` is a path or soname; found on the system if None).

        Raises:
            GeneratorError: the library is not installed or will not initialise.
        """
        name = library or ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self._lib = ctypes.CDLL(name)
        except OSError as exc:
            raise GeneratorError(
                "espeak-ng is not installed (libespeak-ng); `make test` installs it "
                "(Debian package espeak-ng)"
            ) from exc
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        with _LOCK:
            rate = self._lib.espeak_Initialize(
                _AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_PHONEME_EVENTS
            )
        if rate <= 0:
            raise GeneratorError("espeak-ng would not initialise (is espeak-ng-data installed?)")
        self.sample_rate = int(rate)
        self._samples: list[np.ndarray] = []
        self._events: list[tuple[int, str]] = []
        self._callback = _Callback(self._collect)  # kept alive as long as the instance
        self._lib.espeak_SetSynthCallback(self._callback)

    def voices(self) -> list[Voice]:
        """Every installed voice (131 languages and accents with espeak-ng 1.51)."""
        with _LOCK:
            listed = self._lib.espeak_ListVoices(None)
        voices, index = [], 0
        while listed[index]:
            voice = listed[index].contents
            voices.append(
                Voice(
                    name=voice.name.decode(),
                    identifier=voice.identifier.decode(),
                    languages=_languages(voice.languages),
                )
            )
            index += 1
        return voices

    @functools.cached_property
    def _voice_names(self) -> frozenset[str]:
        """Every name a voice answers to: its name, languages and identifier."""
        names: set[str] = set()
        for voice in self.voices():
            names |= {voice.name.lower(), voice.identifier.lower(), *voice.languages}
            names.add(voice.identifier.rsplit("/", 1)[-1].lower())
        return frozenset(names)

    def speak(
        self, text: str, *, voice: str = "en-us", rate: int = 175, pitch: int = 50
    ) -> Utterance:
        """Synthesise ``text``.

        Args:
            text: what to say (UTF-8).
            voice: a voice name, optionally with a variant (``"en-us+f3"``, ``"en-gb+m4"``).
            rate: words per minute (80–450).
            pitch: base pitch, 0–100.

        Raises:
            GeneratorError: the voice is unknown, a parameter is out of range, or nothing
                was said.
        """
        if not 80 <= rate <= 450 or not 0 <= pitch <= 100:
            raise GeneratorError(f"rate must be 80–450 wpm and pitch 0–100 (got {rate}, {pitch})")
        data = text.encode("utf-8")
        # espeak-ng falls back to a default for names it half-matches; refuse those here.
        if voice.split("+")[0].lower() not in self._voice_names:
            raise GeneratorError(f"espeak-ng has no voice {voice!r}; see Espeak.voices()")
        with _LOCK:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != _OK:
                raise GeneratorError(f"espeak-ng has no voice {voice!r}; see Espeak.voices()")
            self._lib.espeak_SetParameter(_PARAM_RATE, rate, 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
            self._samples, self._events = [], []
            status = self._lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            samples, events = self._samples, self._events
        if status != _OK or not samples:
            raise GeneratorError(f"espeak-ng said nothing for {text!r}")
        audio = np.concatenate(samples).astype(np.float32) / 32768.0
        return Utterance(
            text=text,
            voice=voice,
            rate_wpm=rate,
            pitch=pitch,
            audio=AudioTrack(audio, self.sample_rate),
            phones=_phones(events, len(audio), self.sample_rate),
        )

    def _collect(self, wav: ctypes.Array, count: int, events: ctypes.Array) -> int:
        """libespeak-ng's callback: keep the audio chunk and the phoneme events."""
        if count > 0:
            self._samples.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_PHONEME:
                self._events.append((event.sample, event.id.string.decode("ascii", "replace")))
            index += 1
        return 0

    def __enter__(self) -> Espeak:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Nothing to release: libespeak-ng stays loaded for the process."""


def _languages(raw: bytes) -> tuple[str, ...]:
    """espeak's language list: (priority byte, name, NUL) repeated, ended by a NUL."""
    names, position = [], 0
    while position < len(raw) and raw[position] != 0:
        end = raw.index(b"\0", position + 1) if b"\0" in raw[position + 1 :] else len(raw)
        names.append(raw[position + 1 : end].decode())
        position = end + 1
    return tuple(names)


def _phones(events: list[tuple[int, str]], total: int, rate: int) -> tuple[Phone, ...]:
    """Phoneme events (start sample, symbol) → phones that end where the next begins."""
    starts = [min(sample, total) for sample, _ in events] + [total]
    return tuple(
        Phone(symbol, starts[i] / rate, starts[i + 1] / rate)
        for i, (_, symbol) in enumerate(events)
        if starts[i + 1] > starts[i]
    )
