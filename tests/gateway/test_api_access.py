"""The API's access rules and limits, against a real gateway on SQLite and on PostgreSQL:
partners see only their own objects, the registry is public and minimal, and uploads,
bursts and queues are held to the deployment's limits."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import numpy as np
import pytest

from gateway.settings import Settings
from tests.utils.gateway import (
    NO_CONSENT,
    PURPOSE,
    LiveGateway,
    files,
    generate,
    give_consent,
    live_gateway,
    png,
    wait_until_finished,
)

# --- inputs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_portrait() -> bytes:
    """A valid, very small PNG (no face: the policy would refuse it, after the upload checks)."""
    return png(np.full((16, 16, 3), 128, np.uint8))


@pytest.fixture(scope="module")
def other_speech(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from generator import write_wav
    from generator.speech import Espeak

    said = Espeak().speak("Goodbye now.", voice="en-us", rate=170)
    return write_wav(tmp_path_factory.mktemp("speech") / "bye.wav", said.audio).read_bytes()


# --- gateways with other settings ---------------------------------------------------------


@pytest.fixture
def gateway_with(gateway_settings: Settings) -> Iterator[Callable[..., LiveGateway]]:
    """Start a gateway on the test's database (SQLite or PostgreSQL) with some settings
    changed, e.g. ``gateway_with(max_upload_bytes=2048)``; it stops when the test ends."""
    with ExitStack() as stack:

        def start(**updates: Any) -> LiveGateway:
            return stack.enter_context(live_gateway(gateway_settings.model_copy(update=updates)))

        yield start


# --- checks ------------------------------------------------------------------------------


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == status
    return body


def same_404(theirs: httpx.Response, missing: httpx.Response, real: str, fake: str) -> None:
    """``theirs`` (another partner's object) is indistinguishable from ``missing``."""
    first = problem(theirs, 404, "not_found")
    second = problem(missing, 404, "not_found")
    assert first.keys() == second.keys()
    assert {k: v for k, v in first.items() if k != "detail"} == {
        k: v for k, v in second.items() if k != "detail"
    }
    assert first["detail"].replace(real, "ID") == second["detail"].replace(fake, "ID")
    assert theirs.headers["content-type"] == missing.headers["content-type"]


def events(api: httpx.Client, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Every server-sent event of a job's stream, read until the server ends it."""
    seen: list[tuple[str, dict[str, Any]]] = []
    with api.stream("GET", f"/v1/generations/{job_id}/events", timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        kind, data = None, []
        for line in response.iter_lines():
            if line.startswith("event:"):
                kind = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data.append(line.partition(":")[2].strip())
            elif not line and kind is not None:
                seen.append((kind, json.loads("\n".join(data))))
                kind, data = None, []
    return seen


# --- who sees what -----------------------------------------------------------------------


def test_partners_see_only_their_own_generations_and_the_registry_is_public(
    gateway: LiveGateway, portrait: bytes, speech: bytes
) -> None:
    alice, bob = gateway.new_client("Alice"), gateway.new_client("Bob")
    consent = give_consent(alice, portrait)
    with alice.authed() as a, bob.authed() as b:
        created = generate(a, portrait, speech, consent["id"])
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        assert created.headers["location"] == f"/v1/generations/{job_id}"
        job = wait_until_finished(a, job_id)
        assert job["state"] == "succeeded", job
        clip_id = job["clip_id"]

        # Bob gets exactly what he would get for objects that do not exist.
        fake_job, fake_clip = "job_" + "0" * 20, "0" * 16
        for method, path in [
            ("GET", "/v1/generations/{job}"),
            ("POST", "/v1/generations/{job}/cancel"),
            ("GET", "/v1/generations/{job}/events"),
            ("GET", "/v1/clips/{clip}"),
            ("GET", "/v1/clips/{clip}/video"),
            ("GET", "/v1/clips/{clip}/manifest"),
            ("GET", "/v1/clips/{clip}/manifest?raw=true"),
            ("GET", "/v1/clips/{clip}/still?at=0"),
        ]:
            theirs = b.request(method, path.format(job=job_id, clip=clip_id))
            missing = b.request(method, path.format(job=fake_job, clip=fake_clip))
            real, fake = (job_id, fake_job) if "{job}" in path else (clip_id, fake_clip)
            same_404(theirs, missing, real, fake)
        assert b.get("/v1/generations").json() == {"data": [], "count": 0}
        assert b.get("/v1/clips").json() == []
        # Bob's attempt to cancel did nothing.
        assert a.get(f"/v1/generations/{job_id}").json()["state"] == "succeeded"

        # Alice sees all of it.
        assert a.get(f"/v1/generations/{job_id}").status_code == 200
        listed = a.get("/v1/generations").json()
        assert listed["count"] == 1 and [j["id"] for j in listed["data"]] == [job_id]
        assert [c["id"] for c in a.get("/v1/clips").json()] == [clip_id]
        clip = a.get(f"/v1/clips/{clip_id}")
        assert clip.status_code == 200 and clip.json()["job_id"] == job_id
        video = a.get(f"/v1/clips/{clip_id}/video")
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        assert video.content[4:8] == b"ftyp" and len(video.content) == clip.json()["size_bytes"]
        manifest = a.get(f"/v1/clips/{clip_id}/manifest")
        assert manifest.status_code == 200 and manifest.json()["clip_id"] == clip_id
        still = a.get(f"/v1/clips/{clip_id}/still", params={"at": 0})
        assert still.status_code == 200 and still.content.startswith(b"\x89PNG")
        finished = problem(a.post(f"/v1/generations/{job_id}/cancel"), 409, "conflict")
        assert job_id in finished["detail"]
        stream = events(a, job_id)
        assert stream and stream[-1][0] == "state" and stream[-1][1]["state"] == "succeeded"
        assert stream[-1][1]["clip_id"] == clip_id

    # The registry answers anyone, with no token, and says little.
    entry = httpx.get(f"{gateway.url}/v1/registry/{clip_id}", timeout=30)
    assert entry.status_code == 200, entry.text
    public = entry.json()
    assert public["clip_id"] == clip_id
    assert public["video_sha256"] == clip.json()["video_sha256"]
    for private in ("partner_id", "job_id", "portrait_sha256", "audio_sha256", "inputs"):
        assert private not in public
    assert alice.partner_id not in public.values()
    assert httpx.get(f"{gateway.url}/v1/registry/{'f' * 16}", timeout=30).status_code == 404

    # Anyone may verify the downloaded clip: it is trusted and names its registry entry.
    verified = httpx.post(
        f"{gateway.url}/v1/verify",
        files={"file": ("clip.mp4", video.content, "video/mp4")},
        timeout=120,
    )
    assert verified.status_code == 200, verified.text
    result = verified.json()
    assert result["verification"]["verdict"] == "trusted", result["verification"]
    assert result["verification"]["manifest"]["clip_id"] == clip_id
    assert result["registry"] == public

    # "no partner" (RegistryEntry's own promise) holds for all of the public entry, the
    # audit leaf it quotes included: who made a clip is not the public's business.
    assert alice.partner_id not in entry.text, public["audit_leaf"]


# --- idempotency -------------------------------------------------------------------------


def test_an_idempotency_key_returns_the_first_job_or_conflicts(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes, other_speech: bytes
) -> None:
    gateway = gateway_with(embedded_worker=False)
    client = gateway.new_client()
    consent = give_consent(client, portrait)["id"]
    with client.authed() as api:
        key = {"Idempotency-Key": "order-1234"}
        first = generate(api, portrait, speech, consent, key)
        assert first.status_code == 202, first.text
        again = generate(api, portrait, speech, consent, key)
        assert again.status_code == 200, again.text
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["location"] == first.headers["location"]
        problem(generate(api, portrait, other_speech, consent, key), 409, "conflict")
        blank = png(np.full((64, 64, 3), 9, np.uint8))
        problem(generate(api, blank, speech, consent, key), 409, "conflict")
        # A new key is a new job; and keys are per partner.
        other = generate(api, portrait, speech, consent, {"Idempotency-Key": "order-1235"})
        assert other.status_code == 202 and other.json()["id"] != first.json()["id"]
        assert api.get("/v1/generations").json()["count"] == 2
    other_client = gateway.new_client("Other")
    theirs_consent = give_consent(other_client, portrait)["id"]
    with other_client.authed() as api:
        theirs = generate(api, portrait, speech, theirs_consent, key)
        assert theirs.status_code == 202 and theirs.json()["id"] != first.json()["id"]


def test_an_idempotency_key_reused_with_other_parameters_conflicts(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes
) -> None:
    """Same files, different seed, size or controls: a different clip, so not the same
    request."""
    gateway = gateway_with(embedded_worker=False)
    client = gateway.new_client()
    terms = {"consent_id": give_consent(client, portrait)["id"], "purpose": PURPOSE}
    with client.authed() as api:
        key = {"Idempotency-Key": "order-77"}
        first = api.post(
            "/v1/generations",
            files=files(portrait, speech),
            data={"size": "256", **terms},
            headers=key,
        )
        assert first.status_code == 202, first.text
        for changed in (
            {"size": "256", "seed": "7"},
            {"size": "512"},
            {"size": "256", "emotion": "happy", "emotion_intensity": "0.5"},
            {"size": "256", "gaze_yaw": "10"},
        ):
            response = api.post(
                "/v1/generations",
                files=files(portrait, speech),
                data={**changed, **terms},
                headers=key,
            )
            problem(response, 409, "conflict")


def concurrently(
    gateway: LiveGateway, token: str, count: int, request: Callable[[httpx.Client], Any]
) -> list[httpx.Response]:
    """``count`` copies of ``request`` sent at the same instant, each on its own connection."""
    barrier = threading.Barrier(count)

    def send() -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=gateway.url, headers=headers, timeout=60) as api:
            barrier.wait()
            return request(api)

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(send) for _ in range(count)]
        return [future.result() for future in futures]


def test_concurrent_retries_with_one_idempotency_key_all_get_the_one_job(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes
) -> None:
    """A client retrying on a timeout may well send the same request twice at once."""
    gateway = gateway_with(embedded_worker=False, max_pending_jobs=50)
    client = gateway.new_client()
    consent = give_consent(client, portrait)["id"]
    key = {"Idempotency-Key": "retry-me"}
    answers = concurrently(
        gateway, client.token(), 8, lambda api: generate(api, portrait, speech, consent, key)
    )
    statuses = sorted(r.status_code for r in answers)
    errors = [r.text for r in answers if r.status_code >= 300]
    assert statuses == [200] * 7 + [202], f"{statuses}; first error: {errors[:1]}"
    assert len({r.json()["id"] for r in answers}) == 1
    with client.authed() as api:
        assert api.get("/v1/generations").json()["count"] == 1


# --- upload limits -----------------------------------------------------------------------


def test_an_upload_over_max_upload_bytes_is_413(
    gateway_with: Callable[..., LiveGateway],
    portrait: bytes,
    tiny_portrait: bytes,
    speech: bytes,
) -> None:
    gateway = gateway_with(max_upload_bytes=2048, embedded_worker=False)
    assert len(portrait) > 2048 and len(speech) > 2048 and len(tiny_portrait) < 2048
    with gateway.new_client().authed() as api:
        problem(generate(api, portrait, speech, NO_CONSENT), 413, "too_large")  # the portrait
        problem(generate(api, tiny_portrait, speech, NO_CONSENT), 413, "too_large")  # the audio
        assert api.get("/v1/generations").json()["count"] == 0
    verify = httpx.post(
        f"{gateway.url}/v1/verify", files={"file": ("big.png", portrait, "image/png")}
    )
    problem(verify, 413, "too_large")


@pytest.mark.parametrize(
    "not_an_image",
    [
        pytest.param(b"this is not an image\n" * 20, id="text"),
        pytest.param(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(64), id="wav-header"),
        pytest.param(b"", id="empty"),
        pytest.param("truncated", id="truncated-png"),
    ],
)
def test_a_portrait_that_is_not_an_image_is_422(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes, not_an_image: Any
) -> None:
    if not_an_image == "truncated":
        not_an_image = portrait[: len(portrait) // 2]
    gateway = gateway_with(embedded_worker=False)
    with gateway.new_client().authed() as api:
        response = generate(api, not_an_image, speech, NO_CONSENT)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] in ("invalid_request", "unusable_input")
        assert api.get("/v1/generations").json()["count"] == 0


@pytest.mark.parametrize(
    "control",
    [{"gaze_yaw": "25"}, {"distance": "1.25"}, {"emotion": "smug"}, {"emotion_intensity": "1.5"}],
)
def test_controls_out_of_range_are_422(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes, control: dict
) -> None:
    gateway = gateway_with(embedded_worker=False)
    with gateway.new_client().authed() as api:
        data = {"consent_id": NO_CONSENT, "purpose": PURPOSE, **control}
        response = api.post("/v1/generations", files=files(portrait, speech), data=data)
        assert response.status_code == 422, response.text
        assert next(iter(control)) in response.text


def test_audio_that_is_not_audio_is_422(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes
) -> None:
    gateway = gateway_with(embedded_worker=False)
    rng = np.random.default_rng(0)
    with gateway.new_client().authed() as api:
        for audio in (
            b"this is not audio\n" * 100,
            rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
            portrait,  # an image: no audio stream
            speech[: len(speech) // 20],  # cut short: under half a second
        ):
            response = generate(api, portrait, audio, NO_CONSENT)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "invalid_request"
        assert api.get("/v1/generations").json()["count"] == 0


def test_audio_longer_than_max_audio_s_is_413(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes
) -> None:
    gateway = gateway_with(max_audio_s=0.6, embedded_worker=False)
    with gateway.new_client().authed() as api:
        body = problem(generate(api, portrait, speech, NO_CONSENT), 413, "too_large")
        assert "0.6" in body["detail"]
        assert api.get("/v1/generations").json()["count"] == 0


# --- rate limits and the queue cap -------------------------------------------------------


def test_a_burst_past_rate_burst_is_answered_429_with_retry_after(
    gateway_with: Callable[..., LiveGateway],
) -> None:
    gateway = gateway_with(rate_per_minute=60, rate_burst=5)
    client = gateway.new_client()
    with client.authed() as api:
        answers = [api.get("/v1/generations") for _ in range(20)]
    assert [r.status_code for r in answers[:5]] == [200] * 5
    limited = [r for r in answers[5:] if r.status_code == 429]
    assert limited, [r.status_code for r in answers]
    assert all(r.status_code in (200, 429) for r in answers)
    for response in limited:
        problem(response, 429, "rate_limited")
        retry_after = response.headers["retry-after"]
        assert retry_after.isdigit() and int(retry_after) >= 1
    # Another client has its own bucket.
    with gateway.new_client("Other").authed() as api:
        assert api.get("/v1/generations").status_code == 200


def test_a_generation_past_max_pending_jobs_is_429_with_retry_after(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes
) -> None:
    gateway = gateway_with(max_pending_jobs=1, embedded_worker=False)
    client, other = gateway.new_client(), gateway.new_client("Other")
    consent, others = give_consent(client, portrait)["id"], give_consent(other, portrait)["id"]
    with client.authed() as api:
        first = generate(api, portrait, speech, consent)
        assert first.status_code == 202 and first.json()["state"] == "queued", first.text
        second = generate(api, portrait, speech, consent)
        problem(second, 429, "rate_limited")
        retry_after = second.headers["retry-after"]
        assert retry_after.isdigit() and int(retry_after) >= 1
        # A cancelled job no longer counts.
        assert api.post(f"/v1/generations/{first.json()['id']}/cancel").status_code == 200
        assert generate(api, portrait, speech, consent).status_code == 202
    # The cap is per partner.
    with other.authed() as api:
        assert generate(api, portrait, speech, others).status_code == 202


def test_concurrent_generations_cannot_overrun_max_pending_jobs(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes
) -> None:
    gateway = gateway_with(max_pending_jobs=2, embedded_worker=False)
    client = gateway.new_client()
    consent = give_consent(client, portrait)["id"]
    answers = concurrently(
        gateway, client.token(), 12, lambda api: generate(api, portrait, speech, consent)
    )
    assert all(r.status_code in (202, 429) for r in answers), [r.text for r in answers]
    assert sum(r.status_code == 202 for r in answers) == 2
    with client.authed() as api:
        assert api.get("/v1/generations").json()["count"] == 2


# --- cancelling and events ---------------------------------------------------------------


def test_a_queued_generation_can_be_cancelled_once(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes
) -> None:
    gateway = gateway_with(embedded_worker=False)
    client = gateway.new_client()
    consent = give_consent(client, portrait)["id"]
    with client.authed() as api:
        job = generate(api, portrait, speech, consent).json()
        assert job["state"] == "queued"
        cancelled = api.post(f"/v1/generations/{job['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["state"] == "cancelled" and cancelled.json()["failure"]
        assert api.get(f"/v1/generations/{job['id']}").json()["state"] == "cancelled"
        problem(api.post(f"/v1/generations/{job['id']}/cancel"), 409, "conflict")


def test_the_event_stream_of_a_finished_generation_gives_its_final_state_and_ends(
    gateway_with: Callable[..., LiveGateway], portrait: bytes, speech: bytes
) -> None:
    gateway = gateway_with(embedded_worker=False)
    client = gateway.new_client()
    consent = give_consent(client, portrait)["id"]
    with client.authed() as api:
        job = generate(api, portrait, speech, consent).json()
        assert api.post(f"/v1/generations/{job['id']}/cancel").status_code == 200
        started = time.monotonic()
        stream = events(api, job["id"])
        assert time.monotonic() - started < 10
    assert stream, "no events"
    assert all(kind == "state" for kind, _ in stream)
    final = stream[-1][1]
    assert final["id"] == job["id"] and final["state"] == "cancelled"
