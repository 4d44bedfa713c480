"""Benchmark: how well face and voice matching tell one person from another, on real data.

The consent policy compares a portrait's face with the consented face (SFace) and the
driving voice with the consented voice (Resemblyzer); a cosine band in the rules file turns
each score into match, review or no match. This section measures where those bands belong
instead of guessing: genuine pairs (one person, two pictures or two utterances) and impostor
pairs (two people) from the fetched data sets (``talkgate data list``), the equal error rate,
the false rejects at 1 % and 0.1 % false accepts, and the recommended thresholds: ``accept``
where at most 0.1 % of impostor pairs pass, ``review`` where at most 5 % do.
"""

from __future__ import annotations

import re
import tempfile
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.signal import resample_poly

from gateway.analysis.transcribe import Transcriber
from gateway.analysis.voice import VoiceEmbedder
from gateway.assets import asset_path
from gateway.bench.error_rates import (
    ACCEPT_FAR,
    SEPARATION_HEADER,
    Separation,
    false_accepts,
    false_rejects,
    percent,
)
from gateway.bench.report import Metric, Row, Section, Table, measure
from gateway.client import GatewayClient
from gateway.datasets import Manifest, fetch_dataset, load_manifest
from gateway.demo import DEMO_PURPOSE, DEMO_SUBJECT, demo_portrait
from gateway.embedded import embedded_gateway
from gateway.errors import AnalysisError, DatasetError
from gateway.models import open_embedder
from gateway.partners import create_partner
from gateway.settings import Settings
from gateway.spoken_consent import record_spoken_consent
from gateway.tables import Role
from generator import load_portrait, probe, read_frames, write_wav
from generator.identity import FaceEmbedder
from generator.io import SPEECH_SAMPLE_RATE, AudioTrack, read_audio
from generator.speech import Espeak
from policy.rules import Band, load_rules

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


def _manifest(settings: Settings, name: str) -> Manifest:
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
        for entry in _manifest(settings, name).files:
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
    for entry in _manifest(settings, "talking-video").files:
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
        for entry in _manifest(settings, name).files
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
    codec2 = _manifest(settings, "codec2").files[0]
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


# --- the section ---------------------------------------------------------------------------


def _genuine_by_person(title: str, pairs: list[Pair]) -> Table:
    """How close each person's own samples score: the spread behind the false rejects."""
    rows = []
    for person in sorted({p.a.person for p in pairs if p.same}):
        scores = np.array([p.score for p in pairs if p.same and p.a.person == person])
        rows.append([person, str(len(scores)), f"{scores.min():.3f}", f"{np.median(scores):.3f}"])
    return Table(title, ["person", "pairs", "lowest", "median"], rows)


def _closest_impostors(pairs: list[Pair], count: int = 3) -> str:
    """The impostor pairs that score highest: what a false accept looks like here."""
    worst = sorted((p for p in pairs if not p.same), key=lambda p: -p.score)[:count]
    described = "; ".join(
        f"{p.score:.3f} {p.a.source} ({p.a.part}) vs {p.b.source} ({p.b.part})" for p in worst
    )
    return f"closest impostor pairs: {described}"


def _at_rules(genuine: np.ndarray, impostor: np.ndarray, band: Band) -> str:
    """How the rules file's current band does on the same pairs."""
    far = false_accepts(impostor, [band.accept, band.review])
    frr = false_rejects(genuine, [band.accept, band.review])
    return (
        f"the rules' current band (accept {band.accept:g}, review {band.review:g}): "
        f"{percent(far[0])} of impostor pairs reach accept and {percent(far[1])} reach review; "
        f"{percent(frr[0])} of genuine pairs fall below accept and {percent(frr[1])} below review"
    )


def _plot(
    path: Path,
    title: str,
    scores: tuple[np.ndarray, np.ndarray],
    extra: tuple[str, np.ndarray],
    measured: Separation,
    band: Band,
) -> Path:
    """Genuine and impostor cosine histograms, one telling subset outlined, thresholds."""
    from matplotlib.figure import Figure  # matplotlib comes with mediapipe

    genuine, impostor = scores
    figure = Figure(figsize=(7.5, 3.6), dpi=110)
    axes = figure.subplots()
    bins = np.linspace(min(genuine.min(), impostor.min(), extra[1].min()), 1.0, 80)
    axes.hist(impostor, bins, density=True, alpha=0.6, label=f"impostor ({len(impostor)} pairs)")
    axes.hist(genuine, bins, density=True, alpha=0.6, label=f"genuine ({len(genuine)} pairs)")
    axes.hist(extra[1], bins, density=True, histtype="step", color="tab:red", label=extra[0])
    axes.axvline(measured.accept, color="black", label=f"accept {measured.accept:.3f} (FAR ≤ 0.1%)")
    axes.axvline(
        measured.review, color="black", ls="--", label=f"review {measured.review:.3f} (FAR ≤ 5%)"
    )
    for value in (band.accept, band.review):
        axes.axvline(value, color="grey", ls=":")
    axes.plot([], [], color="grey", ls=":", label=f"rules now: {band.review:g} / {band.accept:g}")
    axes.set(xlabel="cosine similarity", ylabel="density", title=title)
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return path


def _used(samples: list[Sample]) -> list[str]:
    """Which files and people each collection contributed, for the notes."""
    notes = []
    for collection in dict.fromkeys(s.collection for s in samples):
        mine = [s for s in samples if s.collection == collection]
        files = sorted({s.source.split("/", 1)[-1] for s in mine})
        people = len({s.person for s in mine})
        who = "1 person" if people == 1 else f"{people} people"
        listed = ", ".join(files) if len(files) <= 40 else f"{files[0]} … {files[-1]}"
        notes.append(
            f"{collection}: {len(mine)} samples, {who}, from {len(files)} file(s): {listed}"
        )
    return notes


def _costs(settings: Settings) -> list[Row]:
    """What each check costs, and a whole decision through a running gateway."""
    portrait = demo_portrait()
    faces = open_embedder(settings)
    codec2 = settings.data_dir / "codec2" / _manifest(settings, "codec2").files[0].path
    audio = read_audio(codec2)
    ten_s = AudioTrack(audio.samples[: 10 * audio.sample_rate], audio.sample_rate)
    voices = VoiceEmbedder()
    whisper = Transcriber(asset_path(settings.assets_dir, "whisper_tiny_en").parent)
    return [
        Row.timed(
            f"face embedding (YuNet + SFace), {portrait.shape[1]}×{portrait.shape[0]} portrait",
            measure(lambda: faces.embed(portrait), runs=20),
        ),
        Row.timed(
            "voice embedding (Resemblyzer), 10 s of speech",
            measure(lambda: voices.embed(ten_s), runs=10, warmup=1),
        ),
        Row.timed(
            "transcript (Whisper tiny.en, beam 5), 10 s of speech",
            measure(lambda: whisper.transcribe(ten_s), runs=5, warmup=1),
        ),
        _whole_decision(settings),
    ]


#: About ten seconds of speech for the whole-decision timing.
_TEN_SECONDS = (
    "Hello, and welcome to our product demonstration. Today I will show you how the new "
    "dashboard works, where to find your reports, and how to share them with your team."
)


def _whole_decision(settings: Settings) -> Row:
    """``POST /v1/generations`` with a portrait and ten seconds of the consented voice,
    answered by a gateway on SQLite with its worker off: upload checks, face, transcript,
    voice, the rules and the database, all of what a partner waits for."""
    with tempfile.TemporaryDirectory(prefix="talkgate-decision-") as tmp:
        home = Path(tmp)
        (home / "assets").symlink_to(settings.assets_dir, target_is_directory=True)
        served = Settings(home=home, embedded_worker=False, max_pending_jobs=100)
        portrait = home / "portrait.png"
        Image.fromarray(demo_portrait()).save(portrait)
        said = Espeak().speak(_TEN_SECONDS, voice="en-us", rate=150).audio
        speech = write_wav(home / "speech.wav", said)
        with embedded_gateway(served, any_port=True) as gateway:
            with gateway.services.db.session() as session:
                partner, secret = create_partner(
                    session, gateway.services.audit, "bench", Role.PARTNER, "bench"
                )
            with GatewayClient(gateway.url, partner.client_id, secret) as client:
                consent = record_spoken_consent(
                    client, portrait, DEMO_SUBJECT, [DEMO_PURPOSE], clip_limit=100
                )

                def decide() -> None:
                    job = client.generate(
                        portrait, speech, consent_id=consent["id"], purpose=DEMO_PURPOSE, size=256
                    )
                    assert job["state"] == "queued", job

                timing = measure(decide, runs=7, warmup=1)
    return Row.timed(
        f"whole decision: POST /v1/generations, {said.duration_s:.0f} s of the consented voice "
        "(upload, face, transcript, voice, rules, database)",
        timing,
    )


def _synthetic(sample: Sample) -> bool:
    return sample.collection == SYNTHETIC


def _cross_language(pair: Pair) -> bool:
    """Allison Smith in English and in Spanish: one voice, two languages."""
    return pair.same and pair.a.collection != pair.b.collection


def _real_voices(pair: Pair) -> bool:
    """Real speakers, genuine pairs within one language: what the voice band is set on."""
    return not (_cross_language(pair) or _synthetic(pair.a) or _synthetic(pair.b))


def _synthetic_only(pair: Pair) -> bool:
    return _synthetic(pair.a) and _synthetic(pair.b)


def _real_against_synthetic(pair: Pair) -> bool:
    return _synthetic(pair.a) != _synthetic(pair.b)


def _photos_only(pair: Pair) -> bool:
    """Pairs without video frames: the only genuine pairs across sessions."""
    return "talking-video" not in (pair.a.collection, pair.b.collection)


def bench_policy(settings: Settings, docs_dir: Path) -> Section:
    """Measure face and voice separation on real data; recommend the policy's bands."""
    rules = load_rules()
    faces, faces_skipped = face_samples(settings, open_embedder(settings))
    voices, voices_skipped = voice_samples(settings, VoiceEmbedder())
    face_pairs, voice_pairs = known_pairs(faces), known_pairs(voices)
    face, photos = split_scores(face_pairs), split_scores(face_pairs, _photos_only)
    voice, espeak = (
        split_scores(voice_pairs, _real_voices),
        split_scores(voice_pairs, _synthetic_only),
    )
    face_measured, voice_measured = Separation.measure(*face), Separation.measure(*voice)
    separation = Table(
        "Separation (a pair matches when its cosine ≥ the threshold)",
        SEPARATION_HEADER,
        [
            face_measured.cells("faces: all"),
            Separation.measure(*photos).cells("faces: photos only (no video frames)"),
            voice_measured.cells("voices: real speakers, genuine within one language"),
            Separation.measure(
                voice[0], split_scores(voice_pairs, _real_against_synthetic)[1]
            ).cells("voices: real genuine; impostors real vs espeak-ng"),
            Separation.measure(*espeak).cells("voices: espeak-ng voices among themselves"),
            Separation.measure(split_scores(voice_pairs, _cross_language)[0], voice[1]).cells(
                "voices: Allison Smith English vs Spanish as genuine; real impostors"
            ),
        ],
    )
    images = [
        _plot(
            docs_dir / "images" / "policy-face.png",
            "Faces: SFace cosine (all pairs)",
            face,
            (f"genuine photo pairs ({len(photos[0])})", photos[0]),
            face_measured,
            rules.face,
        ),
        _plot(
            docs_dir / "images" / "policy-voice.png",
            "Voices: Resemblyzer cosine (real speakers)",
            voice,
            (f"espeak-ng vs espeak-ng impostors ({len(espeak[1])})", espeak[1]),
            voice_measured,
            rules.voice,
        ),
    ]
    metrics = [
        metric
        for label, measured in (("face", face_measured), ("voice", voice_measured))
        for metric in (
            Metric.measured(f"{label}: recommended accept (FAR ≤ 0.1%)", measured.accept, "cosine"),
            Metric.measured(f"{label}: recommended review (FAR ≤ 5%)", measured.review, "cosine"),
            Metric.measured(f"{label}: equal error rate", 100 * measured.eer, "%"),
            Metric.measured(f"{label}: FRR at FAR 1%", 100 * measured.frr_at_far_1pct, "%"),
            Metric.measured(f"{label}: FRR at FAR 0.1%", 100 * measured.frr_at_accept, "%"),
        )
    ]
    return Section(
        name="policy",
        title="Consent policy: face and voice matching on real data",
        description=(
            f"Cosine similarity of every pair of samples whose relation the data records: "
            f"{len(faces)} faces (SFace on YuNet crops ≥ {MIN_FACE_PX} px: named photos, "
            f"group photos, a frame every {VIDEO_STEP_S:.0f} s of the talking videos) and "
            f"{len(voices)} utterances (Resemblyzer: {UTTERANCES_PER_SET} of "
            f"{UTTERANCE_S[0]:g}–{UTTERANCE_S[1]:g} s per real speaker, codec2's recording in "
            f"{CODEC2_CHUNKS} chunks, {len(ESPEAK_VOICES)} espeak-ng voices × "
            f"{len(SENTENCES)} sentences). Genuine: one person in two pictures, frames or "
            "utterances; impostor: two different people. `accept` is the lowest cosine at "
            "which at most 0.1% of impostor pairs pass, `review` the lowest at which at most "
            "5% do; between them a person decides. The recommended voice band is set on real "
            "speakers only: espeak-ng voices are one synthesiser, and easy synthetic "
            "impostors would only loosen a rate-based threshold."
        ),
        rows=_costs(settings),
        metrics=metrics,
        tables=[
            separation,
            _genuine_by_person("Faces: genuine pairs by person", face_pairs),
            _genuine_by_person(
                "Voices: genuine pairs by speaker, within one language",
                [p for p in voice_pairs if not _cross_language(p)],
            ),
        ],
        images=[str(image.relative_to(docs_dir)) for image in images],
        notes=[
            "faces: " + _at_rules(*face, rules.face),
            "voices: " + _at_rules(*voice, rules.voice),
            "faces: " + _closest_impostors(face_pairs),
            "voices: " + _closest_impostors([p for p in voice_pairs if _real_voices(p)]),
            "espeak-ng: " + _closest_impostors([p for p in voice_pairs if _synthetic_only(p)]),
            *_too_few(("faces", face_measured), ("voices", voice_measured)),
            "Genuine face pairs are mostly frames of one video (one session, one camera); "
            "only the photo pairs (Jesper across ~15 years, the two Mona Lisa scans) show "
            "how a face matches across sessions, and they are few.",
            "Unnamed faces (Solvay, face-api samples, dlib photos) are impostors of each "
            "other within one photo, and of every face of other sets; faces in two photos of "
            "one set are not paired. dlib's bald_guys.jpg collage repeats a few men and is "
            "left out.",
            "Allison Smith reads asterisk-en and -es: one speaker, whose cross-language "
            "pairs are kept out of the main voice figures and measured on their own row. "
            "festvox-ru's msu_ru_nsh is taken to be another person than asterisk-ru's "
            "voice, as the sets name different people.",
            *("used: " + note for note in _used(faces) + _used(voices)),
            *("not used: " + note for note in faces_skipped + voices_skipped),
        ],
    )


def _too_few(*measured: tuple[str, Separation]) -> list[str]:
    """A warning where too few impostor pairs were scored to resolve a FAR of 0.1%."""
    return [
        f"{label}: {separation.impostor} impostor pairs resolve a FAR of 0.1% only roughly "
        "(zero false accepts in n pairs bounds the rate at 3/n, 95% confidence)"
        for label, separation in measured
        if separation.impostor < 3 / ACCEPT_FAR
    ]
