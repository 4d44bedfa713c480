"""Test helpers over a real embedded gateway: clients with credentials and tokens, and
generations submitted and waited for."""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

from gateway.client import GatewayClient
from gateway.embedded import embedded_gateway
from gateway.partners import create_partner
from gateway.services import Services
from gateway.settings import Settings
from gateway.spoken_consent import record_spoken_consent
from gateway.tables import Role


@dataclass
class Client:
    """A client's credentials, and an HTTP client that sends its token."""

    partner_id: str
    client_id: str
    secret: str
    http: httpx.Client

    def token(self, scope: str | None = None) -> str:
        data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        response = self.http.post("/oauth/token", data=data, auth=(self.client_id, self.secret))
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def gateway(self) -> GatewayClient:
        """The partner's own client library, with these credentials."""
        return GatewayClient(str(self.http.base_url), self.client_id, self.secret)

    def authed(self, scope: str | None = None) -> httpx.Client:
        """A client on the same server that sends a fresh token with every request."""
        return httpx.Client(
            base_url=str(self.http.base_url),
            headers={"Authorization": f"Bearer {self.token(scope)}"},
            timeout=60,
        )


@dataclass
class LiveGateway:
    url: str
    services: Services
    http: httpx.Client

    def new_client(self, name: str = "Acme", role: Role = Role.PARTNER) -> Client:
        with self.services.db.session() as session:
            partner, secret = create_partner(session, self.services.audit, name, role, "test")
        return Client(partner.id, partner.client_id, secret, self.http)


@contextmanager
def live_gateway(settings: Settings) -> Iterator[LiveGateway]:
    """Serve the gateway for ``settings`` on a free loopback port until the block ends."""
    with embedded_gateway(settings, any_port=True) as served:
        with httpx.Client(base_url=served.url, timeout=60) as http:
            yield LiveGateway(served.url, served.services, http)


#: How long a 256-pixel generation of a short sentence may take, with room to spare.
GENERATION_TIMEOUT_S = 120


def png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def files(portrait: bytes, audio: bytes) -> dict[str, tuple[str, bytes, str]]:
    return {
        "portrait": ("portrait.png", portrait, "image/png"),
        "audio": ("speech.wav", audio, "audio/wav"),
    }


#: The purpose test consents cover.
PURPOSE = "product demos"

#: A consent ID no gateway has: for requests that must fail before the policy is asked.
NO_CONSENT = "cns_none"


def spoken(text: str, rate: int = 150) -> bytes:
    """``text`` read by espeak-ng, as a WAV."""
    from generator import write_wav
    from generator.speech import Espeak

    said = Espeak().speak(text, voice="en-us", rate=rate)
    with tempfile.TemporaryDirectory() as work:
        return write_wav(Path(work) / "said.wav", said.audio).read_bytes()


def give_consent(client: Client, photo: bytes, **terms: object) -> dict[str, Any]:
    """Open a consent for ``client``'s partner and record it the real way: ``photo`` plus
    espeak-ng reading the statement, through the public capture link."""
    with tempfile.TemporaryDirectory() as work, client.gateway() as partner:
        photo_path = Path(work) / "photo.png"
        photo_path.write_bytes(photo)
        return record_spoken_consent(partner, photo_path, "Alex Morgan", [PURPOSE], **terms)


def generate(
    api: httpx.Client,
    portrait: bytes,
    audio: bytes,
    consent_id: str,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Submit a 256-pixel generation under ``consent_id``, its voice declared synthetic."""
    data = {"size": "256", "voice": "synthetic", "consent_id": consent_id, "purpose": PURPOSE}
    return api.post("/v1/generations", files=files(portrait, audio), data=data, headers=headers)


def wait_until_finished(api: httpx.Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + GENERATION_TIMEOUT_S
    while True:
        job = api.get(f"/v1/generations/{job_id}").json()
        if job["state"] in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"generation still {job['state']}: {job}"
        time.sleep(0.25)
