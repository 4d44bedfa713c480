"""Benchmark: how well face and voice matching tell one person from another, on real data.

The consent policy compares a portrait's face with the consented face (SFace) and the
driving voice with the consented voice (Resemblyzer); a cosine band in the rules file turns
each score into match, review or no match. This section measures where those bands belong
instead of guessing: genuine pairs (one person, two pictures or two utterances) and impostor
pairs (two people) from the fetched data sets (``talkgate data list``), the equal error rate,
the false rejects at 1 % and 0.1 % false accepts, and the recommended thresholds: ``accept``
where at most 0.1 % of impostor pairs pass, ``review`` where at most 5 % do. It also times
each check, and a whole decision through a running gateway. The samples and their pairs
come from ``identity_samples``, the rates from ``error_rates``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

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
from gateway.bench.identity_samples import (
    CODEC2_CHUNKS,
    ESPEAK_VOICES,
    MIN_FACE_PX,
    SENTENCES,
    SYNTHETIC,
    UTTERANCE_S,
    UTTERANCES_PER_SET,
    VIDEO_STEP_S,
    Pair,
    Sample,
    face_samples,
    known_pairs,
    manifest_of,
    split_scores,
    voice_samples,
)
from gateway.bench.report import Metric, Row, Section, Table, measure
from gateway.client import GatewayClient
from gateway.demo import DEMO_PURPOSE, DEMO_SUBJECT, demo_portrait
from gateway.embedded import embedded_gateway
from gateway.models import open_embedder
from gateway.partners import create_partner
from gateway.settings import Settings
from gateway.spoken_consent import record_spoken_consent
from gateway.tables import Role
from generator import write_wav
from generator.io import AudioTrack, read_audio
from generator.speech import Espeak
from policy.rules import Band, load_rules


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
    from matplotlib.figure import Figure

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
    codec2 = settings.data_dir / "codec2" / manifest_of(settings, "codec2").files[0].path
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
