"""Benchmark: face analysis on the 512×512 demo portrait, against YuNet detection."""

from __future__ import annotations

from pathlib import Path

import cv2

from gateway.assets import asset_path
from gateway.bench.report import Row, Section, measure
from gateway.demo import demo_portrait
from gateway.settings import Settings
from generator import FaceLandmarker, draw_landmarks


def bench_face(settings: Settings, docs_dir: Path) -> Section:
    """Time the landmarker and the overlay; YuNet face detection is the baseline."""
    portrait = demo_portrait()
    height, width = portrait.shape[:2]
    # OpenCV 5's new DNN engine warns that it ignores the default target; nothing to act on.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    yunet = cv2.FaceDetectorYN.create(
        str(asset_path(settings.assets_dir, "yunet")), "", (width, height)
    )
    bgr = cv2.cvtColor(portrait, cv2.COLOR_RGB2BGR)
    baseline = ("YuNet detection", measure(lambda: yunet.detect(bgr), runs=30))
    with FaceLandmarker(asset_path(settings.assets_dir, "face_landmarker")) as landmarker:
        landmarks = measure(lambda: landmarker.analyse(portrait), runs=30)
        face = landmarker.analyse(portrait)
    overlay = measure(lambda: draw_landmarks(portrait, face), runs=30)
    return Section(
        name="face",
        title="Face analysis",
        description=(
            f"MediaPipe FaceLandmarker (478 landmarks, 52 blendshapes, pose) on the "
            f"{width}×{height} demo portrait, CPU, one image at a time."
        ),
        rows=[
            Row.timed(*baseline),
            Row.timed("FaceLandmarker.analyse", landmarks, baseline),
            Row.timed("landmark overlay drawing", overlay, baseline),
        ],
    )
