"""`talkgate verify` and `talkgate still` on real files: every verdict, its exit code, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gateway.provenance import sign_file, signing_credentials
from gateway.settings import Settings
from generator import AudioTrack, ClipWriter, read_frames
from tests.utils.cli import run_talkgate as talkgate
from tests.utils.media import remux
from watermark import (
    CredentialError,
    InputDigest,
    Marker,
    Payload,
    ProvenanceClaim,
    ProvenanceError,
    WatermarkKey,
    load_or_create_development_credentials,
    save_key,
)

KEY = WatermarkKey(11, bytes(range(32)))
PAYLOAD = Payload(0xFEEDFACE12345678, KEY.key_id)


def _write_clip(path: Path, marker: Marker | None) -> Path:
    """Two seconds of a slowly panning portrait with a tone, marked if ``marker`` is given."""
    from skimage import data

    portrait = np.ascontiguousarray(data.astronaut())
    tone = np.sin(np.arange(2 * 16000) * 2 * np.pi * 220 / 16000).astype(np.float32) * 0.3
    with ClipWriter(path, fps=25, audio=AudioTrack(tone, 16000)) as writer:
        for shift in range(50):
            frame = np.roll(portrait, shift // 5, axis=1)
            writer.write(frame if marker is None else marker.mark(frame))
    return path


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data directory with a fixed watermark key, and a clip released from it."""
    home = tmp_path_factory.mktemp("home")
    save_key(KEY, home / "keys" / "watermark.json")
    unsigned = _write_clip(home / "unsigned.mp4", Marker(KEY, PAYLOAD))
    claim = ProvenanceClaim(
        PAYLOAD,
        "clip.mp4",
        inputs=(InputDigest("portrait.png", "image/png", "cd" * 32),),
        consent_id="consent_1",
        decision_id="decision_1",
    )
    sign_file(unsigned, home / "clip.mp4", claim, signing_credentials(Settings(home=home)))
    return home, home / "clip.mp4"


def _verify(path: Path, home: Path, *extra: str):
    done = talkgate("verify", str(path), "--json", *extra, home=home)
    return done, (json.loads(done.stdout) if done.stdout.strip() else None)


def test_a_released_clip_verifies_as_trusted(deployment) -> None:
    home, clip = deployment
    done, report = _verify(clip, home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["verdict"] == "trusted"
    assert report["manifest"]["state"] == "Trusted"
    assert report["manifest"]["clip_id"] == report["watermark"]["clip_id"] == PAYLOAD.clip_hex
    assert report["manifest"]["consent_id"] == "consent_1"
    assert report["manifest"]["inputs"][0]["sha256"] == "cd" * 32
    human = talkgate("verify", str(clip), home=home)
    assert human.returncode == 0 and "TRUSTED" in human.stdout and "not allowed" in human.stdout


def test_one_flipped_byte_in_a_frame_reads_as_altered(deployment, tmp_path: Path) -> None:
    home, clip = deployment
    data = bytearray(clip.read_bytes())
    data[data.index(b"mdat") + 5000] ^= 0x01
    (tmp_path / "flipped.mp4").write_bytes(data)
    done, report = _verify(tmp_path / "flipped.mp4", home)
    assert done.returncode == 7 and report["verdict"] == "altered"
    assert "the video or sound was changed after it was signed" in report["summary"]


def test_a_clip_signed_under_another_ca_is_not_trusted(deployment, tmp_path: Path) -> None:
    home, clip = deployment
    stranger = load_or_create_development_credentials(tmp_path / "stranger")
    claim = ProvenanceClaim(PAYLOAD, "clip.mp4")
    sign_file(home / "unsigned.mp4", tmp_path / "theirs.mp4", claim, stranger)
    done, report = _verify(tmp_path / "theirs.mp4", home)
    assert done.returncode == 6 and report["verdict"] == "untrusted"
    assert "does not chain to an authority this verifier trusts" in report["summary"]
    trusting = _verify(tmp_path / "theirs.mp4", home, "--trust-anchors",
                       str(tmp_path / "stranger" / "c2pa-ca.pem"))  # fmt: skip
    assert trusting[0].returncode == 0


def test_a_stripped_manifest_still_names_the_clip_through_its_watermark(
    deployment, tmp_path: Path
) -> None:
    home, clip = deployment
    remux(clip, tmp_path / "remuxed.mp4")
    with ClipWriter(tmp_path / "reencoded.mp4", fps=25, crf=23) as writer:
        for frame in read_frames(clip):
            writer.write(frame)
    for copy in ("remuxed.mp4", "reencoded.mp4"):
        done, report = _verify(tmp_path / copy, home)
        assert done.returncode == 5, (copy, done.stdout, done.stderr)
        assert report["verdict"] == "identified" and report["manifest"] is None
        assert report["watermark"]["clip_id"] == PAYLOAD.clip_hex
        assert "No C2PA manifest" in report["summary"]


def test_a_manifest_on_another_clip_is_a_mismatch(deployment, tmp_path: Path) -> None:
    home, _ = deployment
    other = _write_clip(tmp_path / "other.mp4", Marker(KEY, Payload(7, KEY.key_id)))
    claim = ProvenanceClaim(PAYLOAD, "clip.mp4")
    sign_file(other, tmp_path / "lifted.mp4", claim, signing_credentials(Settings(home=home)))
    done, report = _verify(tmp_path / "lifted.mp4", home)
    assert done.returncode == 8 and report["verdict"] == "mismatch"


def test_a_clip_without_any_trace_is_unknown_and_says_so_carefully(deployment, tmp_path) -> None:
    home, _ = deployment
    done, report = _verify(_write_clip(tmp_path / "plain.mp4", None), home)
    assert done.returncode == 3 and report["verdict"] == "unknown"
    assert "does not show the file is authentic" in report["summary"]


def test_without_a_watermark_key_the_manifest_still_verifies(deployment, tmp_path) -> None:
    home, clip = deployment
    keyless = tmp_path / "keyless"
    (keyless / "keys").mkdir(parents=True)
    shutil.copy(home / "keys" / "c2pa-ca.pem", keyless / "keys" / "c2pa-ca.pem")
    done, report = _verify(clip, keyless)
    assert done.returncode == 0 and report["watermark"]["checked"] is False
    assert "no watermark key" in report["watermark"]["note"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"plain text, not a picture or a clip", "is not a PNG, JPEG or MP4"),
        (None, "is truncated"),
    ],
)
def test_files_that_are_not_whole_media_are_refused_plainly(
    deployment, tmp_path: Path, content: bytes | None, message: str
) -> None:
    home, clip = deployment
    data = clip.read_bytes()[: clip.stat().st_size // 2] if content is None else content
    (tmp_path / "bad.mp4").write_bytes(data)
    done = talkgate("verify", str(tmp_path / "bad.mp4"), home=home)
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_still_cut_short_is_refused_plainly(deployment, tmp_path: Path) -> None:
    home, clip = deployment
    assert talkgate("still", str(clip), "--at", "0.5", "-o", str(tmp_path / "f.png"),
                    home=home).returncode == 0  # fmt: skip
    whole = (tmp_path / "f.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(whole[: len(whole) // 2])
    done = talkgate("verify", str(tmp_path / "cut.png"), home=home)
    assert done.returncode == 1 and "is truncated or corrupt" in done.stderr, done.stderr


def test_a_still_exported_from_a_clip_is_signed_and_marked(deployment, tmp_path: Path) -> None:
    home, clip = deployment
    for name in ("frame.png", "frame.jpg"):
        done = talkgate("still", str(clip), "--at", "1.0", "-o", str(tmp_path / name), home=home)
        assert done.returncode == 0, done.stderr
        checked, report = _verify(tmp_path / name, home)
        assert checked.returncode == 0, checked.stdout
        assert report["watermark"]["clip_id"] == report["manifest"]["clip_id"] == PAYLOAD.clip_hex
        assert report["manifest"]["consent_id"] == "consent_1"
    late = talkgate("still", str(clip), "--at", "9", "-o", str(tmp_path / "x.png"), home=home)
    assert late.returncode == 1 and "no frame at 9 s" in late.stderr


def test_signing_settings_must_be_complete(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="set both"):
        signing_credentials(Settings(home=tmp_path, c2pa_chain=tmp_path / "chain.pem"))
    chain = load_or_create_development_credentials(tmp_path / "keys").chain_pem
    (tmp_path / "chain.pem").write_text(chain)
    with pytest.raises(CredentialError, match="names no importable function"):
        signing_credentials(
            Settings(home=tmp_path, c2pa_chain=tmp_path / "chain.pem", c2pa_sign_callback="no:x")
        )
    hashing = Settings(
        home=tmp_path, c2pa_chain=tmp_path / "chain.pem", c2pa_sign_callback="hashlib:sha256"
    )
    broken = signing_credentials(hashing)  # imports, but returns no signature
    still = tmp_path / "still.png"
    Image.new("RGB", (64, 64)).save(still)
    with pytest.raises(ProvenanceError, match="could not sign"):
        sign_file(still, tmp_path / "signed.png", ProvenanceClaim(PAYLOAD, "s.png"), broken)
    assert not (tmp_path / "signed.png").exists()
