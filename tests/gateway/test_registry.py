"""What third parties get from the gateway: a stripped clip still leads to its signed
manifest, and partners read why a job failed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from generator import write_wav
from generator.speech import Espeak
from tests.utils.gateway import (
    PURPOSE,
    LiveGateway,
    files,
    generate,
    give_consent,
    png,
    wait_until_finished,
)
from tests.utils.media import remux


def test_a_stripped_clip_leads_to_the_manifest_signed_at_release(
    gateway: LiveGateway, portrait: bytes, tmp_path: Path
) -> None:
    # Three seconds at 512 px: enough frames for the watermark to name the clip reliably.
    said = Espeak().speak("A clip that loses its manifest keeps its mark.", voice="en-us")
    speech = write_wav(tmp_path / "speech.wav", said.audio).read_bytes()
    client = gateway.new_client()
    terms = {"consent_id": give_consent(client, portrait)["id"], "purpose": PURPOSE}
    with client.authed() as api:
        data = {"size": "512", "voice": "synthetic", **terms}
        submitted = api.post("/v1/generations", files=files(portrait, speech), data=data)
        job = wait_until_finished(api, submitted.json()["id"])
        assert job["state"] == "succeeded", job
        released = tmp_path / "released.mp4"
        released.write_bytes(api.get(job["links"]["video"]).content)
    remux(released, tmp_path / "stripped.mp4")

    answer = gateway.http.post(
        "/v1/verify", files={"file": ("stripped.mp4", (tmp_path / "stripped.mp4").read_bytes())}
    ).json()

    assert answer["verification"]["verdict"] == "identified"
    assert answer["verification"]["manifest"] is None
    assert answer["registry"]["clip_id"] == job["clip_id"]
    recovered = answer["recovered_manifest"]
    assert recovered["clip_id"] == job["clip_id"] and recovered["signer"]
    assert "stripped" in answer["note"]


def test_a_failed_generation_says_why_in_words_the_partner_can_act_on(
    gateway: LiveGateway, portrait: bytes, astronaut: np.ndarray, speech: bytes
) -> None:
    # The consented face, too small to animate: the policy allows it, the generator cannot.
    small = np.full((512, 512, 3), 200, np.uint8)
    small[:300, :300] = np.asarray(Image.fromarray(astronaut).resize((300, 300)))
    client = gateway.new_client()
    consent = give_consent(client, portrait)["id"]
    with client.authed() as api:
        submitted = generate(api, png(small), speech, consent)
        assert submitted.status_code == 202, submitted.text
        job = wait_until_finished(api, submitted.json()["id"])
    assert job["state"] == "failed"
    assert "face" in job["failure"].lower()
    assert "Traceback" not in job["failure"] and "/" not in job["failure"].split("\n")[0]
