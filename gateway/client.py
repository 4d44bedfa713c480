"""A client of the gateway's API, as partners and third parties use it (`talkgate generate`,
`talkgate verify --server`, the demo).

    api = GatewayClient("https://gateway.example", client_id, client_secret)
    consent = api.open_consent("Alex Morgan", ["product demos"])  # the subject records it
    job = api.generate(
        Path("portrait.png"), Path("speech.wav"), consent_id=consent["id"], purpose="product demos"
    )
    job = api.wait(job["id"], on_progress=print)
    api.download(job["clip_id"], Path("clip.mp4"))
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from cryptography.exceptions import InvalidSignature

from gateway.audit.checkpoint import load_public_key
from gateway.audit.merkle import ProofError, hash_leaf, verify_inclusion
from gateway.errors import GatewayError
from generator.controls import Controls

_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class ApiError(GatewayError):
    """The gateway answered with an error (its problem+json detail is the message)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"the gateway answered {status}: {detail}")
        self.status = status


class GatewayClient:
    """Calls one gateway; with credentials, as that client (tokens fetched as needed)."""

    def __init__(
        self, url: str, client_id: str | None = None, client_secret: str | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self._credentials = (client_id, client_secret) if client_id and client_secret else None
        self._http = httpx.Client(base_url=self.url, timeout=_TIMEOUT)
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _auth(self) -> dict[str, str]:
        if self._credentials is None:
            raise GatewayError(
                "this needs client credentials: set TALKGATE_CLIENT_ID and "
                "TALKGATE_CLIENT_SECRET (an admin makes them with `talkgate admin partner create`)"
            )
        if self._token is None:
            response = self._http.post(
                "/oauth/token", data={"grant_type": "client_credentials"}, auth=self._credentials
            )
            if response.status_code != 200:
                body = response.json() if response.content else {}
                raise ApiError(response.status_code, body.get("error_description", response.text))
            self._token = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def _call(
        self, method: str, path: str, *, authed: bool = True, retry: bool = True, **kwargs: Any
    ) -> httpx.Response:
        headers = {**kwargs.pop("headers", {}), **(self._auth() if authed else {})}
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise GatewayError(f"cannot reach the gateway at {self.url}: {exc}") from exc
        if response.status_code == 401 and authed and retry:
            self._token = None  # expired: one fresh token, one retry
            return self._call(method, path, retry=False, headers=headers, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except json.JSONDecodeError:
                detail = response.text
            raise ApiError(response.status_code, detail)
        return response

    def open_consent(self, subject_name: str, purposes: list[str], **terms: Any) -> dict[str, Any]:
        """Open a consent request (``terms``: ``valid_days``, ``clip_limit``,
        ``photo_audio_allowed``); returns it with the statement and the capture link."""
        body = {"subject_name": subject_name, "purposes": purposes, **terms}
        return self._call("POST", "/v1/consents", json=body).json()

    def list_consents(self) -> list[dict[str, Any]]:
        """The partner's consents, newest first (every page)."""
        consents: list[dict[str, Any]] = []
        while True:
            page = self._call(
                "GET", "/v1/consents", params={"limit": 100, "offset": len(consents)}
            ).json()
            consents += page["data"]
            if not page["data"] or len(consents) >= page["count"]:
                return consents

    def revoke_consent(self, consent_id: str) -> dict[str, Any]:
        """Revoke a consent of this partner's at once; returns it, revoked."""
        return self._call("POST", f"/v1/consents/{consent_id}/revoke").json()

    def capture_consent(
        self,
        capture_url: str,
        *,
        recording: Path | None = None,
        photo: Path | None = None,
        audio: Path | None = None,
    ) -> dict[str, Any]:
        """Send the subject's recording (a video with sound, or a photo plus audio) to their
        capture link, as the subject does (no credentials); returns the accepted capture."""
        named = {"recording": recording, "photo": photo, "audio": audio}
        with ExitStack() as stack:
            files = {
                field: (path.name, stack.enter_context(path.open("rb")))
                for field, path in named.items()
                if path is not None
            }
            link = urlsplit(capture_url).path  # on this gateway, whatever host the link names
            return self._call("POST", link, authed=False, files=files).json()

    def generate(
        self,
        portrait: Path,
        audio: Path,
        *,
        consent_id: str,
        purpose: str,
        voice: Literal["consented", "synthetic"] = "consented",
        seed: int = 0,
        size: int = 512,
        controls: Controls | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Submit a generation under ``consent_id`` for ``purpose``; returns the job.

        ``voice``: "consented" when ``audio`` is the subject's own voice (it is matched
        against the consent), "synthetic" when it is a synthetic voice.
        """
        form = {"consent_id": consent_id, "purpose": purpose, "voice": voice}
        form |= {"seed": str(seed), "size": str(size)}
        if controls is not None:
            form |= {
                "gaze_yaw": str(controls.gaze[0]),
                "gaze_pitch": str(controls.gaze[1]),
                "distance": str(controls.distance),
                "emotion": controls.emotion,
                "emotion_intensity": str(controls.intensity),
            }
        with portrait.open("rb") as face, audio.open("rb") as speech:
            response = self._call(
                "POST",
                "/v1/generations",
                files={"portrait": (portrait.name, face), "audio": (audio.name, speech)},
                data=form,
                headers={"Idempotency-Key": idempotency_key} if idempotency_key else {},
            )
        return response.json()

    def wait(
        self, job_id: str, on_progress: Callable[[dict[str, Any]], object] = lambda job: None
    ) -> dict[str, Any]:
        """Follow the job's server-sent events until it finishes; returns its last state."""
        job: dict[str, Any] = {}
        with self._http.stream(
            "GET", f"/v1/generations/{job_id}/events", headers=self._auth(), timeout=None
        ) as events:
            if events.status_code >= 400:
                events.read()
                raise ApiError(events.status_code, events.json().get("detail", ""))
            for line in events.iter_lines():
                if line.startswith("data: "):
                    job = json.loads(line[len("data: ") :])
                    on_progress(job)
        return job

    def download(self, clip_id: str, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self._call("GET", f"/v1/clips/{clip_id}/video").content)
        return target

    def verify(self, path: Path) -> dict[str, Any]:
        """The public verification of a file (no credentials needed)."""
        with path.open("rb") as handle:
            files = {"file": (path.name, handle)}
            return self._call("POST", "/v1/verify", authed=False, files=files).json()

    def check_inclusion(self, leaf_value: str, leaf_index: int) -> dict[str, Any]:
        """Check, from public data alone, that ``leaf_value`` is entry ``leaf_index`` of the
        audit log whose current tree head the gateway signed; returns that tree head.

        Raises:
            GatewayError: the head's signature or the inclusion proof does not verify.
        """
        head = self._call("GET", "/v1/audit/tree-head", authed=False).json()
        try:
            load_public_key(head["public_key"]).verify(
                base64.b64decode(head["signature"]), head["checkpoint"].encode()
            )
        except InvalidSignature as exc:
            raise GatewayError("the audit tree head's signature does not verify") from exc
        # Size and root come from the signed text itself, not the fields beside it.
        _origin, size, root = head["checkpoint"].splitlines()[:3]
        proof = self._call(
            "GET",
            "/v1/audit/proofs/inclusion",
            authed=False,
            params={"leaf_index": leaf_index, "tree_size": int(size)},
        ).json()
        try:
            verify_inclusion(
                hash_leaf(leaf_value.encode()),
                leaf_index,
                int(size),
                [bytes.fromhex(node) for node in proof["audit_path"]],
                base64.b64decode(root),
            )
        except ProofError as exc:
            raise GatewayError(f"audit entry {leaf_index} is not in the signed log: {exc}") from exc
        return head
