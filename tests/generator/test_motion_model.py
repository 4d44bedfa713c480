"""MotionDiT: the network, its training loop, the committed weights and sampling with them."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from generator import GeneratorError, MediaError, WeightsMismatch, read_audio
from generator.controls import Controls
from generator.io import AudioTrack
from generator.motion import LIMITS, MOTION_AXES
from generator.motion_model.card import DEFAULT_CARD, load_model, read_card, save_model
from generator.motion_model.config import CONDITIONS, MOTION_MODELS, TrainingRecipe
from generator.motion_model.dataset import MotionCorpus, controlled, random_controls
from generator.motion_model.generate import MotionGenerator, finish, sampling_card
from generator.motion_model.metrics import aperture
from generator.motion_model.model import MotionDiT
from generator.motion_model.train import train
from generator.speech import Espeak
from generator.speech.targets import apply_controls


@pytest.fixture(scope="module")
def speaker(assets_dir: Path) -> MotionGenerator:
    return MotionGenerator.from_card(encoder_dir=assets_dir / "whisper_tiny_en")


@pytest.fixture(scope="module")
def speech() -> AudioTrack:
    said = Espeak().speak(
        "Bob and Pam made a map of the old palace. Then they went home by the river, "
        "where the boats were moored for the winter.",
        voice="en-us+f2",
        rate=150,
    )
    from generator.speech.corpus import to_speech_rate

    return to_speech_rate(said.audio.samples, said.audio.sample_rate)


def test_the_network_maps_a_window_to_a_window() -> None:
    config = MOTION_MODELS["MotionDiT-XS"]
    model = MotionDiT(config)
    batch = 3
    out = model(
        torch.randn(batch, config.window, config.motion_size),
        torch.rand(batch),
        torch.randn(batch, config.prefix + config.window, config.audio_size),
        torch.randn(batch, config.prefix, config.motion_size),
        torch.randn(batch, config.control_size),
        torch.ones(batch, len(CONDITIONS), dtype=torch.bool),
    )
    assert out.shape == (batch, config.window, config.motion_size)
    assert torch.count_nonzero(out) == 0  # adaLN-Zero: an untrained network predicts zero


def test_batched_controls_match_the_authored_ones() -> None:
    generator = torch.Generator().manual_seed(0)
    vectors = random_controls(4, generator)
    base = np.random.default_rng(0).uniform(0, 0.6, (4, 30, len(MOTION_AXES))).astype(np.float32)
    batched = controlled(torch.from_numpy(base), vectors).numpy()
    for row, vector in enumerate(vectors.numpy()):
        emotion = int(np.argmax(vector[3:])) if vector[3:].max() > 0 else 0
        from generator.controls import EMOTION_NAMES

        controls = Controls(
            (float(vector[0] * 20), float(vector[1] * 20)),
            float(1 + vector[2] / 10),
            EMOTION_NAMES[emotion],
            float(vector[3:].max()),
        )
        np.testing.assert_allclose(batched[row], apply_controls(base[row], controls), atol=1e-5)


def _denoising_error(model: MotionDiT, features: np.ndarray, targets: np.ndarray) -> float:
    """Mean squared error of the clean prediction for the first window, half-noised."""
    from generator.motion_model.diffusion import add_noise

    config = model.config
    span = config.prefix + config.window
    motion = (torch.from_numpy(targets[None, :span]) - model.motion_mean) / model.motion_std
    audio = torch.from_numpy(features[None, :span].astype(np.float32))
    audio = (audio - model.audio_mean) / model.audio_std
    clean = motion[:, config.prefix :]
    t = torch.full((1,), 0.5)
    noisy = add_noise(
        clean, t, torch.randn(clean.shape, generator=torch.Generator().manual_seed(0))
    )
    keep = torch.ones(1, len(CONDITIONS), dtype=torch.bool)
    with torch.no_grad():
        predicted = model.eval()(
            noisy,
            t,
            audio,
            motion[:, : config.prefix],
            torch.from_numpy(Controls().vector()[None]),
            keep,
        )
    return float(((predicted - clean) ** 2).mean())


def test_training_from_scratch_lowers_the_loss_and_saves_a_card(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frames = 200
    features = rng.normal(size=(frames, 384)).astype(np.float16)
    mouth = (features[:, :1].astype(np.float32) > 0).astype(np.float32)  # audio says open/shut
    targets = np.zeros((frames, len(MOTION_AXES)), np.float32)
    targets[:, 0] = mouth[:, 0]
    targets[:, -1] = 1.0
    corpus = MotionCorpus([features] * 4, [targets] * 4, ["a", "b", "c", "d"])
    losses: list[float] = []
    recipe = TrainingRecipe(steps=60, batch=8, warmup=10, learning_rate=1e-3, ema=0.9)
    model = train(corpus, recipe, on_step=lambda step, loss: losses.append(loss))
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    # The weights returned are the moving average; they must have learnt too: their clean
    # prediction beats an untrained network's with the same normalisation.
    untrained = MotionDiT(model.config)
    untrained.load_state_dict(
        {k: v for k, v in model.state_dict().items() if k.endswith(("_mean", "_std"))},
        strict=False,
    )
    assert _denoising_error(model, features, targets) < 0.7 * _denoising_error(
        untrained, features, targets
    )
    card = tmp_path / "tiny.json"
    save_model(model, card, {"model": "MotionDiT-XS", "recipe": vars(recipe)})
    for written in (card, card.with_suffix(".safetensors")):  # readable by a serving user
        assert written.stat().st_mode & 0o777 == 0o644
    reloaded = load_model(card)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, reloaded.state_dict()[name]), name


def test_altered_or_missing_weights_are_refused(tmp_path: Path) -> None:
    card = tmp_path / DEFAULT_CARD.name
    shutil.copy(DEFAULT_CARD, card)
    weights = tmp_path / read_card(DEFAULT_CARD)["weights"]
    with pytest.raises(WeightsMismatch, match="missing"):
        load_model(card)
    data = bytearray(DEFAULT_CARD.with_suffix(".safetensors").read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsMismatch, match="SHA-256"):
        load_model(card)
    with pytest.raises(WeightsMismatch, match="cannot read"):
        load_model(tmp_path / "absent.json")


def test_the_committed_card_says_how_to_reproduce_it() -> None:
    card = json.loads(DEFAULT_CARD.read_text())
    assert card["command"].startswith("talkgate train motion")
    assert {"seed", "steps", "batch"} <= set(card["recipe"])
    assert card["held_out"]["held_out_espeak_voices"]["recordings"] > 0
    # How generate samples, written by the training run: a change to the sampler's defaults
    # must re-judge the card.
    assert card["sampling"] == sampling_card(load_model())
    assert DEFAULT_CARD.with_suffix(".safetensors").stat().st_size < 25_000_000


def test_a_seed_fixes_the_motion(speaker: MotionGenerator, speech: AudioTrack) -> None:
    a = speaker.motion(speech, seed=7).values
    b = speaker.motion(speech, seed=7).values
    c = speaker.motion(speech, seed=8).values
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert len(a) == int(np.ceil(speech.duration_s * 25))


def test_windows_join_without_a_jump(speaker: MotionGenerator, speech: AudioTrack) -> None:
    """Windows are cross-faded into each other: on average, motion changes no more across a
    seam than between frames inside a window (without the fade it changed 3.4 times more)."""
    longer = AudioTrack(np.tile(speech.samples, 3), speech.sample_rate)
    features = speaker.encoder.features(longer)
    chunks = list(speaker.sampler.stream(features, Controls().vector(), seed=1))
    values = np.concatenate(chunks)
    seams = np.cumsum([len(c) for c in chunks])[:-1] - 1  # the change into each new chunk
    assert len(seams) >= 8
    change = np.abs(np.diff(values, axis=0))  # (T-1, 24)
    inside = np.delete(change, seams, axis=0)
    scale = inside.mean(axis=0) + 1e-6  # each axis in units of its typical change
    assert (change[seams] / scale).mean() < 2.5 * (inside / scale).mean()  # 1.1–1.8 here


def test_finishing_streams_exactly_as_a_whole() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(237, len(MOTION_AXES))).astype(np.float32)
    blinks = [MOTION_AXES.index("blink_left"), MOTION_AXES.index("blink_right")]
    values[:, blinks] = np.abs(values[:, blinks]) * 0.3  # twitches, some past the blink level
    whole = np.concatenate(list(finish(iter([values]))))
    assert whole[:, blinks].max() == 1.0  # blinks were redrawn
    for size in (1, 7, 40):
        chunks = [values[i : i + size] for i in range(0, len(values), size)]
        np.testing.assert_array_equal(np.concatenate(list(finish(iter(chunks)))), whole)
    head = slice(MOTION_AXES.index("head_yaw"), MOTION_AXES.index("head_scale") + 1)
    assert (
        np.abs(np.diff(whole[:, head], axis=0)).mean()
        < 0.5 * np.abs(np.diff(values[:, head], axis=0)).mean()
    )
    rest = [i for i in range(16) if i not in blinks]
    np.testing.assert_array_equal(whole[:, rest], values[:, rest])  # the face is left alone


def test_the_mouth_moves_with_speech_and_rests_in_silence(
    speaker: MotionGenerator, speech: AudioTrack
) -> None:
    """Speech moves the mouth; where no one speaks (silence, or music Whisper hears no words
    in) it rests at the emotion's own shape, while the eyes and head keep moving."""
    pause = np.zeros(3 * 16_000, np.float32)
    framed = AudioTrack(np.concatenate([pause, speech.samples, pause]), 16_000)
    motion = speaker.motion(framed)
    mouth = aperture(motion.values)
    assert mouth[:50].max() == 0.0 and mouth[-50:].max() == 0.0  # 2 s into each pause
    assert mouth[75:-75].max() > 0.5  # the speech between
    happy = speaker.motion(AudioTrack(pause, 16_000), Controls(emotion="happy", intensity=1.0))
    smile = happy.values[:, happy.index("smile_left")]
    assert aperture(happy.values).max() == 0.0 and smile.mean() > 0.3  # the smile stays
    head = motion.values[:50, motion.index("head_yaw")]
    assert head.std() > 0.05  # still alive
    t = np.arange(4 * 16_000) / 16_000
    chord = sum(np.sin(2 * np.pi * hz * t) for hz in (220.0, 277.2, 329.6))  # music, no words
    played = speaker.motion(AudioTrack((0.1 * chord).astype(np.float32), 16_000))
    assert aperture(played.values).max() == 0.0


def test_noise_music_and_extreme_controls_stay_near_the_renderer_range(
    speaker: MotionGenerator, speech: AudioTrack
) -> None:
    """The sampler's own output (before the clip to the renderer's limits) stays within a
    tenth of each axis's span of its range, for audio it never heard the like of."""
    rng = np.random.default_rng(0)
    noise = AudioTrack(rng.uniform(-1, 1, 32_000).astype(np.float32), 16_000)
    t = np.arange(64_000) / 16_000
    music = np.sum([np.sin(2 * np.pi * f * t) for f in (220, 277, 330)], axis=0) / 4
    extreme = Controls(gaze=(20, -12), distance=1.2, emotion="angry", intensity=1).vector()
    for audio in (noise, AudioTrack(music.astype(np.float32), 16_000), speech):
        features = speaker.encoder.features(audio)
        raw = np.concatenate(list(speaker.sampler.stream(features, extreme, seed=0)))
        for column, axis in enumerate(MOTION_AXES):
            low, high = LIMITS[axis]
            slack = 0.1 * (high - low)
            assert low - slack <= raw[:, column].min(), axis
            assert raw[:, column].max() <= high + slack, axis


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".mp3", ".ogg", ".m4a"])
def test_any_format_rate_and_channel_count_is_heard(
    speaker: MotionGenerator, speech: AudioTrack, tmp_path: Path, suffix: str
) -> None:
    import av

    stereo = np.stack([speech.samples, 0.5 * speech.samples])
    path = tmp_path / f"speech{suffix}"
    codec, rate = {
        ".wav": ("pcm_s16le", 44_100),
        ".flac": ("flac", 44_100),
        ".mp3": ("libmp3lame", 44_100),
        ".ogg": ("libopus", 48_000),
        ".m4a": ("aac", 44_100),
    }[suffix]
    from scipy.signal import resample_poly

    resampled = resample_poly(stereo, rate // 100, 160, axis=1).astype(np.float32)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(resampled, format="fltp", layout="stereo")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    heard = read_audio(path)
    motion = speaker.motion(heard)
    assert abs(len(motion) - speech.duration_s * 25) <= 3


def test_empty_corrupt_and_overlong_audio_are_refused(
    speaker: MotionGenerator, tmp_path: Path
) -> None:
    with pytest.raises(GeneratorError, match="empty"):
        speaker.motion(AudioTrack(np.zeros(0, np.float32), 16_000))
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    with pytest.raises(MediaError):
        read_audio(corrupt)
    eleven_minutes = AudioTrack(np.zeros(11 * 60 * 16_000, np.float32), 16_000)
    with pytest.raises(GeneratorError, match="10 minutes"):
        speaker.motion(eleven_minutes)


def test_motion_streams_window_by_window(speaker: MotionGenerator, speech: AudioTrack) -> None:
    chunks = list(speaker.stream(speech, seed=0))
    assert len(chunks) >= 3 and len(chunks[0]) < speaker.sampler.model.config.window
    assert sum(len(c) for c in chunks) == int(np.ceil(speech.duration_s * 25))


def test_another_speech_encoder_is_refused(assets_dir: Path, tmp_path: Path) -> None:
    """The model hears through the exact encoder it was trained with; the card says which."""
    card = json.loads(DEFAULT_CARD.read_text())
    assert card["speech_encoder"]["asset"] == "whisper_tiny_en"
    MotionGenerator.from_card(encoder_dir=assets_dir / "whisper_tiny_en")  # the right one
    card["speech_encoder"]["sha256"] = "0" * 64
    other = tmp_path / DEFAULT_CARD.name
    other.write_text(json.dumps(card))
    shutil.copy(DEFAULT_CARD.with_suffix(".safetensors"), tmp_path)
    with pytest.raises(WeightsMismatch, match="speech encoder"):
        MotionGenerator.from_card(other, encoder_dir=assets_dir / "whisper_tiny_en")


def test_a_model_trained_on_other_speech_features_is_refused(speaker: MotionGenerator) -> None:
    config = replace(speaker.sampler.model.config, audio_size=384)  # Whisper's last layer only
    with pytest.raises(WeightsMismatch, match="384 speech features a frame"):
        MotionGenerator(MotionDiT(config), speaker.encoder)
