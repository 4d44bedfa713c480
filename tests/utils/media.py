"""Small media the tests make themselves, so the suite needs no downloaded data."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def noise_image(size: int = 256, seed: int = 0) -> np.ndarray:
    """A smooth random-colour image with no face in it, ``(size, size, 3)`` uint8."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    return np.kron(coarse, np.ones((size // 8, size // 8, 1), dtype=np.uint8))


def write_g722(path: Path, seconds: float, frequency: float = 220.0) -> None:
    """A G.722 file (the Asterisk prompts' format) holding a 16 kHz sine tone."""
    t = np.arange(int(16000 * seconds)) / 16000
    samples = (0.3 * np.sin(2 * np.pi * frequency * t) * 32767).astype(np.int16)[None]
    with av.open(str(path), "w", format="g722") as container:
        stream = container.add_stream("g722", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)


def remux(source: Path, target: Path) -> None:
    """Copy a clip's streams into a new MP4, as a platform's re-upload does: the frames are
    untouched, the C2PA manifest is gone."""
    with av.open(str(source)) as given, av.open(str(target), "w") as copy:
        streams = {s.index: copy.add_stream_from_template(s) for s in given.streams}
        for packet in given.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                copy.mux(packet)
