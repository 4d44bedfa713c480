"""Bench section ``provenance``: what signing and verifying cost on a 10-s 512×512 clip.

The clip is generated: the demo portrait says a sentence about ten seconds long (espeak-ng
speech, mouth from its phoneme times), marked in every frame. Signing is quoted against
encoding the same clip (what every clip pays anyway), verifying against decoding it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from gateway.bench.report import Metric, Row, Section, measure
from gateway.demo import demo_portrait
from gateway.models import open_landmarker
from gateway.provenance import sign_file, verify_file
from gateway.settings import Settings
from generator import AudioTrack, ClipWriter, read_frames
from generator.face_model import build_face_model
from generator.render.renderer import Renderer
from generator.runtime import keep_freed_memory
from generator.speech import Espeak
from generator.speech.targets import speech_targets
from watermark import (
    Marker,
    Payload,
    ProvenanceClaim,
    Verdict,
    WatermarkKey,
    load_or_create_development_credentials,
    read_manifest,
)
from watermark.credentials import CA_FILE

FPS = 25
SECONDS = 10
SENTENCE = (
    "This clip was made by talkgate. It carries a watermark in every frame, and a signed "
    "manifest that says who made it, from what, and under which consent."
)


def _ten_second_clip(settings: Settings) -> tuple[list[np.ndarray], AudioTrack]:
    """Ten seconds of the demo portrait speaking, rendered at 512×512, with its speech."""
    portrait = demo_portrait()
    with open_landmarker(settings) as landmarker:
        model = build_face_model(portrait, landmarker)
    said = Espeak().speak(SENTENCE, voice="en-us+f2", rate=150)
    motion = speech_targets(said.phones, said.audio)
    frames = list(Renderer(model, device="cpu").frames(motion))
    while len(frames) < SECONDS * FPS:
        frames += frames[::-1]
    samples = np.resize(said.audio.samples, SECONDS * said.audio.sample_rate)
    return frames[: SECONDS * FPS], AudioTrack(samples, said.audio.sample_rate)


def bench_provenance(settings: Settings, docs_dir: Path) -> Section:
    """Sign and verify a marked 10-s clip; signing against encoding, verifying against
    decoding, and the verdict it gets."""
    keep_freed_memory()
    started = time.perf_counter()
    frames, audio = _ten_second_clip(settings)
    key = WatermarkKey.generate()
    payload = Payload(0x5EED, key.key_id)
    marker = Marker(key, payload)
    marked = [marker.mark(frame) for frame in frames]
    claim = ProvenanceClaim(payload, "clip.mp4", consent_id="consent_bench")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        credentials = load_or_create_development_credentials(folder / "keys")
        anchors = (folder / "keys" / CA_FILE).read_text()
        unsigned, signed = folder / "unsigned.mp4", folder / "clip.mp4"

        def write() -> None:
            with ClipWriter(unsigned, fps=FPS, audio=audio) as writer:
                for frame in marked:
                    writer.write(frame)

        writing = measure(write, runs=3, warmup=1)
        signing = measure(lambda: sign_file(unsigned, signed, claim, credentials), runs=7)
        decoding = measure(lambda: sum(1 for _ in read_frames(signed)), runs=5, warmup=1)
        verifying = measure(lambda: verify_file(signed, anchors, [key]), runs=5, warmup=1)

        def read_only() -> None:
            with signed.open("rb") as handle:
                read_manifest(handle, "video/mp4", anchors)

        reading = measure(read_only, runs=7)
        verdict = verify_file(signed, anchors, [key]).verdict
        growth = signed.stat().st_size - unsigned.stat().st_size
    count = len(marked)
    rows = [
        Row.timed(f"encode the marked clip ({count} frames + AAC)", writing),
        Row.timed("sign it (C2PA, BMFF hash, ES256)", signing, ("encode", writing)),
        Row.timed("read and validate its manifest", reading),
        Row.timed("verify it (manifest + watermark)", verifying, ("decode only", decoding)),
    ]
    metrics = [
        Metric.at_most(
            "signing, share of encoding", 100 * signing.median_s / writing.median_s, "%", 5
        ),  # fmt: skip
        Metric.at_most("verify a 10-s clip", verifying.median_s, "s", 2.0),
        Metric.at_least("verdict trusted (1 = yes)", float(verdict is Verdict.TRUSTED), "", 1),
        Metric.measured("manifest size", growth / 1024, "KiB"),
    ]
    return Section(
        name="provenance",
        title="Provenance: signing and verifying a 10-s clip",
        description=(
            f"A {SECONDS}-s 512×512 clip at {FPS} fps made by the generator (the demo "
            "portrait speaking, espeak-ng speech as its AAC soundtrack), watermarked in "
            "every frame, then signed with the development ES256 signer and verified "
            "as `talkgate verify` does: the manifest under the deployment's trust anchor, "
            "the watermark under its key, and the two compared."
        ),
        rows=rows,
        metrics=metrics,
        notes=[f"Whole section: {time.perf_counter() - started:.0f} s."],
    )
