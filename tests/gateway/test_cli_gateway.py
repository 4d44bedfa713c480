"""`talkgate serve`, `admin`, `generate`, `verify --server` and `audit verify` as operators,
partners and third parties run them: the real console script against a real gateway."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from gateway.embedded import gateway_process
from gateway.settings import Settings
from tests.utils.cli import run_talkgate as talkgate
from tests.utils.gateway import PURPOSE, spoken


def test_an_operator_creates_lists_and_suspends_clients(settings: Settings) -> None:
    made = talkgate("admin", "partner", "create", "Acme Studio", "--json", home=settings.home)
    assert made.returncode == 0, made.stderr
    record = json.loads(made.stdout)
    assert record["client_secret"] and record["client_id"].startswith("tg_")

    listed = talkgate("admin", "partner", "list", home=settings.home, env={"COLUMNS": "200"})
    assert "Acme Studio" in listed.stdout and "active" in listed.stdout
    assert record["client_secret"] not in listed.stdout

    suspended = talkgate("admin", "partner", "suspend", record["partner_id"], home=settings.home)
    assert suspended.returncode == 0, suspended.stderr
    listed = talkgate("admin", "partner", "list", home=settings.home, env={"COLUMNS": "200"})
    assert "suspended" in listed.stdout

    unknown = talkgate("admin", "partner", "suspend", "ptn_nobody", home=settings.home)
    assert unknown.returncode == 1 and "no partner ptn_nobody" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_audit_verify_passes_an_intact_log_and_names_the_first_edited_entry(
    settings: Settings,
) -> None:
    for name in ("one", "two", "three"):
        assert talkgate("admin", "partner", "create", name, home=settings.home).returncode == 0
    intact = talkgate("audit", "verify", home=settings.home)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "OK  3 entries verified; matches the checkpoint at 3" in intact.stdout

    with sqlite3.connect(settings.home / "talkgate.db") as db:
        db.execute(
            "UPDATE auditentry SET leaf_value = "
            'replace(leaf_value, \'"role":"partner"\', \'"role":"admin"\') '
            "WHERE leaf_index = 1"
        )
    tampered = talkgate("audit", "verify", "--json", home=settings.home)
    assert tampered.returncode == 9
    report = json.loads(tampered.stdout)
    assert report["ok"] is False and report["first_bad_index"] == 1


@pytest.mark.slow
def test_a_partner_generates_through_a_server_and_a_third_party_verifies_there(
    settings: Settings, portrait: bytes, speech: bytes, tmp_path: Path
) -> None:
    (tmp_path / "portrait.png").write_bytes(portrait)
    (tmp_path / "speech.wav").write_bytes(speech)
    made = talkgate("admin", "partner", "create", "Acme", "--json", home=settings.home)
    record = json.loads(made.stdout)
    with gateway_process(settings) as (url, _process):
        partner = {
            "TALKGATE_SERVER": url,
            "TALKGATE_CLIENT_ID": record["client_id"],
            "TALKGATE_CLIENT_SECRET": record["client_secret"],
        }
        opened = talkgate(
            "consent", "open", "--subject", "Alex Morgan", "--purpose", PURPOSE,
            "--photo-audio", "--json", home=tmp_path / "partner-home", env=partner,
        )  # fmt: skip
        assert opened.returncode == 0, opened.stderr
        consent = json.loads(opened.stdout)
        # The subject: no credentials, only the link; refused, they read it again, slower.
        for rate in (150, 130, 110):
            (tmp_path / "statement.wav").write_bytes(spoken(consent["statement"], rate))
            recorded = talkgate(
                "consent", "record", consent["capture_url"], "--photo",
                str(tmp_path / "portrait.png"), "--audio", str(tmp_path / "statement.wav"),
                home=tmp_path / "subject-home", env={"TALKGATE_SERVER": url},
            )  # fmt: skip
            if recorded.returncode == 0:
                break
            assert "not accepted" in recorded.stderr and "Traceback" not in recorded.stderr
        assert recorded.returncode == 0, recorded.stderr
        assert "revoke it any time" in recorded.stdout

        clip = tmp_path / "clip.mp4"
        generation = (
            "generate", str(tmp_path / "portrait.png"), "--audio", str(tmp_path / "speech.wav"),
            "--consent", consent["id"], "--purpose", PURPOSE, "--synthetic-voice",
            "--size", "256",
        )  # fmt: skip
        done = talkgate(*generation, "-o", str(clip), home=tmp_path / "partner-home", env=partner)
        assert done.returncode == 0, done.stderr
        assert clip.stat().st_size > 0 and "written to" in done.stdout

        # A third party: no credentials, no keys of its own, only the gateway's address.
        checked = talkgate("verify", str(clip), "--server", url, home=tmp_path / "third-party-home")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith("TRUSTED")
        assert "proven in the signed log" in checked.stdout
        assert "Consent           active" in checked.stdout

        wrong = talkgate(
            *generation, "-o", str(tmp_path / "x.mp4"), home=tmp_path / "partner-home",
            env={**partner, "TALKGATE_CLIENT_SECRET": "wrong"},
        )  # fmt: skip
        assert wrong.returncode == 1 and "401" in wrong.stderr and "Traceback" not in wrong.stderr

        listed = talkgate("consent", "list", home=tmp_path / "partner-home", env=partner)
        assert consent["id"] in listed.stdout and "active" in listed.stdout
        revoked = talkgate(
            "consent", "revoke", consent["id"], home=tmp_path / "partner-home", env=partner
        )
        assert revoked.returncode == 0 and "revoked" in revoked.stdout, revoked.stderr
        refused = talkgate(
            *generation, "-o", str(tmp_path / "y.mp4"), home=tmp_path / "partner-home", env=partner
        )
        assert refused.returncode == 1 and "403" in refused.stderr and "revoked" in refused.stderr
        # The clip made before the revocation now verifies as made under a revoked consent.
        again = talkgate("verify", str(clip), "--server", url, home=tmp_path / "third-party-home")
        assert "Consent           revoked" in again.stdout
