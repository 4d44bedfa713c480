"""`talkgate watermark` on real files: stills and clips, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator import AudioTrack, ClipWriter, probe, read_frames
from tests.utils.cli import run_talkgate as talkgate
from watermark import WatermarkKey, save_key


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture
def clip(tmp_path: Path, portrait: np.ndarray) -> Path:
    """Two seconds of a slowly panning portrait, with a tone as its soundtrack."""
    path = tmp_path / "clip.mp4"
    tone = np.sin(np.arange(2 * 16000) * 2 * np.pi * 220 / 16000).astype(np.float32) * 0.3
    with ClipWriter(path, fps=25, audio=AudioTrack(tone, 16000)) as writer:
        for shift in range(50):
            writer.write(np.roll(portrait, shift // 5, axis=1))
    return path


def _json(done) -> dict:
    return json.loads(done.stdout)


def test_a_still_round_trips_and_the_key_is_made_once(tmp_path: Path, portrait) -> None:
    Image.fromarray(portrait).save(tmp_path / "p.png")
    done = talkgate("watermark", "embed", str(tmp_path / "p.png"), "-o", str(tmp_path / "m.png"),
                    "--clip-id", "00ff00ff00ff00ff", home=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _json(done)["clip_id"] == "00ff00ff00ff00ff"
    assert (tmp_path / "keys" / "watermark.json").stat().st_mode & 0o777 == 0o600
    found = talkgate("watermark", "detect", str(tmp_path / "m.png"), home=tmp_path)
    assert found.returncode == 0, found.stderr
    assert _json(found)["clip_id"] == "00ff00ff00ff00ff"
    assert _json(found)["false_positive_bound"] <= 1e-6
    unmarked = talkgate("watermark", "detect", str(tmp_path / "p.png"), home=tmp_path)
    assert unmarked.returncode == 3 and _json(unmarked)["marked"] is False


def test_a_clip_keeps_its_sound_and_survives_a_reencode(tmp_path: Path, clip: Path) -> None:
    # A fixed key: how far the mark survives is the bench's job; this checks the file path.
    save_key(WatermarkKey(5, bytes(range(32))), tmp_path / "keys" / "watermark.json")
    marked = tmp_path / "marked.mp4"
    done = talkgate("watermark", "embed", str(clip), "-o", str(marked), home=tmp_path)
    assert done.returncode == 0, done.stderr
    info = probe(marked)
    assert info.frames == 50 and info.audio_duration_s is not None
    reencoded = tmp_path / "reencoded.mp4"
    with ClipWriter(reencoded, fps=25, crf=20) as writer:
        for frame in read_frames(marked):
            writer.write(frame)
    found = talkgate("watermark", "detect", str(reencoded), home=tmp_path)
    assert found.returncode == 0, found.stdout + found.stderr
    assert _json(found)["clip_id"] == _json(done)["clip_id"]
    assert talkgate("watermark", "detect", str(clip), home=tmp_path).returncode == 3


def test_another_deployments_key_finds_nothing(tmp_path: Path, clip: Path) -> None:
    save_key(WatermarkKey(6, bytes(range(1, 33))), tmp_path / "keys" / "watermark.json")
    marked = tmp_path / "marked.mp4"
    assert (
        talkgate("watermark", "embed", str(clip), "-o", str(marked), home=tmp_path).returncode == 0
    )
    other = tmp_path / "other.json"
    assert talkgate("watermark", "keygen", "-o", str(other), home=tmp_path).returncode == 0
    found = talkgate("watermark", "detect", str(marked), "--key", str(other), home=tmp_path)
    assert found.returncode == 3
    both = talkgate("watermark", "detect", str(marked), "--key", str(other),
                    "--key", str(tmp_path / "keys" / "watermark.json"), home=tmp_path)  # fmt: skip
    assert both.returncode == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.mp4", b"", "cannot read"),
        ("notes.mp4", b"these are not frames\n" * 100, "cannot read"),
        ("broken.png", b"\x89PNG\r\n\x1a\nbroken", "cannot read"),
    ],
)
def test_files_that_are_not_media_are_clear_errors(tmp_path: Path, name, content, message):
    (tmp_path / name).write_bytes(content)
    done = talkgate("watermark", "detect", str(tmp_path / name), home=tmp_path)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_truncated_clip_is_a_clear_error(tmp_path: Path, clip: Path) -> None:
    data = clip.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 3])
    done = talkgate("watermark", "detect", str(tmp_path / "cut.mp4"), home=tmp_path)
    assert done.returncode in (1, 3) and "Traceback" not in done.stderr


def test_a_tiny_image_is_refused_with_the_size(tmp_path: Path) -> None:
    Image.new("RGB", (100, 80)).save(tmp_path / "tiny.png")
    done = talkgate("watermark", "embed", str(tmp_path / "tiny.png"), "-o",
                    str(tmp_path / "out.png"), home=tmp_path)  # fmt: skip
    assert done.returncode == 1 and "100×80" in done.stderr


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    first = talkgate("watermark", "keygen", home=tmp_path)
    assert first.returncode == 0, first.stderr
    again = talkgate("watermark", "keygen", home=tmp_path)
    assert again.returncode == 1 and "never overwritten" in again.stderr
