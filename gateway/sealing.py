"""Biometric embeddings sealed at rest with AES-256-GCM under the deployment's key.

The key lives in ``keys/biometrics.key`` (0600, made on first use), apart from the database,
so a copy of the database alone reveals no face or voice. Each sealed value is bound to the
row it belongs to (the associated data), so a sealed embedding moved to another consent
fails to open rather than vouching for the wrong person.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.errors import GatewayError

_NONCE = 12


class SealingError(GatewayError):
    """The biometrics key is unusable, or a sealed value was altered or moved."""

    hint = "keys/biometrics.key must be the 32-byte key this deployment made; restore it."


class Sealer:
    """Seals and opens float32 embeddings."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SealingError("the biometrics key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def load_or_create(cls, path: Path) -> Sealer:
        """The key at ``path``, made (0600) if there is none.

        Raises:
            SealingError: the file exists but is not a 32-byte key.
        """
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(secrets.token_bytes(32))
        return cls(path.read_bytes())

    def seal(self, embedding: np.ndarray, owner: str) -> bytes:
        """Encrypt ``embedding`` for the row ``owner``: nonce + ciphertext + tag."""
        nonce = secrets.token_bytes(_NONCE)
        data = np.asarray(embedding, np.float32).tobytes()
        return nonce + self._aead.encrypt(nonce, data, owner.encode())

    def open(self, sealed: bytes, owner: str) -> np.ndarray:
        """The embedding sealed for ``owner``.

        Raises:
            SealingError: wrong key, wrong owner, or altered bytes.
        """
        try:
            data = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], owner.encode())
        except InvalidTag as exc:
            raise SealingError(f"the sealed embedding of {owner} does not open") from exc
        return np.frombuffer(data, np.float32).copy()
