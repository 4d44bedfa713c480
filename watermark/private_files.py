"""Secret files: created readable by their owner only (0600), never overwritten, and refused
when someone else can read them. Watermark keys and signing keys live in such files, and so
do the gateway's token and audit keys (``error`` is the caller's own exception type).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def write_private(path: Path, data: bytes, error: type[Exception]) -> Path:
    """Create ``path`` (and its folder) with mode 0600 and write ``data``; never overwrites.

    Raises:
        error: the file exists already or cannot be created.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise error(f"{path} exists already; a secret is never overwritten") from exc
    except OSError as exc:
        raise error(f"cannot create {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def read_private(path: Path, error: type[Exception]) -> bytes:
    """The bytes of a secret file that only its owner can read.

    Raises:
        error: missing, unreadable, or readable by group or others.
    """
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise error(
            f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}); "
            f"run `chmod 600 {path}`"
        )
    return data
