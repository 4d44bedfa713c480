"""Who is who in the offline data: face and voice samples for the policy bench, each with
what its data set records of the person, and the pairs whose relation that record settles.

Faces come from the named photos, the group photos and frames of the talking videos;
voices from the Asterisk prompts, festvox-ru, codec2's recording and espeak-ng voices
(``talkgate data list`` names every set). A pair is genuine (one person), impostor (surely
two people), or left out when the data cannot say.
"""

from __future__ import annotations

import re
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from gateway.analysis.voice import VoiceEmbedder
from gateway.datasets import Manifest, fetch_dataset, load_manifest
from gateway.errors import AnalysisError, DatasetError
from gateway.settings import Settings
from generator import load_portrait, probe, read_frames
from generator.identity import FaceEmbedder
from generator.io import SPEECH_SAMPLE_RATE, AudioTrack, read_audio
from generator.speech import Espeak

#: Faces smaller than this (shorter side of YuNet's box, px) are left out: SFace aligns to
#: 112 px, so below it sees mostly blur, and no consent portrait is that small.
MIN_FACE_PX = 40
#: Seconds between the frames taken from each talking video.
VIDEO_STEP_S = 10.0
#: Photos whose people repeat in ways the set does not record: dlib's collage shows a few
#: men many times each, so its faces are neither known genuine nor known impostor pairs.
_UNLABELLED_REPEATS = {"dlib-faces/bald_guys.jpg"}
#: Sets whose photos hold unnamed people: faces in one photo are different people; faces
#: in two photos of one set might be the same person, so those are not paired.
_GROUP_SETS = ("solvay", "face-api-samples", "dlib-faces")
#: Sets that name the person in each photo; a photo is used when it shows exactly one face.
_NAMED_SETS = ("mona-lisa", "xemacs-photos", "kphotoalbum")

#: Who speaks in each audio set. The catalogue (gateway.datasets) has Allison Smith read
#: both asterisk-en and -es, so they are one speaker here. It credits asterisk-ru to Maxim
#: Topal, yet that voice's directory is marked female (``ru_RU_f_IvrvoiceRU``), so it is
#: named by its directory; either way it is taken to be another person than festvox-ru's
#: msu_ru_nsh, as the sets name different people.
SPEAKERS = {
    "asterisk-en": "Allison Smith (asterisk en + es)",
    "asterisk-es": "Allison Smith (asterisk en + es)",
    "asterisk-fr": "June Wallack (asterisk fr)",
    "asterisk-it": "Carlo Flora (asterisk it)",
    "asterisk-ru": "ru_RU_f_IvrvoiceRU (asterisk ru)",
    "festvox-ru": "msu_ru_nsh (festvox-ru)",
}
#: Utterances taken from each audio set, evenly spread over its sorted file names.
UTTERANCES_PER_SET = 30
#: Utterance lengths used (s): shorter ones hold too little voice, longer ones only cost time.
UTTERANCE_S = (1.5, 10.0)
#: codec2's one 10.8-s recording, cut into this many chunks for its genuine pairs.
CODEC2_CHUNKS = 3
#: The collection of the synthetic speakers.
SYNTHETIC = "espeak-ng"
#: Synthetic speakers: espeak-ng voices and variants ("en" is British English), each reading
#: every sentence.
ESPEAK_VOICES = (
    "en-us",
    "en",
    "en+f3",
    "en-us+m7",
    "en-gb-scotland",
    "de",
    "fr",
    "es",
)
#: Harvard sentences (list 1), read by every espeak-ng voice.
SENTENCES = (
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
)


@dataclass(frozen=True)
class Sample:
    """One face or utterance, its unit embedding, and what is known of who it is."""

    person: str
    """Who it is: two samples of one person make a genuine pair."""
    collection: str
    """The data set it came from, or ``espeak-ng``."""
    source: str
    """The file it came from (relative to the data directory), or the synthetic voice."""
    part: str
    """Which face, frame or chunk of the file."""
    embedding: np.ndarray
    unnamed: bool = False
    """One of a group set's unnamed people (see ``_GROUP_SETS``)."""


@dataclass(frozen=True)
class Pair:
    """Two samples known to be one person (``same``) or two, and their cosine."""

    score: float
    same: bool
    a: Sample
    b: Sample


def known_pairs(samples: list[Sample]) -> list[Pair]:
    """Every pair whose relation the data records: same person, or surely two people.

    Unnamed faces in two different photos of one group set are left out: they may be one
    person (a set's photos can share a subject), and a wrong label would count as an error.
    """
    if not samples:
        return []
    embeddings = np.stack([s.embedding for s in samples])
    cosines = embeddings @ embeddings.T
    pairs = []
    for i, j in combinations(range(len(samples)), 2):
        a, b = samples[i], samples[j]
        if a.unnamed and b.unnamed and a.collection == b.collection and a.source != b.source:
            continue
        pairs.append(Pair(float(cosines[i, j]), a.person == b.person, a, b))
    return pairs


def split_scores(
    pairs: list[Pair], keep: Callable[[Pair], bool] = lambda pair: True
) -> tuple[np.ndarray, np.ndarray]:
    """The genuine and the impostor cosines of the pairs ``keep`` accepts."""
    kept = [pair for pair in pairs if keep(pair)]
    genuine = np.array([p.score for p in kept if p.same], dtype=np.float64)
    impostor = np.array([p.score for p in kept if not p.same], dtype=np.float64)
    return genuine, impostor


# --- faces ---------------------------------------------------------------------------------


def manifest_of(settings: Settings, name: str) -> Manifest:
    """A set's manifest, fetching the set first if it is not here yet."""
    try:
        return load_manifest(settings.data_dir, name)
    except DatasetError:
        return fetch_dataset(settings.data_dir, name)


def _album_angle(note: str | None) -> int:
    """The clockwise turn kphotoalbum says a photo needs (``album says rotate 90°``)."""
    found = re.search(r"rotate (\d+)°", note or "")
    return int(found.group(1)) if found else 0


def embed_every_face(embedder: FaceEmbedder, image: np.ndarray) -> list[np.ndarray]:
    """Unit embeddings of every face of at least ``MIN_FACE_PX``, largest first: a portrait
    has one face, but a group photo gives one sample per face.

    Args:
        image: ``(H, W, 3)`` uint8 RGB.
    """
    return [
        embedder.embed_face(image, face)
        for face in embedder.faces(image)
        if min(face[2], face[3]) >= MIN_FACE_PX
    ]


def face_samples(settings: Settings, embedder: FaceEmbedder) -> tuple[list[Sample], list[str]]:
    """Every usable face of the image and video sets, and why each unused file was left out."""
    samples: list[Sample] = []
    skipped: list[str] = []
    for name in _NAMED_SETS + _GROUP_SETS:
        for entry in manifest_of(settings, name).files:
            source = f"{name}/{entry.path}"
            if entry.kind != "image" or source in _UNLABELLED_REPEATS:
                continue
            turns = -(_album_angle(entry.note) // 90)  # rot90 turns counter-clockwise
            image = np.rot90(load_portrait(settings.data_dir / source), turns)
            faces = embed_every_face(embedder, np.ascontiguousarray(image))
            if name in _GROUP_SETS:
                samples += [
                    Sample(f"{source}#{i}", name, source, f"face {i}", face, unnamed=True)
                    for i, face in enumerate(faces)
                ]
            elif len(faces) != 1:
                skipped.append(f"{source} ({len(faces)} faces ≥ {MIN_FACE_PX} px)")
            elif name == "kphotoalbum" and ", " in (entry.identity or ""):
                skipped.append(f"{source} (one face, {entry.identity}: whose is unknown)")
            else:
                samples.append(Sample(str(entry.identity), name, source, "face 0", faces[0]))
    for entry in manifest_of(settings, "talking-video").files:
        source = f"talking-video/{entry.path}"
        step = round(float(probe(settings.data_dir / source).fps) * VIDEO_STEP_S)
        for index, frame in enumerate(read_frames(settings.data_dir / source)):
            faces = embed_every_face(embedder, frame) if index % step == 0 else []
            if faces:
                part = f"{index // step * VIDEO_STEP_S:.0f} s"
                samples.append(Sample(str(entry.identity), "talking-video", source, part, faces[0]))
    return samples, skipped


# --- voices --------------------------------------------------------------------------------


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def _utterances(settings: Settings, name: str) -> list[Path]:
    """``UTTERANCES_PER_SET`` recordings of 1.5–10 s, evenly spread over the sorted names."""
    paths = sorted(
        settings.data_dir / name / entry.path
        for entry in manifest_of(settings, name).files
        if entry.kind == "audio"
    )
    fitting = [p for p in paths if UTTERANCE_S[0] <= _wav_seconds(p) <= UTTERANCE_S[1]]
    picks = np.linspace(0, len(fitting) - 1, min(UTTERANCES_PER_SET, len(fitting)))
    return [fitting[int(round(i))] for i in picks]


def _speech(settings: Settings) -> Iterator[tuple[str, str, str, str, AudioTrack]]:
    """(person, collection, source, part, audio) of every utterance the section scores."""
    for name, person in SPEAKERS.items():
        for path in _utterances(settings, name):
            yield person, name, f"{name}/{path.name}", "whole", read_audio(path)
    codec2 = manifest_of(settings, "codec2").files[0]
    audio = read_audio(settings.data_dir / "codec2" / codec2.path)
    for k, chunk in enumerate(np.array_split(audio.samples, CODEC2_CHUNKS)):
        part = f"chunk {k + 1} of {CODEC2_CHUNKS}"
        yield (
            f"{codec2.identity} (codec2)",
            "codec2",
            f"codec2/{codec2.path}",
            part,
            AudioTrack(chunk, audio.sample_rate),
        )
    espeak = Espeak()
    for voice in ESPEAK_VOICES:
        for k, sentence in enumerate(SENTENCES):
            said = espeak.speak(sentence, voice=voice).audio
            samples = resample_poly(said.samples, SPEECH_SAMPLE_RATE, said.sample_rate)
            yield (
                f"espeak-ng {voice}",
                SYNTHETIC,
                f"espeak-ng {voice}",
                f"sentence {k + 1}",
                AudioTrack(samples.astype(np.float32), SPEECH_SAMPLE_RATE),
            )


def voice_samples(settings: Settings, embedder: VoiceEmbedder) -> tuple[list[Sample], list[str]]:
    """Every scored utterance's voice embedding, and those with too little speech to embed."""
    samples, skipped = [], []
    for person, collection, source, part, audio in _speech(settings):
        try:
            samples.append(Sample(person, collection, source, part, embedder.embed(audio)))
        except AnalysisError as exc:
            skipped.append(f"{source} {part}: {exc}")
    return samples, skipped
