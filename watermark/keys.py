"""Watermark keys: a 16-bit public key ID and a 256-bit secret, kept in 0600 JSON files.

The secret seeds everything an attacker must not know: where the sync and payload chips sit
in the tile and their signs. The key ID travels inside the payload so a reader that tries
several keys (rotation) can tell which one marked a clip.

    >>> key = WatermarkKey.generate()
    >>> key.rng("layout").integers(2) in (0, 1)
    True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from watermark.errors import KeyFileError
from watermark.private_files import read_private, write_private

KEY_FORMAT = "talkgate.watermark-key/1"
SECRET_BYTES = 32
MAX_KEY_ID = 0xFFFF


@dataclass(frozen=True, repr=False)
class WatermarkKey:
    """A deployment's watermark key. ``repr`` never shows the secret."""

    key_id: int
    secret: bytes

    def __post_init__(self) -> None:
        if not 0 <= self.key_id <= MAX_KEY_ID:
            raise KeyFileError(f"key ID {self.key_id} is outside 0..{MAX_KEY_ID}")
        if len(self.secret) != SECRET_BYTES:
            raise KeyFileError(f"a key secret is {SECRET_BYTES} bytes, not {len(self.secret)}")

    def __repr__(self) -> str:
        return f"WatermarkKey(key_id={self.key_id})"

    @classmethod
    def generate(cls, key_id: int | None = None) -> WatermarkKey:
        """A fresh key from the OS's CSPRNG; a random key ID unless one is given."""
        if key_id is None:
            key_id = secrets.randbelow(MAX_KEY_ID + 1)
        return cls(key_id, secrets.token_bytes(SECRET_BYTES))

    def rng(self, label: str) -> np.random.Generator:
        """A generator seeded by HMAC-SHA256(secret, label): one independent stream per use."""
        digest = hmac.new(self.secret, label.encode(), hashlib.sha256).digest()
        return np.random.default_rng(np.frombuffer(digest, dtype=np.uint32))


def save_key(key: WatermarkKey, path: str | Path) -> Path:
    """Write ``key`` to a new file readable by its owner only (0600); never overwrites.

    Raises:
        KeyFileError: the file exists or cannot be created.
    """
    document = {
        "format": KEY_FORMAT,
        "key_id": key.key_id,
        "secret": base64.b64encode(key.secret).decode(),
    }
    return write_private(Path(path), (json.dumps(document, indent=2) + "\n").encode(), KeyFileError)


def load_key(path: str | Path) -> WatermarkKey:
    """Read a key file written by :func:`save_key`.

    Raises:
        KeyFileError: missing, unreadable, not a talkgate key, or readable by others.
    """
    path = Path(path)
    text = read_private(path, KeyFileError)
    try:
        document = json.loads(text)
        if document.get("format") != KEY_FORMAT:
            raise ValueError(f"format is {document.get('format')!r}, not {KEY_FORMAT!r}")
        secret = base64.b64decode(document["secret"], validate=True)
        return WatermarkKey(int(document["key_id"]), secret)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise KeyFileError(f"{path} is not a talkgate watermark key: {exc}") from exc


def load_or_create_key(path: str | Path) -> WatermarkKey:
    """The key at ``path``, made on first use (the development default under the data dir)."""
    path = Path(path)
    if not path.exists():
        save_key(WatermarkKey.generate(), path)
    return load_key(path)
