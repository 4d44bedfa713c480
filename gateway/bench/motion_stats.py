"""Benchmark: how real heads move and blink, and how the generator's motion compares.

The real talking videos (FGNet's "Talking Face" and two webcam clips, ``talkgate data list``)
are tracked with the face landmarker; so is a talking clip of the demo portrait whose motion
the motion model made from held-out speech. The model's head motion and blink rate are held
to within ±25% of the FGNet talking face, the one real video of a person speaking at length.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from gateway.bench.motion import synthetic_recordings
from gateway.bench.report import Metric, Row, Section, Timing
from gateway.datasets import fetch_dataset, load_manifest
from gateway.demo import demo_portrait
from gateway.errors import DatasetError
from gateway.models import open_landmarker, open_speaker
from gateway.settings import Settings
from generator import AudioTrack, probe, read_frames
from generator.face_model import build_face_model
from generator.pipeline import render_clip
from generator.runtime import keep_freed_memory
from generator.tracking import MotionStatistics, motion_statistics, track_faces

#: The most frames tracked per video (a minute at 25 fps keeps the section quick).
MAX_FRAMES = 1500
#: Held-out passages spoken in the generated clip (about 3.5 minutes): a minute holds only a
#: dozen blinks, too few to tell a rate within ±25%.
GENERATED_PASSAGES = 8


def _describe(label: str, stats: MotionStatistics) -> list[Metric]:
    return [
        Metric.measured(f"{label}: ΔP, mean head rotation per frame", stats.delta_p, "°"),
        Metric.measured(f"{label}: largest head rotation in one frame", stats.largest_jump, "°"),
        Metric.measured(f"{label}: yaw spread (std)", stats.pose_std[0], "°"),
        Metric.measured(f"{label}: blinks per minute", stats.blinks_per_minute, ""),
        Metric.measured(f"{label}: median blink", stats.blink_ms, "ms"),
        Metric.measured(f"{label}: chin drop per lower-lip drop", stats.chin_share, ""),
    ]


def bench_motion_stats(settings: Settings, docs_dir: Path) -> Section:
    """Track the real talking videos and the demo's talking clip the same way."""
    keep_freed_memory()
    try:
        manifest = load_manifest(settings.data_dir, "talking-video")
    except DatasetError:
        manifest = fetch_dataset(settings.data_dir, "talking-video")
    metrics, frames_tracked, seconds_tracking = [], 0, 0.0
    reference: MotionStatistics | None = None  # the FGNet talking face
    with open_landmarker(settings, find_small_faces=False) as landmarker:
        for entry in manifest.files:
            path = settings.data_dir / "talking-video" / entry.path
            fps = float(probe(path).fps)
            start = time.perf_counter()
            track = track_faces(read_frames(path, MAX_FRAMES), landmarker, fps)
            seconds_tracking += time.perf_counter() - start
            frames_tracked += len(track.blink)
            stats = motion_statistics(track)
            if entry.path == "franck.mp4":
                reference = stats
            metrics += _describe(f"{entry.path} ({entry.identity})", stats)
        if reference is None:
            raise DatasetError("the talking-video set has no FGNet talking face (franck.mp4)")
        model = build_face_model(demo_portrait(), landmarker)
        speech = synthetic_recordings(GENERATED_PASSAGES)
        audio = AudioTrack(np.concatenate([r.audio.samples for r in speech]), 16_000)
        clip = settings.outputs_dir / "bench" / "talking.mp4"
        clip.parent.mkdir(parents=True, exist_ok=True)
        info = render_clip(model, open_speaker(settings).motion(audio, seed=0), clip)
        track = track_faces(read_frames(clip), landmarker, float(info.fps))
        generated = motion_statistics(track)
        metrics += _describe("MotionDiT, rendered", generated)
    for name, value, real in (
        ("ΔP", generated.delta_p, reference.delta_p),
        ("yaw spread", generated.pose_std[0], reference.pose_std[0]),
        ("blinks per minute", generated.blinks_per_minute, reference.blinks_per_minute),
    ):
        metrics.append(
            Metric.within(
                f"MotionDiT vs the FGNet talking face: {name} ratio", value / real, "", 0.75, 1.25
            )
        )
    per_frame = Timing(seconds_tracking / max(frames_tracked, 1), frames_tracked)
    return Section(
        name="motion-stats",
        title="Head motion and blinks: real talking videos vs. the generator",
        description=(
            f"Each real talking video's first {MAX_FRAMES} frames, and a "
            f"{info.video_duration_s:.0f}-s clip of the demo portrait whose motion MotionDiT "
            "made from held-out espeak-ng speech, tracked with the face landmarker. "
            "ΔP is the norm of the yaw/pitch/roll change between frames, the head pose "
            "fitted to the landmarks (`generator/pose_fit.py`); a blink "
            "is a rise of MediaPipe's eyeBlink score well above the person's resting level. "
            "The chin's drop per lower-lip drop as the mouth opens is what the renderer's jaw "
            "is shaped to (`CHIN_SHARE` in `generator/render/basis.py`)."
        ),
        rows=[Row.timed("face tracking, per video frame", per_frame)],
        metrics=metrics,
    )
