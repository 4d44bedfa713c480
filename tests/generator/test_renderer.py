"""The renderer, on the demo portrait with the real landmarker: what each kind of motion does
to the pixels and to the landmarks the landmarker finds again."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generator import FaceLandmarker, GeneratorError, anatomy
from generator.face_model import FaceModel
from generator.motion import MotionSequence
from generator.pipeline import resolve_device
from generator.regions import iris_circle
from generator.render.renderer import Renderer


@pytest.fixture(scope="module")
def model(astronaut_model: FaceModel) -> FaceModel:
    return astronaut_model


@pytest.fixture(scope="module")
def renderer(model: FaceModel) -> Renderer:
    return Renderer(model)


def pose(**axes: float) -> np.ndarray:
    return MotionSequence.still(**axes).values


def render(renderer: Renderer, **axes: float) -> np.ndarray:
    return renderer.render(pose(**axes))[0].numpy()


def test_no_motion_gives_the_portrait_back(renderer: Renderer, model: FaceModel) -> None:
    """Eyes and frame edges included, to within a grey level (it comes back bit for bit here):
    the irises' rims came back up to 55 grey levels off, and the outermost rows and columns
    up to 23 (51.6 dB PSNR)."""
    frame = render(renderer)
    assert np.abs(frame.astype(int) - model.image).max() <= 1
    np.testing.assert_allclose(renderer.landmarks(pose())[0], model.face.points, atol=1e-3)


def test_frames_are_batched_uint8(renderer: Renderer) -> None:
    batch = np.concatenate([pose(), pose(jaw_open=1.0), pose(head_roll=10.0)])
    frames = renderer.render(batch)
    assert frames.shape == (3, 512, 512, 3) and frames.dtype == torch.uint8
    assert len({bytes(f.numpy()) for f in frames}) == 3


def test_jaw_opens_the_mouth_below_a_still_upper_lip(
    renderer: Renderer, model: FaceModel, landmarker: FaceLandmarker
) -> None:
    intended = renderer.landmarks(pose(jaw_open=1.0))[0]
    source = model.face.points
    assert intended[14, 1] - source[14, 1] > 15  # lower lip drops
    assert abs(intended[13, 1] - source[13, 1]) < 1  # upper lip stays
    found = landmarker.detect(render(renderer, jaw_open=1.0))[0]
    assert found.blendshapes["jawOpen"] > model.face.blendshapes["jawOpen"] + 0.15
    # The landmarker sees the upper lip where it was and most of the lower lip's drop (it
    # reads the lip's edge against the dark cavity a few pixels high).
    assert np.abs(found.points[13, :2] - intended[13, :2]).max() < 1.5
    seen_drop = found.points[14, 1] - source[14, 1]
    assert seen_drop > 0.85 * (intended[14, 1] - source[14, 1])
    assert abs(found.points[14, 0] - intended[14, 0]) < 1.5


def test_pressed_lips_close_over_a_smiles_teeth(
    renderer: Renderer, model: FaceModel, landmarker: FaceLandmarker
) -> None:
    """The portrait smiles with its teeth showing; a bilabial must still shut the mouth."""
    source_gap = model.face.points[14, 1] - model.face.points[13, 1]
    assert source_gap > 10
    found = landmarker.detect(render(renderer, lip_press=1.0, jaw_open=0.02))[0]
    assert found.points[14, 1] - found.points[13, 1] < 0.15 * source_gap


def test_out_of_range_values_are_clamped(renderer: Renderer) -> None:
    np.testing.assert_array_equal(render(renderer, jaw_open=5.0), render(renderer, jaw_open=1.0))


def test_expressions_leave_the_background_alone(renderer: Renderer) -> None:
    still = render(renderer)
    moved = render(renderer, jaw_open=1.0, smile_left=1.0, brow_raise=1.0, blink_right=1.0)
    assert np.array_equal(still[:, :60], moved[:, :60])  # the left edge, far from the head
    assert not np.array_equal(still, moved)


def test_head_yaw_turns_the_head_the_way_the_landmarker_reads_it(
    renderer: Renderer, model: FaceModel, landmarker: FaceLandmarker
) -> None:
    """The yaw asked is the yaw read: turned by the angle asked, the mesh read about 0.6 of
    it (10° for 15°), hence ``YAW_GAIN``."""
    for yaw in (-15.0, 15.0):
        found = landmarker.detect(render(renderer, head_yaw=yaw))[0]
        change = found.head_pose.yaw - model.face.head_pose.yaw
        assert abs(change - yaw) < 2.5


def test_speech_shapes_do_not_read_as_a_nod(renderer: Renderer, landmarker: FaceLandmarker) -> None:
    """With the head still, the head pose read back stays put while the lips work (MediaPipe's
    own transformation matrix read pressed lips as 4.8° of pitch, pucker as 3.3°)."""
    still = landmarker.detect(render(renderer))[0].head_pose
    for shape in ("lip_press", "lip_pucker", "jaw_open"):
        found = landmarker.detect(render(renderer, **{shape: 1.0}))[0].head_pose
        assert abs(found.pitch - still.pitch) < 2.5, shape
        assert abs(found.yaw - still.yaw) < 1.0, shape


def test_gaze_moves_the_irises_and_the_landmarker_follows(
    renderer: Renderer, model: FaceModel, landmarker: FaceLandmarker
) -> None:
    intended = renderer.landmarks(pose(gaze_yaw=20.0))[0]
    shift = intended[[468, 473], 0] - model.face.points[[468, 473], 0]
    assert np.all(shift > 4)
    found = landmarker.detect(render(renderer, gaze_yaw=20.0))[0]
    assert np.all(found.points[[468, 473], 0] - model.face.points[[468, 473], 0] > 3)


def test_looking_aside_carries_the_lids_middles_and_not_their_corners(
    renderer: Renderer, model: FaceModel
) -> None:
    moved = renderer.landmarks(pose(gaze_yaw=20.0))[0] - model.face.points
    for lid in (anatomy.RIGHT_EYE_UPPER, anatomy.LEFT_EYE_UPPER):
        assert moved[lid[len(lid) // 2], 0] > 1.0  # about 0.3 of the iris's 5.8 px
        assert np.abs(moved[[lid[0], lid[-1]], :2]).max() < 0.05


def test_a_catchlight_trails_the_iris_by_half_its_travel(
    renderer: Renderer, model: FaceModel
) -> None:
    """The light's reflection is on the cornea, not painted on the iris: the portrait's
    brightest catchlight pixel trails the iris by half its travel, instead of riding along
    with it as before."""
    cover = renderer.rig.catchlights[..., 3]
    ys, xs = np.nonzero(cover > 0.5)
    lights = {}
    for iris in (anatomy.RIGHT_IRIS, anatomy.LEFT_IRIS):
        centre = model.face.points[iris[0], :2]
        near = np.hypot(xs - centre[0], ys - centre[1]) < 8
        brightest = np.argmax(cover[ys[near], xs[near]])
        lights[iris] = np.array([xs[near][brightest], ys[near][brightest]], float)
    for gaze in (-20.0, 20.0):
        frame = render(renderer, gaze_yaw=gaze).astype(float).mean(axis=-1)
        travel = renderer.landmarks(pose(gaze_yaw=gaze))[0] - model.face.points
        for iris, light in lights.items():
            step = travel[iris[0], :2]
            (tx, ty), (rx, ry) = np.round([light + 0.5 * step, light + step]).astype(int)
            assert frame[ty, tx] > frame[ry, rx] + 15, (gaze, iris)


def test_an_iris_looking_up_takes_its_spill_off_the_lower_lid(
    renderer: Renderer, model: FaceModel
) -> None:
    """The demo portrait's left iris darkens the lid margin under it (the photo's blur); a
    look up takes that along, where it stayed behind as a dark crescent (148 against 162
    beside the iris, 1.5 px below the lid line)."""

    def under_and_beside(
        frame: np.ndarray, lid: np.ndarray, iris: tuple[int, ...]
    ) -> tuple[float, float]:
        """The lid margin's grey level under the iris's rest place and beside it."""
        centre, radius = iris_circle(model.face.points, iris)
        order = np.argsort(lid[:, 0])

        def margin(xs: np.ndarray) -> float:
            ys = np.interp(xs, lid[order, 0], lid[order, 1]) + 1.5
            return float(np.mean(frame[np.round(ys).astype(int), np.round(xs).astype(int)]))

        under = centre[0] + np.arange(-radius / 2, radius / 2 + 0.1)
        beside = centre[0] + np.concatenate(
            [np.arange(-radius - 4, -radius - 1), np.arange(radius + 1, radius + 4)]
        )
        return margin(under), margin(beside)

    for pitch in (0.0, 12.0):
        frame = render(renderer, gaze_pitch=pitch).astype(float).mean(axis=-1)
        points = renderer.landmarks(pose(gaze_pitch=pitch))[0]
        for lower, iris in (
            (anatomy.RIGHT_EYE_LOWER, anatomy.RIGHT_IRIS),
            (anatomy.LEFT_EYE_LOWER, anatomy.LEFT_IRIS),
        ):
            under, beside = under_and_beside(frame, points[list(lower), :2], iris)
            if pitch == 0.0 and iris == anatomy.LEFT_IRIS:
                assert under < beside - 5  # the portrait's own spill
            elif pitch > 0.0:
                assert under > beside - 4, iris


def test_blink_shuts_the_eye_so_a_blink_reads_turned_or_not(
    renderer: Renderer, model: FaceModel, landmarker: FaceLandmarker
) -> None:
    """Shut lids are sealed: before, a strip of sclera showed between them and the landmarker
    read a full blink at 0.36, and 0.29 with the head turned 10°, under the tracker's bar
    for a blink at rest + 0.2."""
    rest = (model.face.blendshapes["eyeBlinkLeft"] + model.face.blendshapes["eyeBlinkRight"]) / 2
    for yaw in (0.0, -10.0, 10.0):
        shut = render(renderer, blink_left=1.0, blink_right=1.0, head_yaw=yaw)
        found = landmarker.detect(shut)[0].blendshapes
        assert (found["eyeBlinkLeft"] + found["eyeBlinkRight"]) / 2 > rest + 0.3, yaw


def test_a_shut_eye_is_covered_by_its_upper_lids_skin(renderer: Renderer) -> None:
    """Inpainted from all round, a shut eye showed the lower lid's lighter skin as a pale
    strip just above the lash line (up to 29 grey levels over the lid's skin above it)."""
    shut = pose(blink_left=1.0, blink_right=1.0)
    frame = renderer.render(shut)[0].numpy().astype(float).mean(axis=-1)
    points = renderer.landmarks(shut)[0]
    for upper in (anatomy.RIGHT_EYE_UPPER, anatomy.LEFT_EYE_UPPER):
        lid = points[list(upper), :2]
        order = np.argsort(lid[:, 0])
        first, last = lid[order[0], 0], lid[order[-1], 0]
        xs = np.linspace(first + 0.2 * (last - first), last - 0.2 * (last - first), 20)
        line = np.interp(xs, lid[order, 0], lid[order, 1])
        columns = np.round(xs).astype(int)
        above = {
            rows: frame[np.round(line - rows).astype(int), columns].mean() for rows in (2, 3, 4, 6)
        }
        assert max(above[2], above[3], above[4]) < above[6] + 6, upper


def test_a_missing_gpu_is_a_clear_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(GeneratorError, match="no CUDA GPU"):
        resolve_device("cuda")
    with pytest.raises(GeneratorError, match="unknown device"):
        resolve_device("tpu:0:x")


@pytest.mark.gpu
def test_the_same_frames_come_out_on_the_gpu(model: FaceModel, renderer: Renderer) -> None:
    batch = np.concatenate([pose(jaw_open=0.7, head_yaw=10.0), pose(gaze_pitch=-10.0)])
    on_gpu = Renderer(model, device="cuda").render(batch).cpu().numpy().astype(int)
    on_cpu = renderer.render(batch).numpy().astype(int)
    assert np.abs(on_gpu - on_cpu).mean() < 0.5
