"""The benchmark runner and its report (behaviour only: no timing thresholds here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gateway.bench import run_benchmarks, write_report
from gateway.bench.render import affine_baseline, run_closed_loop
from gateway.bench.report import Row, Section, Table, Timing, new_report
from gateway.bench.watermark import ATTACKS, _Ours, _Seen
from gateway.errors import GatewayError
from gateway.settings import Settings
from watermark import WatermarkKey


def _section(name: str, ms: float) -> Section:
    timing = Timing(median_s=ms / 1e3, runs=5)
    baseline = ("baseline", Timing(median_s=ms / 2e3, runs=5))
    return Section(
        name, f"Section {name}", "what it measures", [Row.timed("thing", timing, baseline)]
    )


def test_report_keeps_sections_not_rerun(tmp_path: Path) -> None:
    write_report(new_report([_section("a", 10), _section("b", 20)]), tmp_path)
    markdown, data = write_report(new_report([_section("b", 40)]), tmp_path)
    sections = json.loads(data.read_text())["sections"]
    assert [s["name"] for s in sections] == ["a", "b"]
    assert sections[1]["rows"][0]["median_ms"] == pytest.approx(40)
    assert sections[1]["rows"][0]["ratio"] == pytest.approx(2.0)
    text = markdown.read_text()
    assert "## Section a" in text and "| thing | 40.0 ms | 25.0 | 5 | 2.00× baseline |" in text
    assert "cores" in text  # the machine is named


def test_tables_are_written_as_markdown_grids(tmp_path: Path) -> None:
    grid = Table("Recovered", ["attack", "ours"], [["CRF 23", "100%"], ["CRF 35", "95%"]])
    section = Section("t", "Tables", "a grid", [], tables=[grid])
    markdown, _ = write_report(new_report([section]), tmp_path)
    text = markdown.read_text()
    assert "**Recovered**\n\n| attack | ours |\n|---|---|\n| CRF 23 | 100% |" in text


def test_watermark_attacks_change_the_clip_and_ours_reads_through_them() -> None:
    from skimage import data

    frames = [np.roll(np.ascontiguousarray(data.astronaut()), s, axis=0) for s in range(6)]
    ours = _Ours()
    ours.keys = [WatermarkKey(1, bytes(range(32)))]
    marked = ours.mark(frames, np.random.default_rng(0))
    recovered, accuracy = ours.read(_Seen(marked))
    assert recovered and accuracy > 0.95
    for attack in ATTACKS:
        attacked = attack.apply(marked)
        seen = attacked.frames
        assert seen and seen[0].dtype == np.uint8, attack.name
        assert len(seen) < len(marked) or not np.array_equal(seen[0], marked[0])
        # Ours reads the file as `talkgate watermark detect` does: luma and frame types.
        assert attacked.coded is not None and len(attacked.coded) == len(seen)
        assert attacked.coded[0].intra, attack.name
    scaled = next(a for a in ATTACKS if a.name.startswith("50%")).apply(marked)
    assert scaled.frames[0].shape == (256, 256, 3)
    # A cell counted over several keys re-marks the clip under each and reads it under that one.
    ours.keys.append(WatermarkKey(2, bytes(range(1, 33))))
    again = ours.mark(frames, np.random.default_rng(1), key=1)
    assert ours.payload.key_id == 2 and ours.read(_Seen(again))[0]
    assert ours.wrong_payloads == 0


def test_face_section_measures_against_its_baseline(settings: Settings, tmp_path: Path) -> None:
    report = run_benchmarks(settings, tmp_path, ["face"])
    rows = {row.name: row for row in report.sections[0].rows}
    assert rows["FaceLandmarker.analyse"].baseline == "YuNet detection"
    assert rows["FaceLandmarker.analyse"].ratio is not None
    assert all(row.median_ms > 0 and row.runs == 30 for row in rows.values())


def test_unknown_section_is_refused(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(GatewayError, match="unknown benchmark section"):
        run_benchmarks(settings, tmp_path, ["warp-speed"])


def test_affine_baseline_is_the_identity_when_nothing_moves(astronaut: np.ndarray) -> None:
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(0)
    points = rng.uniform(100, 400, (40, 3)).astype(np.float32)
    triangles = Delaunay(points[:, :2]).simplices
    same = affine_baseline(astronaut, points, points, triangles)
    assert np.abs(same.astype(int) - astronaut).mean() < 0.5
    moved = points.copy()
    moved[:, 0] += 6
    assert (
        np.abs(affine_baseline(astronaut, points, moved, triangles).astype(int) - astronaut).mean()
        > 1
    )


def test_closed_loop_finds_the_face_where_the_motion_put_it(
    settings: Settings, astronaut: np.ndarray
) -> None:
    from gateway.assets import asset_path
    from generator import FaceLandmarker
    from generator.face_model import build_face_model
    from generator.identity import FaceEmbedder
    from generator.motion import sweep
    from generator.render.renderer import Renderer

    short = sweep(seconds_per_axis=0.2)
    with FaceLandmarker(asset_path(settings.assets_dir, "face_landmarker")) as landmarker:
        model = build_face_model(astronaut, landmarker)
        renderer = Renderer(model)
        embedder = FaceEmbedder(
            asset_path(settings.assets_dir, "yunet"), asset_path(settings.assets_dir, "sface")
        )
        loop = run_closed_loop(renderer, short, landmarker, embedder)
    assert not np.isnan(loop.landmark_error).any()
    assert np.mean(loop.landmark_error) < 2.0
    assert np.nanmin(loop.identity) > 0.5
    assert np.nanmax(loop.outside_change) == 0


def test_the_load_run_counts_answers_and_keeps_429s_apart(
    settings: Settings, astronaut: np.ndarray, tmp_path: Path
) -> None:
    import asyncio
    import io

    from PIL import Image

    from gateway.bench.load import Caller, run_load
    from generator import AudioTrack, write_wav
    from tests.utils.gateway import PURPOSE, give_consent, live_gateway

    png = io.BytesIO()
    Image.fromarray(astronaut).save(png, "PNG")
    tone = np.sin(np.linspace(0, 2000, 16000)).astype(np.float32) * 0.3
    speech = write_wav(tmp_path / "s.wav", AudioTrack(tone, 16000)).read_bytes()
    small = settings.model_copy(
        update={"embedded_worker": False, "rate_burst": 8, "rate_per_minute": 30}
    )
    with live_gateway(small) as gateway:
        client = gateway.new_client()
        terms = {
            "consent_id": give_consent(client, png.getvalue())["id"],
            "purpose": PURPOSE,
            "voice": "synthetic",
        }
        callers = []
        for _ in range(2):
            token = client.token()
            job = client.http.post(
                "/v1/generations",
                headers={"Authorization": f"Bearer {token}"},
                files={"portrait": ("p.png", png.getvalue()), "audio": ("s.wav", speech)},
                data=terms,
            )
            assert job.status_code == 202, job.text
            callers.append(Caller(token, job.json()["id"]))
        result = asyncio.run(run_load(gateway.url, callers, png.getvalue(), 2.0, verify_every=2))
    assert result.errors == 0
    assert result.statuses["status"][200] > 0 and result.statuses["verify"][200] > 0
    # One address and one client share buckets of 8 (room to record the consent first),
    # refilled every 2 s: the limit answered.
    assert sum(counts[429] for counts in result.statuses.values()) > 0
