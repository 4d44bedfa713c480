"""Shared fixtures: settings on a temporary data directory, verified model assets,
throwaway PostgreSQL and Redis servers, and the ``gpu`` skip."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gateway import assets
from gateway.settings import Settings
from generator import FaceLandmarker
from generator.face_model import FaceModel, build_face_model
from tests.utils import servers

pytest_plugins = ["pytester"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``gpu`` tests cleanly on machines without CUDA."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU; none is available")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    """The project's verified model assets (fetched by `make test` before pytest runs)."""
    directory = Settings().assets_dir
    bad = [s for s in assets.check(directory) if s.state is not assets.AssetState.OK]
    if bad:
        pytest.fail(
            f"model assets not ready in {directory}; run `make test` (or `talkgate assets`)"
        )
    return directory


@pytest.fixture
def settings(tmp_path: Path, assets_dir: Path) -> Settings:
    """Settings on an empty temporary data directory that shares the verified assets."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "assets").symlink_to(assets_dir, target_is_directory=True)
    return Settings(home=home)


@pytest.fixture
def copied_assets(tmp_path: Path, assets_dir: Path) -> Path:
    """A private copy of the small model assets, safe to damage (Whisper is left out)."""
    target = tmp_path / "assets"
    for name in ("face_landmarker", "yunet", "sface"):
        shutil.copytree(assets_dir / name, target / name)
    return target


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """The demo portrait: one frontal face, 512×512 RGB."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def landmarker(assets_dir: Path) -> Iterator[FaceLandmarker]:
    """MediaPipe's face landmarker (without YuNet), shared by the session."""
    with FaceLandmarker(assets_dir / "face_landmarker" / "face_landmarker.task") as model:
        yield model


@pytest.fixture(scope="session")
def astronaut_model(landmarker: FaceLandmarker, astronaut: np.ndarray) -> FaceModel:
    """The demo portrait's face model at 512×512."""
    return build_face_model(astronaut, landmarker)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster for the session."""
    with servers.postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server for the session."""
    with servers.redis_server() as url:
        yield url
