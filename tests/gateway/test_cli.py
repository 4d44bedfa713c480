"""The talkgate command as users run it: real console script, real exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from gateway.settings import Settings
from generator import probe
from tests.utils.cli import run_talkgate as talkgate


def test_demo_makes_a_clip_through_the_gateway_and_verifies_it_as_a_third_party(
    settings: Settings,
) -> None:
    done = talkgate("demo", home=settings.home, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "478 landmarks" in done.stdout
    overlay = settings.outputs_dir / "demo" / "astronaut_landmarks.png"
    assert f"landmark overlay: {overlay}" in done.stdout
    assert Image.open(overlay).size == (512, 512)
    clip = settings.outputs_dir / "demo" / "astronaut_sweep.mp4"
    assert f"animated sweep: {clip} (288 frames, 512x512" in done.stdout
    assert probe(clip).frames == 288
    talking = probe(settings.outputs_dir / "demo" / "astronaut_talking.mp4")
    assert talking.audio_duration_s is not None and talking.audio_duration_s > 4
    assert abs(talking.audio_duration_s - talking.video_duration_s) <= 1 / 25
    assert "verified: TRUSTED." in done.stdout
    assert "the demo partner got a token and opened consent cns_" in done.stdout
    assert "which the subject recorded" in done.stdout
    assert "generation job_" in done.stdout and "was allowed" in done.stdout
    assert "proven in the signed log of" in done.stdout
    assert "entries, intact" in done.stdout
    assert (settings.home / "talkgate.db").exists()
    assert talkgate("audit", "verify", home=settings.home).returncode == 0
    for released in ("astronaut_sweep.mp4", "astronaut_talking.mp4"):
        again = talkgate("verify", str(settings.outputs_dir / "demo" / released), "--json",
                         home=settings.home)  # fmt: skip
        assert again.returncode == 0, again.stdout
        assert len(json.loads(again.stdout)["manifest"]["inputs"]) == (
            2 if "talking" in released else 1
        )


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


def test_animate_writes_a_clip_from_a_motion_file(
    settings: Settings, tmp_path: Path, astronaut: np.ndarray
) -> None:
    from generator.motion import MotionSequence

    portrait = tmp_path / "portrait.png"
    Image.fromarray(astronaut).save(portrait)
    motion = MotionSequence.neutral(12)
    motion.values[:, motion.index("jaw_open")] = np.linspace(0, 1, 12)
    motion.save(tmp_path / "motion.npz")
    out = tmp_path / "out" / "clip.mp4"
    done = talkgate(
        "animate", str(portrait), "--motion", str(tmp_path / "motion.npz"),
        "--size", "256", "-o", str(out), home=settings.home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}: 12 frames, 256x256" in done.stdout
    assert probe(out).frames == 12
    checked = json.loads(talkgate("verify", str(out), "--json", home=settings.home).stdout)
    assert checked["manifest"]["state"] == "Trusted"
    assert checked["manifest"]["models"]["motion"] == "motion file"
    assert checked["manifest"]["inputs"][0]["title"] == "portrait.png"


def test_animate_refuses_bad_input_with_a_message(
    settings: Settings, tmp_path: Path, astronaut: np.ndarray
) -> None:
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("hello")
    done = talkgate("animate", str(not_an_image), "--sweep", "-o", "x.mp4", home=settings.home)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "PNG or JPEG" in done.stderr  # the hint says what would work
    neither = talkgate("animate", str(not_an_image), "-o", "x.mp4", home=settings.home)
    assert neither.returncode == 2 and "--motion FILE, --sweep or --audio" in neither.stderr
    portrait = tmp_path / "portrait.png"
    Image.fromarray(astronaut).save(portrait)
    bad_motion = tmp_path / "m.npz"
    bad_motion.write_bytes(b"\x00" * 10)
    done = talkgate(
        "animate", str(portrait), "--motion", str(bad_motion), "-o", "x.mp4",
        home=settings.home,
    )  # fmt: skip
    assert done.returncode == 1 and "not a talkgate motion file" in done.stderr


def test_animate_lip_syncs_a_recording(
    settings: Settings, tmp_path: Path, astronaut: np.ndarray
) -> None:
    import wave

    from generator.speech import Espeak

    said = Espeak().speak("Please leave a message after the tone.", rate=150)
    speech = tmp_path / "speech.wav"
    with wave.open(str(speech), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(said.audio.sample_rate)
        out.writeframes((said.audio.samples * 32767).astype(np.int16).tobytes())
    portrait = tmp_path / "portrait.png"
    Image.fromarray(astronaut).save(portrait)
    clip = tmp_path / "talking.mp4"
    done = talkgate(
        "animate", str(portrait), "--audio", str(speech), "--size", "256", "-o", str(clip),
        home=settings.home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    info = probe(clip)
    assert info.frames == int(np.ceil(said.audio.duration_s * 25))
    assert info.audio_duration_s is not None
    assert abs(info.audio_duration_s - info.video_duration_s) <= 1 / 25
    steered = talkgate(
        "animate", str(portrait), "--audio", str(speech), "--size", "256", "--seed", "3",
        "--gaze", "12,-4", "--distance", "1.1", "--emotion", "happy", "-o", str(clip),
        home=settings.home,
    )  # fmt: skip
    assert steered.returncode == 0, steered.stderr
    bad_gaze = talkgate(
        "animate", str(portrait), "--audio", str(speech), "--gaze", "ahead", "-o", str(clip),
        home=settings.home,
    )  # fmt: skip
    assert bad_gaze.returncode == 2 and "YAW,PITCH" in bad_gaze.stderr
    wrong = talkgate(
        "animate", str(portrait), "--audio", str(speech), "--driver", "rules",
        "--text", "qqqzzz xyzzy", "-o", str(clip), home=settings.home,
    )  # fmt: skip
    assert wrong.returncode == 1 and "not in the pronunciation dictionary" in wrong.stderr
    no_text_for_the_model = talkgate(
        "animate", str(portrait), "--audio", str(speech), "--text", "please", "-o", str(clip),
        home=settings.home,
    )  # fmt: skip
    assert no_text_for_the_model.returncode == 2
