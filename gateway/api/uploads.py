"""Uploads: streamed to disk under the deployment's size limit, never held in memory whole."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import UploadFile

from gateway.errors import TooLarge
from gateway.services import Services

_CHUNK = 1 << 20


def store_upload(services: Services, upload: UploadFile, what: str) -> tuple[str, Path]:
    """Put ``upload`` in the artifact store; returns its SHA-256 and path.

    Raises:
        TooLarge: it is over ``max_upload_bytes``.
    """
    limit = services.settings.max_upload_bytes
    if upload.size is not None and upload.size > limit:
        raise TooLarge(f"the {what} is {upload.size} bytes; the limit is {limit}")
    try:
        sha256, _ = services.artifacts.put_stream(upload.file, limit)
    except ValueError as exc:
        raise TooLarge(f"the {what} is over the {limit}-byte limit") from exc
    return sha256, services.artifacts.path_of(sha256)


def save_upload(services: Services, upload: UploadFile, target: Path, what: str) -> Path:
    """Write ``upload`` to ``target`` (outside the artifact store: media kept for a limited
    time, such as consent recordings).

    Raises:
        TooLarge: it is over ``max_upload_bytes`` (nothing is kept).
    """
    limit = services.settings.max_upload_bytes
    written = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                out.close()
                target.unlink()
                raise TooLarge(f"the {what} is over the {limit}-byte limit")
            out.write(chunk)
    return target


def scratch_dir(services: Services, name: str) -> Path:
    """A fresh working folder under the data directory (the caller removes it)."""
    folder = services.settings.home / "work" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
