import io
import math

import cv2
import numpy as np
import pytest
from PIL import Image
from scipy.special import ndtr
from scipy.stats import binom

from watermark import FrameError, Marker, Payload, WatermarkError, WatermarkKey, detect, embed
from watermark.mark import (
    FALSE_POSITIVE_RATE,
    MIN_PSNR_DB,
    RADEMACHER_TAIL_FACTOR,
    SSIM_TARGET,
    union_threshold,
)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="module")
def key() -> WatermarkKey:
    return WatermarkKey(3, bytes(range(32)))


@pytest.fixture(scope="module")
def payload(key: WatermarkKey) -> Payload:
    return Payload(0xC0FFEE00DEADBEEF, key.key_id)


@pytest.fixture(scope="module")
def marked(portrait: np.ndarray, key: WatermarkKey, payload: Payload) -> np.ndarray:
    return embed([portrait], payload, key)[0]


def _luma_psnr(original: np.ndarray, marked: np.ndarray) -> float:
    luma = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).astype(float) for f in (original, marked)]
    return float(10 * np.log10(255**2 / np.mean((luma[0] - luma[1]) ** 2)))


def _jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def test_round_trip_reads_the_payload(marked: np.ndarray, key: WatermarkKey, payload: Payload):
    found = detect([marked], [key])
    assert found.present and found.payload == payload and found.key_id == key.key_id
    assert found.score > found.threshold
    assert found.false_positive_bound <= 1e-6


@pytest.mark.parametrize(("picture", "binding"), [("rocket", "ssim"), ("astronaut", "psnr")])
def test_every_frame_is_marked_as_strongly_as_its_budget_allows(key, payload, picture, binding):
    # The rocket's fine detail reaches the SSIM target first; the astronaut, the PSNR floor.
    from skimage import data
    from skimage.metrics import structural_similarity

    frame = np.ascontiguousarray(getattr(data, picture)())
    marked = Marker(key, payload).mark(frame)
    luma = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (frame, marked)]
    ssim = structural_similarity(*luma, data_range=255)
    psnr = _luma_psnr(frame, marked)
    assert ssim >= SSIM_TARGET - 0.001 and psnr >= MIN_PSNR_DB - 0.1
    assert (ssim if binding == "ssim" else psnr) == pytest.approx(
        SSIM_TARGET if binding == "ssim" else MIN_PSNR_DB, abs=0.001 if binding == "ssim" else 0.1
    )
    assert np.abs(luma[0].astype(int) - luma[1]).max() <= 12


def test_luma_alone_reads_the_payload(marked: np.ndarray, key: WatermarkKey, payload: Payload):
    luma = cv2.cvtColor(marked, cv2.COLOR_RGB2GRAY)
    assert detect([luma], [key]).payload == payload


def test_wrong_key_finds_no_mark(marked: np.ndarray) -> None:
    found = detect([marked], [WatermarkKey.generate()])
    assert not found.present and found.payload is None and found.key_id is None


def test_unmarked_picture_has_no_mark(portrait: np.ndarray, key: WatermarkKey) -> None:
    assert not detect([portrait], [key]).present


def test_rotation_finds_the_key_that_marked(marked, key: WatermarkKey, payload: Payload):
    keys = [WatermarkKey.generate(), key, WatermarkKey.generate()]
    found = detect([marked], keys)
    assert found.key_id == key.key_id and found.payload == payload


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(lambda f: _jpeg(f, 75), id="jpeg75"),
        pytest.param(
            lambda f: cv2.resize(f, (384, 384), interpolation=cv2.INTER_AREA), id="scale75"
        ),
        pytest.param(lambda f: cv2.convertScaleAbs(f, alpha=1.3), id="brighter"),
    ],
)
def test_survives_common_edits_of_a_still(marked, key: WatermarkKey, payload: Payload, attack):
    found = detect([attack(marked)], [key])
    assert found.present and found.payload == payload


def test_a_cropped_still_still_names_the_clip(marked, key: WatermarkKey, payload: Payload):
    # An 80% centre crop of one busy frame: the tile shifts, and fewer copies of it remain.
    found = detect([marked[51:461, 51:461]], [key])
    assert found.present and found.payload == payload


def test_a_clip_is_read_as_a_whole(portrait: np.ndarray, key: WatermarkKey) -> None:
    payload = Payload(12345, key.key_id)
    marker = Marker(key, payload)
    frames = [marker.mark(np.roll(portrait, shift, axis=1)) for shift in range(0, 8, 2)]
    assert detect(iter(frames), [key]).frames == 4


def test_intra_frames_weigh_half_of_a_clip_however_few(portrait, key: WatermarkKey) -> None:
    # One intra frame carries a faint mark (as after re-encoding); forty predicted ones
    # (other pictures) carry none. Weighed alike they would dilute it below reading; at half
    # the weight it is read.
    payload = Payload(777, key.key_id)
    marked = Marker(key, payload, ssim=0.995).mark(portrait)
    others = [np.ascontiguousarray(np.roll(portrait, 37 * k, axis=k % 2)) for k in range(1, 41)]
    coded = [(marked, True)] + [(frame, False) for frame in others]
    assert detect(coded, [key]).payload == payload
    assert detect([frame for frame, _ in coded], [key]).payload is None


def test_large_frames_use_larger_chips_and_still_read(key: WatermarkKey, portrait) -> None:
    big = cv2.resize(portrait, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    marked = embed([big], Payload(9, key.key_id), key)[0]
    shown_small = cv2.resize(marked, (512, 512), interpolation=cv2.INTER_AREA)
    assert detect([shown_small], [key]).payload == Payload(9, key.key_id)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (np.zeros((200, 512, 3), np.uint8), "too small"),
        (np.zeros((512, 512), np.uint8), "shape"),
        (np.zeros((512, 512, 3), np.float32), "uint8"),
        ("not a frame", "uint8"),
    ],
)
def test_frames_that_cannot_be_marked_are_clear_errors(key, frame, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        Marker(key, Payload(1, key.key_id)).mark(frame)


def test_a_clip_that_starts_black_is_marked_within_budget_once_the_picture_shows(key, payload):
    # A black frame gives the fit nothing to measure, so it drives the scale to its maximum;
    # the first picture after it must be fitted again, not marked at that scale for the
    # next FIT_EVERY frames.
    from skimage import data

    picture = np.ascontiguousarray(data.astronaut())
    marker = Marker(key, payload)
    for _ in range(4):
        marker.mark(np.zeros_like(picture))
    for _ in range(8):
        assert _luma_psnr(picture, marker.mark(picture)) >= MIN_PSNR_DB - 0.2


@pytest.mark.parametrize("ssim", [0.0, 1.0, 1.5])
def test_an_impossible_visibility_target_is_a_clear_error(key: WatermarkKey, ssim: float) -> None:
    with pytest.raises(WatermarkError, match="SSIM target"):
        Marker(key, Payload(1, key.key_id), ssim=ssim)


def test_searching_bad_input_is_a_clear_error(key: WatermarkKey) -> None:
    with pytest.raises(WatermarkError, match="no frames"):
        detect([], [key])
    with pytest.raises(WatermarkError, match="no watermark keys"):
        detect([np.zeros((256, 256, 3), np.uint8)], [])
    with pytest.raises(FrameError, match="too small"):
        detect([np.zeros((64, 64, 3), np.uint8)], [key])
    with pytest.raises(FrameError, match="shape"):
        detect([np.zeros((300, 300, 4), np.uint8)], [key])
    with pytest.raises(FrameError, match="size changed"):
        detect([np.zeros((256, 256, 3), np.uint8), np.zeros((300, 256, 3), np.uint8)], [key])


def test_noise_and_flat_frames_have_no_mark(key: WatermarkKey) -> None:
    rng = np.random.default_rng(5)
    frames = [
        rng.integers(0, 256, (512, 512, 3), dtype=np.uint8),
        np.full((512, 512, 3), 128, np.uint8),
        cv2.GaussianBlur(rng.integers(0, 256, (384, 640, 3), dtype=np.uint8), (0, 0), 3),
    ]
    assert not any(detect([frame], [key]).present for frame in frames)


def test_no_payload_is_believed_under_any_of_many_keys(portrait: np.ndarray) -> None:
    # Every key's best peak gets a payload decoded; none may carry enough evidence.
    keys = [WatermarkKey(index, bytes([index]) * 32) for index in range(24)]
    found = detect([portrait], keys)
    assert not found.present and found.payload is None


def test_the_tail_factor_holds_for_sums_of_random_signs_and_no_smaller_one_would():
    # Equal weights: the sum of n signs over √n, whose tail is binomial and exact.
    for n in (1, 2, 3, 5, 10, 40, 200):
        heads = np.arange(n + 1)
        value = (2 * heads - n) / math.sqrt(n)
        tail = binom.sf(heads - 1, n, 0.5)  # P(sum ≥ value)
        assert np.all(tail <= RADEMACHER_TAIL_FACTOR * ndtr(-value) + 1e-12), n
    # Two signs reach √2 a quarter of the time: the factor is met exactly there.
    assert RADEMACHER_TAIL_FACTOR * ndtr(-math.sqrt(2.0)) == pytest.approx(0.25)


@pytest.mark.parametrize("trials", [1e6, 1e6 * 2.0**64])
def test_the_threshold_spends_half_the_rate_and_is_tighter_than_hoeffding(trials: float):
    threshold = union_threshold(trials)
    spent = trials * RADEMACHER_TAIL_FACTOR * ndtr(-threshold)
    assert spent == pytest.approx(FALSE_POSITIVE_RATE / 2, rel=1e-6)
    assert threshold < math.sqrt(2.0 * math.log(trials / (FALSE_POSITIVE_RATE / 2))) - 0.15
