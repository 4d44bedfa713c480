"""Benchmark: the sweep rendered on every portrait of the development data sets.

Photos large and small, old black-and-white group photos, snapshots and the Mona Lisa (see
``talkgate data list``). Every image is tried; those with exactly one usable face render the
whole motion sweep, and the sheet shows an open-mouth and a turned-head frame of each. The
rest are listed with the typed error a user would get.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from gateway.bench.render import face_box
from gateway.bench.report import Metric, Row, Section, Timing
from gateway.datasets import fetch_dataset, load_manifest
from gateway.errors import DatasetError
from gateway.models import open_landmarker
from gateway.pictures import contact_sheet, save_png
from gateway.settings import Settings
from generator import GeneratorError, MultipleFacesFound, load_portrait
from generator.face_model import build_face_model
from generator.motion import MotionSequence, sweep
from generator.render.renderer import Renderer
from generator.runtime import keep_freed_memory

#: The development sets whose images are portraits (or groups of them).
PORTRAIT_SETS = (
    "mona-lisa",
    "solvay",
    "xemacs-photos",
    "kphotoalbum",
    "face-api-samples",
    "dlib-faces",
)


OPEN_MOUTH = MotionSequence.still(jaw_open=0.8).values
TURNED_HEAD = MotionSequence.still(head_yaw=15.0, jaw_open=0.3).values


def _images(settings: Settings) -> list[tuple[str, Path]]:
    """Every image of the portrait sets, fetching a set first if it is not here yet."""
    found = []
    for name in PORTRAIT_SETS:
        try:
            manifest = load_manifest(settings.data_dir, name)
        except DatasetError:
            manifest = fetch_dataset(settings.data_dir, name)
        found += [
            (f"{name}/{entry.path}", settings.data_dir / name / entry.path)
            for entry in manifest.files
            if entry.kind == "image"
        ]
    return found


def bench_portraits(settings: Settings, docs_dir: Path) -> Section:
    """Render the sweep on each development portrait; sheet of results, list of refusals."""
    keep_freed_memory()
    motion = sweep().motion
    tiles, labels, refused, seconds = [], [], [], []
    images = _images(settings)
    with open_landmarker(settings) as landmarker:
        for label, path in images:
            try:
                portrait = load_portrait(path)
                model = build_face_model(portrait, landmarker)
            except MultipleFacesFound as exc:
                # A group photo: animate its largest face, as `talkgate animate --face 0` would.
                refused.append(f"{label}: {type(exc).__name__} — {exc}; rendered with face 0")
                try:
                    model = build_face_model(portrait, landmarker, choose=0)
                except GeneratorError as again:
                    refused.append(f"{label} face 0: {type(again).__name__} — {again}")
                    continue
                label += " #0"
            except GeneratorError as exc:
                refused.append(f"{label}: {type(exc).__name__} — {exc}")
                continue
            renderer = Renderer(model)
            start = time.perf_counter()
            count = sum(1 for _ in renderer.frames(motion))
            seconds.append((time.perf_counter() - start) / count)
            x0, y0, x1, y1 = face_box(model)
            for pose, what in ((OPEN_MOUTH, "open"), (TURNED_HEAD, "turned")):
                tiles.append(renderer.render(pose)[0].numpy()[y0:y1, x0:x1])
                labels.append(f"{Path(label).stem[:14]} {what}")
    rendered = len(seconds)
    sheet = save_png(
        contact_sheet(tiles, labels, columns=8, tile_size=150),
        docs_dir / "images" / "renderer-portraits.png",
    )
    return Section(
        name="portraits",
        title="Renderer on the development portraits",
        description=(
            f"The {len(motion)}-frame motion sweep rendered at 512×512 on every image of the "
            f"development sets ({', '.join(PORTRAIT_SETS)}): {rendered} of {len(images)} "
            "images have one usable face; the sheet shows each at jaw_open 0.8 and at head "
            "yaw 15° (jaw 0.3). The others are refused with the error a user would see."
        ),
        rows=[
            Row.timed(
                "sweep frame, median over portraits (batch 16)",
                Timing(float(np.median(seconds)), rendered),
            )
        ]
        if seconds
        else [],
        metrics=[Metric.at_least("portraits rendering the whole sweep", rendered, "", 1)],
        images=[str(sheet.relative_to(docs_dir))],
        notes=["Not as a single-face portrait: " + entry for entry in refused],
    )
