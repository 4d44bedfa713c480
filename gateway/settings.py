"""Every setting talkgate reads, in one place (environment variables prefixed ``TALKGATE_``).

Documented in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, computed_field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Deployment settings, read from ``TALKGATE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="TALKGATE_", frozen=True)

    home: Path = Field(
        default=Path("var"),
        description="Data directory: model assets, fetched data sets, outputs, keys.",
    )

    c2pa_chain: Path | None = Field(
        default=None,
        description="PEM chain of the production C2PA signing certificate, signing "
        "certificate first; used with c2pa_key or c2pa_sign_callback.",
    )
    c2pa_key: Path | None = Field(
        default=None, description="PEM EC P-256 private key of c2pa_chain (a 0600 file)."
    )
    c2pa_sign_callback: str | None = Field(
        default=None,
        description="`module:function` that signs for c2pa_chain with a KMS or HSM: "
        "bytes in, DER ECDSA P-256 SHA-256 signature out.",
    )
    c2pa_trust_anchors: Path | None = Field(
        default=None,
        description="PEM bundle of the roots whose clips read as Trusted "
        "(default: the development CA under keys/).",
    )

    @field_validator("home")
    @classmethod
    def _absolute(cls, home: Path) -> Path:
        # Resolve once, so a later chdir cannot move the data directory.
        return home.expanduser().resolve()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def assets_dir(self) -> Path:
        """Model files unpacked from PyPI packages (``talkgate assets``)."""
        return self.home / "assets"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def data_dir(self) -> Path:
        """Real data sets fetched from package registries (``talkgate data fetch``)."""
        return self.home / "data"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def keys_dir(self) -> Path:
        """Secrets made on first run for development (watermark key, C2PA CA and signer)."""
        return self.home / "keys"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def watermark_key_path(self) -> Path:
        """The deployment's watermark key, made on first use when missing."""
        return self.keys_dir / "watermark.json"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outputs_dir(self) -> Path:
        """Files the demo and local commands write for people to look at."""
        return self.home / "outputs"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings`` instead."""
    return Settings()
