"""The ES256 keys that sign access tokens, with rotation.

Each key is a 0600 PEM file under ``keys/tokens/``, named ``<serial>-<kid>.pem``; the highest
serial signs new tokens. The JWKS publishes the newest ``PUBLISHED`` keys, so tokens signed
just before a rotation keep working until they expire (they live 15 minutes at most).
"""

from __future__ import annotations

from pathlib import Path

from joserfc.jwk import ECKey, KeySet

from gateway.errors import TokenKeyError
from watermark.private_files import read_private, write_private

#: Keys in the JWKS: the signing key and the one before it.
PUBLISHED = 2


class TokenKeys:
    """The key ring in ``folder``: the newest key signs, the published ones verify."""

    def __init__(self, folder: Path, keys: list[ECKey]) -> None:
        self.folder = folder
        self._keys = keys
        self._published: KeySet | None = None

    @classmethod
    def load_or_create(cls, folder: Path) -> TokenKeys:
        """Load every key in ``folder``, making the first one when there is none.

        Raises:
            TokenKeyError: a key file is unreadable, readable by others, or not EC P-256.
        """
        paths = sorted(folder.glob("*.pem")) if folder.is_dir() else []
        keys = [_load(path) for path in paths]
        ring = cls(folder, keys)
        if not keys:
            ring.rotate()
        return ring

    def rotate(self) -> str:
        """Make a new signing key; returns its ``kid``. The previous key stays published."""
        key = ECKey.generate_key("P-256", private=True)
        kid = key.thumbprint()
        serial = len(self._keys) + 1
        write_private(
            self.folder / f"{serial:04d}-{kid}.pem", key.as_pem(private=True), TokenKeyError
        )
        self._keys.append(_with_kid(key.as_pem(private=True), kid))
        self._published = None
        return kid

    @property
    def signing_key(self) -> ECKey:
        return self._keys[-1]

    def signing_set(self) -> KeySet:
        """The signing key alone (a set, so joserfc writes its ``kid`` into the header)."""
        return KeySet([self.signing_key])

    def verification_set(self) -> KeySet:
        """The published public keys; a token signed by any other key is refused."""
        return KeySet(
            [_with_kid(key.as_pem(private=False), key.kid or "") for key in self._keys[-PUBLISHED:]]
        )

    def jwks(self) -> dict[str, object]:
        """The public JWKS document, newest key first."""
        keys = [key.as_dict(private=False) for key in reversed(self._keys[-PUBLISHED:])]
        return {"keys": keys}


def _with_kid(pem: bytes, kid: str) -> ECKey:
    return ECKey.import_key(pem, {"kid": kid, "use": "sig", "alg": "ES256"})


def _load(path: Path) -> ECKey:
    data = read_private(path, TokenKeyError)
    try:
        key = ECKey.import_key(data)
    except ValueError as exc:
        raise TokenKeyError(f"{path} is not an EC private key: {exc}") from exc
    if key.curve_name != "P-256" or not key.is_private:
        raise TokenKeyError(f"{path} must hold an EC P-256 private key")
    return _with_kid(data, key.thumbprint())
