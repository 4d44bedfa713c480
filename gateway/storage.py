"""Content-addressed artifacts: every portrait, audio file, clip and manifest is stored once,
under its SHA-256, in the data directory. The DB holds digests; partners never see paths.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from gateway.errors import ArtifactMissing

_CHUNK = 1 << 20


class ArtifactStore:
    """A directory of files named by their SHA-256 (``ab/cdef…``), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        """Where the artifact ``sha256`` lives.

        Raises:
            ArtifactMissing: it is not in the store (or the digest is malformed).
        """
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ArtifactMissing(f"not an artifact digest: {sha256!r}")
        path = self.root / sha256[:2] / sha256[2:]
        if not path.is_file():
            raise ArtifactMissing(f"artifact {sha256} is missing from {self.root}")
        return path

    def put_stream(self, stream: BinaryIO, limit: int | None = None) -> tuple[str, int]:
        """Store what ``stream`` holds; returns its SHA-256 and size. Storing the same bytes
        twice keeps one file.

        Raises:
            ValueError: the stream holds more than ``limit`` bytes (nothing is kept).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".incoming-", delete=False) as tmp:
            try:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise ValueError(f"more than {limit} bytes")
                    digest.update(chunk)
                    tmp.write(chunk)
            except BaseException:
                tmp.close()
                os.unlink(tmp.name)
                raise
        return self._settle(Path(tmp.name), digest.hexdigest()), size

    def put_file(self, path: Path) -> tuple[str, int]:
        """Store a copy of the file at ``path``; returns its SHA-256 and size."""
        with path.open("rb") as stream:
            return self.put_stream(stream)

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; returns its SHA-256."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".incoming-", delete=False) as tmp:
            tmp.write(data)
        return self._settle(Path(tmp.name), hashlib.sha256(data).hexdigest())

    def _settle(self, incoming: Path, sha256: str) -> str:
        target = self.root / sha256[:2] / sha256[2:]
        target.parent.mkdir(exist_ok=True)
        os.chmod(incoming, 0o644)
        # Same name, same bytes: replacing an existing copy is harmless and atomic.
        os.replace(incoming, target)
        return sha256
