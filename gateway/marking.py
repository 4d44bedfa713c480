"""Watermarking files: stills (PNG/JPEG) and clips (MP4), for `talkgate watermark`.

The watermark package works on frames; this module opens and writes the files (through
generator's media I/O), picks the key, and keeps a clip's soundtrack when it re-encodes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from generator import ClipWriter, MediaError, probe, read_audio, read_frames, read_luma
from generator.io import AAC_SAMPLE_RATE
from watermark import Detection, Marker, Payload, WatermarkKey, detect

STILL_SUFFIXES = {".png", ".jpg", ".jpeg"}
#: Quality of a marked JPEG; the mark survives 75, this keeps the picture itself intact.
JPEG_QUALITY = 95
#: A clip's first frames read for detection at most (12 s at 25 fps): plenty to aggregate,
#: and bounded time for long uploads.
MAX_DETECT_FRAMES = 300


@dataclass(frozen=True)
class Marked:
    """What `talkgate watermark embed` wrote."""

    path: Path
    payload: Payload
    frames: int


def _is_still(path: Path) -> bool:
    return path.suffix.lower() in STILL_SUFFIXES


def read_still(path: Path) -> np.ndarray:
    """A still as ``(H, W, 3)`` uint8 RGB.

    Raises:
        MediaError: not an image we can decode.
    """
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaError(f"cannot read {path} as an image: {exc}") from exc


def embed_file(source: Path, target: Path, key: WatermarkKey, clip_id: int | None = None) -> Marked:
    """Mark a still or a clip into ``target`` (same kind; a clip keeps its audio).

    Raises:
        MediaError: the source cannot be read or the target written.
        WatermarkError: a frame is too small to mark.
    """
    payload = Payload(secrets.randbits(64) if clip_id is None else clip_id, key.key_id)
    marker = Marker(key, payload)
    if _is_still(source):
        if not _is_still(target):
            raise MediaError(
                f"a still is written as PNG or JPEG, not {target.suffix or 'no suffix'}"
            )
        marked = Image.fromarray(marker.mark(read_still(source)))
        try:
            marked.save(target, quality=JPEG_QUALITY)
        except (OSError, ValueError) as exc:
            raise MediaError(f"cannot write {target}: {exc}") from exc
        return Marked(target, payload, 1)
    info = probe(source)
    audio = read_audio(source, AAC_SAMPLE_RATE) if info.audio_duration_s else None
    with ClipWriter(target, fps=info.fps, audio=audio) as writer:
        for frame in read_frames(source):
            writer.write(marker.mark(frame))
    return Marked(target, payload, writer.info.frames)


def detect_file(path: Path, keys: list[WatermarkKey], *, still: bool | None = None) -> Detection:
    """Look for a mark in a still or a clip under any of ``keys``.

    Args:
        still: whether ``path`` is a still; by default its suffix says.

    Raises:
        MediaError: the file is not a still or a clip we can decode.
        WatermarkError: its frames are too small to search.
    """
    if _is_still(path) if still is None else still:
        return detect([read_still(path)], keys)
    return detect(read_luma(path, MAX_DETECT_FRAMES), keys)
