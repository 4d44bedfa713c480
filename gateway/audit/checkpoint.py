"""Signed tree heads: the log's size and root hash, signed with the deployment's Ed25519 key.

The signed body follows the C2SP checkpoint layout (origin, size, base64 root, one per
line), so a head reads the same to a person and to a verifier:

    talkgate.audit/3f2a9c0d5e7b1a48
    1042
    q1yQ1s3fS2r3…=
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gateway.errors import AuditError
from watermark.private_files import read_private, write_private


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the log named ``origin`` had ``tree_size`` leaves with this
    ``root_hash``."""

    origin: str
    tree_size: int
    root_hash: bytes
    signature: bytes

    def body(self) -> bytes:
        """The bytes the signature covers."""
        return checkpoint_body(self.origin, self.tree_size, self.root_hash)

    def to_json(self) -> dict[str, object]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "signature": base64.b64encode(self.signature).decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Checkpoint:
        """Raises: AuditError: a field is missing or malformed."""
        try:
            return cls(
                str(data["origin"]),
                int(str(data["tree_size"])),
                bytes.fromhex(str(data["root_hash"])),
                base64.b64decode(str(data["signature"]), validate=True),
            )
        except (KeyError, ValueError) as exc:
            raise AuditError(f"not a talkgate checkpoint: {exc}") from exc


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes) -> bytes:
    return f"{origin}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n".encode()


class CheckpointSigner:
    """The deployment's audit key: signs tree heads, and says how to check them."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key()
        #: The log's name in every head: fixed by its key, so moving the gateway to another
        #: address does not change what was signed.
        self.origin = f"talkgate.audit/{self.key_id}"

    @classmethod
    def load_or_create(cls, path: Path) -> CheckpointSigner:
        """The Ed25519 key in ``path`` (0600), made there on first use.

        Raises:
            AuditError: the file is unreadable, readable by others, or not an Ed25519 key.
        """
        if not path.exists():
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            write_private(path, pem, AuditError)
            return cls(key)
        loaded = serialization.load_pem_private_key(read_private(path, AuditError), None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise AuditError(f"{path} does not hold an Ed25519 private key")
        return cls(loaded)

    def sign(self, tree_size: int, root_hash: bytes) -> Checkpoint:
        body = checkpoint_body(self.origin, tree_size, root_hash)
        return Checkpoint(self.origin, tree_size, root_hash, self._key.sign(body))

    def public_key_pem(self) -> str:
        return public_key_pem(self.public_key)

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw public key."""
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """Raises: AuditError: not an Ed25519 public key in PEM."""
    try:
        key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except ValueError as exc:
        raise AuditError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise AuditError("the audit key must be Ed25519")
    return key


def verify_checkpoint(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> None:
    """Raises: AuditError: the signature does not match the checkpoint under this key."""
    try:
        public_key.verify(checkpoint.signature, checkpoint.body())
    except InvalidSignature as exc:
        raise AuditError(
            f"the tree head for size {checkpoint.tree_size} is not signed by the audit key"
        ) from exc


def save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically (the witness copy outside the DB)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}-", delete=False
    ) as incoming:
        incoming.write(json.dumps(checkpoint.to_json(), indent=2) + "\n")
    os.replace(incoming.name, path)


def load_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint saved at ``path``, or None when there is none yet.

    Raises:
        AuditError: the file is not a checkpoint.
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return Checkpoint.from_json(json.loads(text))
    except json.JSONDecodeError as exc:
        raise AuditError(f"{path} is not a checkpoint: {exc}") from exc
