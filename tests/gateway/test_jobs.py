"""Generation jobs across a crash: a gateway killed mid-job and started again finishes the
job once, with one clip, one manifest and one "clip.signed" audit entry."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from sqlmodel import select

from gateway.audit.log import AuditLog, verify_log
from gateway.client import GatewayClient
from gateway.db import Database
from gateway.embedded import free_port, gateway_process
from gateway.partners import create_partner
from gateway.services import open_audit_log
from gateway.settings import Settings
from gateway.spoken_consent import record_spoken_consent
from gateway.tables import Clip, Job, JobState, Role
from generator import write_wav
from generator.speech import Espeak
from tests.utils.gateway import PURPOSE

pytestmark = pytest.mark.slow


def _token(url: str, client_id: str, secret: str) -> dict[str, str]:
    response = httpx.post(
        f"{url}/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_gateway_killed_mid_job_finishes_it_once_after_a_restart(
    gateway_settings: Settings, astronaut: np.ndarray, tmp_path: Path
) -> None:
    db = Database.open(gateway_settings)
    with db.session() as session:
        partner, secret = create_partner(
            session, open_audit_log(gateway_settings), "Acme", Role.PARTNER, "test"
        )
    speech = Espeak().speak("Testing restarts. " * 8, voice="en-us", rate=150).audio
    audio = write_wav(tmp_path / "speech.wav", speech)
    portrait = tmp_path / "portrait.png"
    Image.fromarray(astronaut).save(portrait)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    lease = {"TALKGATE_JOB_LEASE_S": "3"}

    with gateway_process(gateway_settings, port, lease) as (_, first):
        with GatewayClient(url, partner.client_id, secret) as api:
            consent = record_spoken_consent(api, portrait, "Alex Morgan", [PURPOSE])
            job_id = api.generate(
                portrait,
                audio,
                consent_id=consent["id"],
                purpose=PURPOSE,
                voice="synthetic",
                size=256,
            )["id"]
        deadline = time.monotonic() + 120
        while True:
            with db.session() as session:
                job = session.get(Job, job_id)
                assert job is not None
                if job.state is JobState.RUNNING and job.progress > 0:
                    break
            assert job.state is not JobState.SUCCEEDED, "the job finished before the kill"
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    with db.session() as session:
        killed = session.get(Job, job_id)
        assert killed is not None and killed.state is JobState.RUNNING
        assert session.exec(select(Clip).where(Clip.job_id == job_id)).all() == []

    with gateway_process(gateway_settings, port, lease):
        headers = _token(url, partner.client_id, secret)
        deadline = time.monotonic() + 180
        while (state := httpx.get(f"{url}/v1/generations/{job_id}", headers=headers).json())[
            "state"
        ] not in ("succeeded", "failed", "cancelled"):
            assert time.monotonic() < deadline, state
            time.sleep(0.5)
        assert state["state"] == "succeeded", state
        verified = httpx.post(
            f"{url}/v1/verify",
            files={
                "file": (
                    "clip.mp4",
                    httpx.get(f"{url}{state['links']['video']}", headers=headers).content,
                )
            },
            timeout=60,
        ).json()

    assert verified["verification"]["verdict"] == "trusted"
    assert verified["registry"]["clip_id"] == state["clip_id"]
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.attempts == 2
        assert len(session.exec(select(Clip).where(Clip.job_id == job_id)).all()) == 1
        events = [json.loads(entry.leaf_value) for entry in AuditLog.entries(session, 0, 10_000)]
        report = verify_log(
            session, open_audit_log(gateway_settings).signer, gateway_settings.audit_checkpoint_path
        )
    db.close()
    signed = [e for e in events if e["type"] == "clip.signed" and e["clip_id"] == job.clip_id]
    assert len(signed) == 1
    assert [e["attempt"] for e in events if e["type"] == "job.running"] == [1, 2]
    assert report.ok, report.problem
