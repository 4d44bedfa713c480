"""The talkgate command as users run it: real console script, real exit codes."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from gateway.settings import Settings
from tests.utils.cli import run_talkgate as talkgate


def test_demo_writes_the_landmark_overlay(settings: Settings) -> None:
    done = talkgate("demo", home=settings.home)
    assert done.returncode == 0, done.stderr
    assert "478 landmarks" in done.stdout
    overlay = settings.outputs_dir / "demo" / "astronaut_landmarks.png"
    assert f"landmark overlay: {overlay}" in done.stdout
    assert Image.open(overlay).size == (512, 512)


def test_demo_without_assets_says_how_to_fix_it(tmp_path: Path) -> None:
    done = talkgate("demo", home=tmp_path)
    assert done.returncode == 1
    assert "model asset 'face_landmarker' is missing" in done.stderr
    assert "talkgate assets" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_data_set_lists_the_known_ones(tmp_path: Path) -> None:
    done = talkgate("data", "fetch", "celebrities", home=tmp_path)
    assert done.returncode == 1
    assert "unknown data set 'celebrities'" in done.stderr
    assert "asterisk-en" in done.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert talkgate("no-such-command", home=tmp_path).returncode == 2
