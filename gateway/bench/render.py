"""Benchmark: the renderer on the 512×512 demo portrait — fidelity, closed loop, speed.

The closed loop renders the motion sweep, finds the landmarks again on every rendered frame
with the same landmarker, and compares them with the landmarks the motion asked for; the
blendshapes, gaze and head pose MediaPipe reads off the frames are compared the same way, and
SFace checks the subject stays recognisable. Speed is the renderer alone, batched, beside a
per-triangle OpenCV affine warp of the same mesh timed in the same process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy.stats import spearmanr

from gateway.bench.report import Metric, Row, Section, Timing, measure, psnr
from gateway.demo import demo_portrait
from gateway.models import open_embedder, open_landmarker
from gateway.pictures import contact_sheet, save_png
from gateway.settings import Settings
from generator import anatomy
from generator.face import FaceLandmarker, FaceLandmarks, HeadPose, rotation_matrices
from generator.face_model import FaceModel, build_face_model
from generator.identity import FaceEmbedder, cosine
from generator.motion import EXPRESSION_MODES, MotionSequence, Sweep, sweep
from generator.render.basis import FaceFrame
from generator.render.renderer import Renderer
from generator.runtime import keep_freed_memory

#: Landmarks the closed-loop error is measured on: lip, eye and face-oval contours.
CONTOUR_POINTS = sorted(
    set(
        anatomy.LIP_OUTER_UPPER
        + anatomy.LIP_OUTER_LOWER
        + anatomy.LIP_INNER_UPPER
        + anatomy.LIP_INNER_LOWER
        + anatomy.RIGHT_EYE_UPPER
        + anatomy.RIGHT_EYE_LOWER
        + anatomy.LEFT_EYE_UPPER
        + anatomy.LEFT_EYE_LOWER
        + anatomy.FACE_OVAL
    )
)
#: Mode → the MediaPipe blendshape that should follow it (both name the subject's own sides).
BLENDSHAPE_OF = {
    "jaw_open": "jawOpen",
    "smile_left": "mouthSmileLeft",
    "smile_right": "mouthSmileRight",
    "lip_pucker": "mouthPucker",
    "blink_left": "eyeBlinkLeft",
    "blink_right": "eyeBlinkRight",
}
POSE_AXES = ("head_yaw", "head_pitch", "head_roll", "head_scale")
GAZE = [MotionSequence.index("gaze_yaw"), MotionSequence.index("gaze_pitch")]
#: The head mask is dilated by this share of the frame for the "head still" check: the jaw's
#: fade reaches that far below the chin (0.8 inter-iris distances, about 70 px at 512).
HEAD_MARGIN = 0.15
BATCH = 16


@dataclass
class ClosedLoop:
    """Per-frame measurements of a rendered sweep (NaN where no face was found)."""

    landmark_error: np.ndarray  # (T,) mean pixel error over CONTOUR_POINTS
    blendshapes: dict[str, np.ndarray]  # name -> (T,)
    pose: np.ndarray  # (T, 3) detected yaw, pitch, roll
    intended_pose: np.ndarray  # (T, 3)
    gaze: np.ndarray  # (T, 2) detected gaze yaw, pitch
    identity: np.ndarray  # (T,) SFace cosine to the source
    outside_change: np.ndarray  # (T,) largest change outside the dilated head mask


def _nearest_face(faces: list[FaceLandmarks], centre: np.ndarray) -> FaceLandmarks | None:
    if not faces:
        return None
    return min(faces, key=lambda f: float(np.linalg.norm(f.points[:, :2].mean(0) - centre)))


def _gaze(
    face: FaceLandmarks, still_eyes: np.ndarray, model: FaceModel, eyeball_px: float
) -> np.ndarray:
    """Gaze yaw and pitch in degrees read off a rendered frame: how far the re-detected irises
    sit from where they would be looking straight ahead (``still_eyes``, ``(2, 3)``, the
    irises' intended place with the gaze left at zero), in the portrait's face axes, over the
    eyeball radius."""
    irises = [anatomy.RIGHT_IRIS[0], anatomy.LEFT_IRIS[0]]
    travel = (face.points[irises] - still_eyes).mean(0)
    travel[2] = 0.0  # depth from a single image is the landmarker's guess
    frame = FaceFrame.of(model.face.points, model.face.rotation)
    ratio = np.clip(travel @ frame.rotation / eyeball_px, -1.0, 1.0)
    return np.degrees(np.array([np.arcsin(ratio[0]), np.arcsin(-ratio[1])]))


def intended_poses(model: FaceModel, values: np.ndarray) -> np.ndarray:
    """The head pose the landmarker should read off frames rendered from motion ``values``."""
    k = len(EXPRESSION_MODES)
    motion = rotation_matrices(values[:, k + 2], values[:, k + 3], values[:, k + 4])
    poses = [HeadPose.from_matrix(r @ model.face.rotation) for r in motion]
    return np.array([(p.yaw, p.pitch, p.roll) for p in poses])


def run_closed_loop(
    renderer: Renderer,
    the_sweep: Sweep,
    landmarker: FaceLandmarker,
    embedder: FaceEmbedder,
) -> ClosedLoop:
    """Render the sweep batch by batch and measure every frame against its motion."""
    model = renderer.model
    values = the_sweep.motion.values
    count = len(values)
    source_identity = embedder.embed(model.image)
    reach = int(HEAD_MARGIN * model.size)
    head = cv2.dilate(
        (model.masks.head > 0.01).astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)
    )
    outside = head == 0
    neutral_frame = renderer.render(MotionSequence.neutral(1).values)[0].numpy()
    still_head = np.all(
        values[:, len(EXPRESSION_MODES) :] == values[:1, len(EXPRESSION_MODES) :], 1
    )

    result = ClosedLoop(
        landmark_error=np.full(count, np.nan),
        blendshapes={name: np.full(count, np.nan) for name in BLENDSHAPE_OF.values()},
        pose=np.full((count, 3), np.nan),
        intended_pose=intended_poses(model, values),
        gaze=np.full((count, 2), np.nan),
        identity=np.full(count, np.nan),
        outside_change=np.full(count, np.nan),
    )
    for start in range(0, count, BATCH):
        batch = values[start : start + BATCH]
        frames = renderer.render(batch).numpy()
        intended = renderer.landmarks(batch)
        straight = batch.copy()
        straight[:, GAZE] = 0.0
        still_eyes = renderer.landmarks(straight)[:, [anatomy.RIGHT_IRIS[0], anatomy.LEFT_IRIS[0]]]
        for offset, image in enumerate(frames):
            i = start + offset
            centre = intended[offset, :, :2].mean(0)
            face = _nearest_face(landmarker.detect(image), centre)
            if face is not None:
                error = face.points[CONTOUR_POINTS, :2] - intended[offset, CONTOUR_POINTS, :2]
                result.landmark_error[i] = np.linalg.norm(error, axis=1).mean()
                for name in result.blendshapes:
                    result.blendshapes[name][i] = face.blendshapes.get(name, np.nan)
                pose = face.head_pose
                result.pose[i] = (pose.yaw, pose.pitch, pose.roll)
                result.gaze[i] = _gaze(face, still_eyes[offset], model, renderer.rig.eyeball_radius)
            embedding = embedder.embed(image)
            if embedding is not None and source_identity is not None:
                result.identity[i] = cosine(source_identity, embedding)
            if still_head[i]:
                change = np.abs(image.astype(np.int16) - neutral_frame.astype(np.int16))
                result.outside_change[i] = change[outside].max()
    return result


def _segment(the_sweep: Sweep, axis: str) -> slice:
    for name, start, stop in the_sweep.segments:
        if name == axis:
            return slice(start, stop)
    raise KeyError(axis)


def quality_metrics(
    model: FaceModel, renderer: Renderer, the_sweep: Sweep, loop: ClosedLoop
) -> list[Metric]:
    """The issue's quality targets, from one closed-loop run."""
    values = the_sweep.motion.values
    neutral = renderer.render(MotionSequence.neutral(1).values)[0].numpy()
    metrics = [
        Metric.at_least(
            "neutral render vs. framed portrait (PSNR)", psnr(neutral, model.image), "dB", 40
        ),
        Metric.at_most(
            "landmark error over the sweep (lips, eyes, oval; mean)",
            np.nanmean(loop.landmark_error),
            "px",
            2.0,
        ),
    ]
    for mode, blendshape in BLENDSHAPE_OF.items():
        rows = _segment(the_sweep, mode)
        coefficient = values[rows, MotionSequence.index(mode)]
        rho = spearmanr(
            coefficient, loop.blendshapes[blendshape][rows], nan_policy="omit"
        ).statistic
        metrics.append(Metric.at_least(f"{mode} → {blendshape} (Spearman ρ)", rho, "", 0.9))
    for axis, column in (("gaze_yaw", 0), ("gaze_pitch", 1)):
        rows = _segment(the_sweep, axis)
        error = np.abs(loop.gaze[rows, column] - values[rows, MotionSequence.index(axis)])
        metrics.append(
            Metric.at_most(f"{axis} error (95th percentile)", np.nanpercentile(error, 95), "°", 3.0)
        )
    for axis in POSE_AXES:
        rows = _segment(the_sweep, axis)
        error = np.abs(loop.pose[rows] - loop.intended_pose[rows])
        for column, name in enumerate(("yaw", "pitch", "roll")):
            metrics.append(
                Metric.at_most(
                    f"head {name} error over the {axis} sweep (95th percentile)",
                    np.nanpercentile(error[:, column], 95),
                    "°",
                    2.0,
                )
            )
    metrics += [
        Metric.at_least(
            "identity: SFace cosine to the source (lowest frame)", np.nanmin(loop.identity), "", 0.6
        ),
        Metric.at_most(
            "head still: largest change outside the dilated head mask",
            np.nanmax(loop.outside_change),
            "grey levels",
            0.99,
        ),
        Metric.at_least(
            "frames where a face was found", np.mean(~np.isnan(loop.landmark_error)) * 100, "%", 100
        ),
    ]
    return metrics


def affine_baseline(
    image: np.ndarray, source: np.ndarray, target: np.ndarray, triangles: np.ndarray
) -> np.ndarray:
    """Warp ``image`` triangle by triangle (OpenCV ``warpAffine`` per triangle): the classic
    face-morph renderer, as a speed baseline."""
    out = image.copy()
    height, width = image.shape[:2]
    for triangle in triangles:
        dst = target[triangle, :2].astype(np.float32)
        x, y, w, h = cv2.boundingRect(dst)
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
        if x1 <= x0 or y1 <= y0:
            continue
        local = dst - np.float32([x0, y0])
        matrix = cv2.getAffineTransform(local, source[triangle, :2].astype(np.float32))
        patch = cv2.warpAffine(
            image,
            matrix,
            (x1 - x0, y1 - y0),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
        )
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(mask, np.round(local).astype(np.int32), 1)
        region = out[y0:y1, x0:x1]
        region[mask > 0] = patch[mask > 0]
    return out


def speed_rows(renderer: Renderer, the_sweep: Sweep) -> list[Row]:
    """Frames per second of the renderer (batched; on the GPU too when there is one) and of
    the OpenCV baseline, on frames spread over the whole sweep (mouth open, eyes shut, head
    turned: every compositing path runs)."""
    import torch

    motion = the_sweep.motion.values
    values = motion[:: len(motion) // BATCH][:BATCH]
    rig = renderer.rig
    image = renderer.model.image
    target = renderer.landmarks(values[:1])[0]
    source = rig.vertices[: len(target)]
    triangles = rig.triangles[(rig.triangles < len(target)).all(axis=1)]
    per_frame = measure(lambda: affine_baseline(image, source, target, triangles), runs=10)
    baseline = ("OpenCV per-triangle affine warp", per_frame)
    batch = measure(lambda: renderer.render(values), runs=10)
    rows = [
        Row.timed(*baseline),
        Row.timed(
            f"torch renderer, CPU, batch of {len(values)}, per frame",
            Timing(batch.median_s / len(values), batch.runs),
            baseline,
        ),
    ]
    if torch.cuda.is_available():
        gpu = Renderer(renderer.model, device="cuda")

        def on_gpu() -> None:
            gpu.render(values)
            torch.cuda.synchronize()

        timing = measure(on_gpu, runs=20)
        rows.append(
            Row.timed(
                f"torch renderer, {torch.cuda.get_device_name(0)}, batch of {len(values)}, "
                "per frame",
                Timing(timing.median_s / len(values), timing.runs),
                baseline,
            )
        )
    return rows


def face_box(model: FaceModel) -> tuple[int, int, int, int]:
    """A square around the head (for picture tiles)."""
    ys, xs = np.nonzero(model.masks.head > 0.5)
    cx, cy = xs.mean(), ys.mean()
    half = 0.6 * max(np.ptp(xs), np.ptp(ys))
    x0, y0 = int(max(cx - half, 0)), int(max(cy - half, 0))
    side = int(min(2 * half, model.size - x0, model.size - y0))
    return x0, y0, x0 + side, y0 + side


def _axis_label(axis: str, value: float) -> str:
    """``head_yaw +20``, ``head_scale 1.1``: how a pose value reads under a picture (the
    sheets' font has no ×)."""
    return f"{axis} {value:.3g}" if axis == "head_scale" else f"{axis} {value:+.3g}"


def motion_pictures(renderer: Renderer, docs_dir: Path) -> list[str]:
    """The motion-space sheet (every axis at full strength) and the sweep contact sheet."""
    from generator.motion import LIMITS, NEUTRAL, SWEEP_EXTENT

    x0, y0, x1, y1 = face_box(renderer.model)

    def tile(**axes: float) -> np.ndarray:
        return renderer.render(MotionSequence.still(**axes).values)[0].numpy()[y0:y1, x0:x1]

    def at(axis: str, fraction: float) -> float:
        """A pose axis ``fraction`` of the way to the sweep's extent."""
        return float(NEUTRAL[MotionSequence.index(axis)] + fraction * SWEEP_EXTENT[axis])

    tiles, labels = [renderer.model.image[y0:y1, x0:x1]], ["portrait"]
    for mode in EXPRESSION_MODES:
        tiles.append(tile(**{mode: LIMITS[mode][1]}))
        labels.append(mode)
    for axis in SWEEP_EXTENT:
        tiles.append(tile(**{axis: at(axis, 1)}))
        labels.append(_axis_label(axis, at(axis, 1)))
    modes = save_png(
        contact_sheet(tiles, labels, columns=5, tile_size=200),
        docs_dir / "images" / "motion-space.png",
    )

    rows = [
        ("jaw", ("jaw_open",), (0, 0.25, 0.5, 0.75, 1)),
        ("smile", ("smile_left", "smile_right"), (0, 0.5, 1)),
        ("lip_pucker", ("lip_pucker",), (0, 0.5, 1)),
        ("blink", ("blink_left", "blink_right"), (0, 0.5, 1)),
    ]
    tiles, labels = [], []
    for name, modes_moved, levels in rows:
        for level in levels:
            tiles.append(tile(**dict.fromkeys(modes_moved, level)))
            labels.append(f"{name} {level:g}")
    for axis in ("gaze_yaw", "gaze_pitch", "head_yaw", "head_pitch", "head_roll", "head_scale"):
        for fraction in (-1, -0.5, 0.5, 1):
            tiles.append(tile(**{axis: at(axis, fraction)}))
            labels.append(_axis_label(axis, at(axis, fraction)))
    sheet = save_png(
        contact_sheet(tiles, labels, columns=8, tile_size=160),
        docs_dir / "images" / "renderer-sweep.png",
    )
    return [str(p.relative_to(docs_dir)) for p in (modes, sheet)]


def bench_render(settings: Settings, docs_dir: Path) -> Section:
    """Quality targets (closed loop) and speed of the renderer on the demo portrait."""
    keep_freed_memory()
    the_sweep = sweep()
    with open_landmarker(settings, find_small_faces=False) as landmarker:
        model = build_face_model(demo_portrait(), landmarker)
        renderer = Renderer(model)
        embedder = open_embedder(settings)
        loop = run_closed_loop(renderer, the_sweep, landmarker, embedder)
    metrics = quality_metrics(model, renderer, the_sweep, loop)
    rows = speed_rows(renderer, the_sweep)
    images = motion_pictures(renderer, docs_dir)
    return Section(
        name="render",
        title="Renderer",
        description=(
            f"The torch renderer on the {model.size}×{model.size} framed demo portrait, CPU. "
            f"Closed loop over the {len(the_sweep.motion)}-frame motion sweep "
            f"({the_sweep.motion.duration_s:.0f} s: every expression mode 0→1→0, then gaze, "
            "head yaw/pitch/roll, translation and scale out and back), re-detected with the same "
            "MediaPipe landmarker; identity by SFace."
        ),
        rows=rows,
        metrics=metrics,
        images=images,
        notes=[
            "Landmark error: mean distance between re-detected and intended landmarks over the "
            f"{len(CONTOUR_POINTS)} lip, eye and face-oval contour points, averaged over frames.",
            "Gaze is read off the re-detected irises: their offset from where they would sit "
            "looking straight ahead (the intended landmarks with gaze zero), in the portrait's "
            "face axes, over the eyeball radius (2.05 iris radii).",
            "Head still: the largest per-pixel change, over the expression part of the sweep, "
            f"outside the head mask dilated by {HEAD_MARGIN:.0%} of the frame.",
        ],
    )
