"""Bench section ``load``: many partners at once against a real `talkgate serve` process.

Fifty clients, each with its own credentials and token, poll their generation's status and
now and then upload a released clip to the public verify route, for a minute, over loopback.
The gateway runs in its own process (SQLite, embedded worker off so the jobs stay queued and
every poll is the same read); the clients run here on asyncio. Every authenticated request
is also an audit-log append, so this measures the log's cost too. 429s are counted apart:
the public verify route is rate-limited per address and every client here shares one.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image

from gateway.bench.report import Metric, Row, Section, Table, measure
from gateway.client import GatewayClient
from gateway.clips import model_versions, release_clip
from gateway.db import Database
from gateway.demo import DEMO_PURPOSE, DEMO_SUBJECT, demo_portrait
from gateway.embedded import gateway_process
from gateway.models import open_landmarker
from gateway.partners import create_partner
from gateway.provenance import signing_credentials
from gateway.services import open_audit_log
from gateway.settings import Settings
from gateway.spoken_consent import record_spoken_consent
from gateway.tables import Role
from generator import write_wav
from generator.face_model import build_face_model
from generator.speech import Espeak
from generator.speech.targets import speech_targets
from watermark import load_or_create_key

CLIENTS = 50
SECONDS = 60.0
#: Each client calls verify on every n-th round and polls its job's status on the others.
VERIFY_EVERY = 5


@dataclass
class LoadResult:
    """Latencies (s) and status codes per kind of call."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def record(self, kind: str, started: float, status: int) -> None:
        self.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        self.statuses.setdefault(kind, Counter())[status] += 1

    @property
    def errors(self) -> int:
        """Calls that neither succeeded nor met an intended limit (429)."""
        unexpected = sum(
            count
            for counts in self.statuses.values()
            for status, count in counts.items()
            if status not in (200, 429)
        )
        return unexpected + sum(self.failures.values())


@dataclass(frozen=True)
class Caller:
    token: str
    job_id: str


async def run_load(
    url: str, callers: list[Caller], clip: bytes, seconds: float, verify_every: int = VERIFY_EVERY
) -> LoadResult:
    """Drive ``callers`` concurrently against ``url`` for ``seconds``."""
    result = LoadResult()
    limits = httpx.Limits(max_connections=len(callers) + 5)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        deadline = time.perf_counter() + seconds

        async def client(caller: Caller) -> None:
            headers = {"Authorization": f"Bearer {caller.token}"}
            round_ = 0
            while time.perf_counter() < deadline:
                round_ += 1
                started = time.perf_counter()
                try:
                    if round_ % verify_every == 0:
                        files = {"file": ("clip.mp4", clip, "video/mp4")}
                        response = await http.post("/v1/verify", files=files)
                        result.record("verify", started, response.status_code)
                    else:
                        response = await http.get(
                            f"/v1/generations/{caller.job_id}", headers=headers
                        )
                        result.record("status", started, response.status_code)
                except httpx.HTTPError as exc:
                    result.failures[type(exc).__name__] += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(caller) for caller in callers))
        result.seconds = time.perf_counter() - started
    return result


def bench_load(settings: Settings, docs_dir: Path) -> Section:
    """Fifty partners polling and verifying for a minute against `talkgate serve`."""
    with tempfile.TemporaryDirectory(prefix="talkgate-load-") as tmp:
        home = Path(tmp)
        (home / "assets").symlink_to(settings.assets_dir, target_is_directory=True)
        served = Settings(home=home)
        clip, portrait, speech = _inputs(served, home)
        credentials = _partners(served, CLIENTS)
        env = {"TALKGATE_EMBEDDED_WORKER": "false", "TALKGATE_MAX_UPLOAD_BYTES": str(10 << 20)}
        with gateway_process(served, env=env) as (url, _process):
            callers = [
                Caller(_token(url, *credential), _submit(url, *credential, portrait, speech))
                for credential in credentials
            ]
            alone = _alone(url, callers[0], clip)
            result = asyncio.run(run_load(url, callers, clip, SECONDS))
    return _section(result, alone)


def _alone(url: str, caller: Caller, clip: bytes) -> list[Row]:
    """Each call made by one client with the gateway otherwise idle: the floor the loaded
    latencies compare with."""
    headers = {"Authorization": f"Bearer {caller.token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        status = measure(lambda: http.get(f"/v1/generations/{caller.job_id}"), runs=50)
        files = {"file": ("clip.mp4", clip, "video/mp4")}
        verify = measure(lambda: http.post("/v1/verify", files=files), runs=10)
    return [
        Row.timed("status poll, one client alone", status),
        Row.timed("verify the clip, one client alone", verify),
    ]


def _inputs(settings: Settings, home: Path) -> tuple[bytes, Path, Path]:
    """A short released clip to verify, and a portrait and speech to submit."""
    portrait = demo_portrait()
    said = Espeak().speak("Hello, this is a load test.", voice="en-us", rate=170)
    with open_landmarker(settings) as landmarker:
        model = build_face_model(portrait, landmarker, size=256)
    released = release_clip(
        model,
        speech_targets(said.phones, said.audio),
        home / "clip.mp4",
        load_or_create_key(settings.watermark_key_path),
        signing_credentials(settings),
        audio=said.audio,
        models=model_versions("bench"),
    )
    Image.fromarray(portrait).save(home / "portrait.png")
    wav = write_wav(home / "speech.wav", said.audio)
    return released.info.path.read_bytes(), home / "portrait.png", wav


def _partners(settings: Settings, count: int) -> list[tuple[str, str]]:
    db = Database.open(settings)
    audit = open_audit_log(settings)
    made = []
    with db.session() as session:
        for number in range(count):
            partner, secret = create_partner(
                session, audit, f"load {number}", Role.PARTNER, "bench"
            )
            made.append((partner.client_id, secret))
    db.close()
    return made


def _token(url: str, client_id: str, secret: str) -> str:
    response = httpx.post(
        f"{url}/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    response.raise_for_status()
    return response.json()["access_token"]


def _submit(url: str, client_id: str, secret: str, portrait: Path, speech: Path) -> str:
    """A job for the partner to poll, under a consent it records first."""
    with GatewayClient(url, client_id, secret) as partner:
        consent = record_spoken_consent(partner, portrait, DEMO_SUBJECT, [DEMO_PURPOSE])
        job = partner.generate(
            portrait,
            speech,
            consent_id=consent["id"],
            purpose=DEMO_PURPOSE,
            voice="synthetic",
            size=256,
        )
    return job["id"]


def _section(result: LoadResult, alone: list[Row]) -> Section:
    table_rows = []
    for kind, samples in sorted(result.latencies.items()):
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses[kind].items()))
        table_rows.append(
            [
                kind,
                str(len(samples)),
                f"{len(samples) / result.seconds:.1f}",
                f"{statistics.median(samples) * 1e3:.0f} ms",
                f"{p95 * 1e3:.0f} ms",
                codes,
            ]
        )
    limited = sum(counts[429] for counts in result.statuses.values())
    total = sum(len(samples) for samples in result.latencies.values())
    return Section(
        name="load",
        title=f"Load: {CLIENTS} partners polling and verifying for {SECONDS:.0f} s",
        description=__doc__.split("\n\n", 1)[1].replace("\n", " ").strip(),
        rows=alone,
        metrics=[
            Metric.at_most("errors other than intended 429s", result.errors, "", 0),
            Metric.measured("requests answered", total, ""),
            Metric.measured("of them 429 (rate limit, with Retry-After)", limited, ""),
        ],
        tables=[
            Table(
                "Latency by call (loopback, server and clients sharing the 2 cores)",
                ["call", "requests", "per s", "p50", "p95", "status codes"],
                table_rows,
            )
        ],
        notes=[
            "One `talkgate serve` process (uvicorn, one worker) on SQLite in WAL mode; the "
            "clients are one asyncio process. Each authenticated call also appends to the "
            "audit log and signs a new tree head.",
            "Verifying decodes the clip and searches every frame for the watermark: CPU work "
            "that, with fifty clients, keeps both cores busy, so polls wait behind it; the "
            "rows above show each call's cost on an idle gateway.",
            f"Measured over {result.seconds:.0f} s.",
        ],
    )
