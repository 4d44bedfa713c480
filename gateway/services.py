"""Everything a running gateway holds, built once from settings: the database, the artifact
store, the audit log, the token keys, the watermark key, the C2PA signer, the policy rules,
the biometrics key and the analysis models (these load on first use).

Loading them all up front means a misconfigured key or database stops `talkgate serve` at
start, with its message, instead of failing the first partner's request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.analysis.models import Analysers
from gateway.analysis.recording import RecordingAnalyser
from gateway.audit.checkpoint import CheckpointSigner
from gateway.audit.log import AuditLog
from gateway.auth.keys import TokenKeys
from gateway.auth.server import TokenServer
from gateway.auth.tokens import TokenValidator
from gateway.db import Database
from gateway.errors import RulesError
from gateway.provenance import signing_credentials, trust_anchors
from gateway.ratelimit import RateLimiter
from gateway.sealing import Sealer
from gateway.settings import Settings
from gateway.storage import ArtifactStore
from gateway.tables import Partner
from policy import PolicyError, Rules, load_rules
from watermark import SigningCredentials, WatermarkKey, load_or_create_key


@dataclass
class Services:
    settings: Settings
    db: Database
    artifacts: ArtifactStore
    audit: AuditLog
    token_keys: TokenKeys
    tokens: TokenValidator
    token_server: TokenServer
    watermark_key: WatermarkKey
    credentials: SigningCredentials
    trust_anchors: str | None
    rate_limiter: RateLimiter
    rules: Rules
    sealer: Sealer
    analysers: Analysers
    recordings: RecordingAnalyser

    @property
    def issuer(self) -> str:
        return issuer(self.settings)

    def close(self) -> None:
        self.analysers.close()
        self.db.close()


def issuer(settings: Settings) -> str:
    """Who issues access tokens: this gateway, by its external address."""
    return settings.public_url.rstrip("/")


def audience(settings: Settings) -> str:
    """Who access tokens are for: this gateway's API."""
    return issuer(settings) + "/v1"


def open_audit_log(settings: Settings) -> AuditLog:
    """The audit log, signing with the deployment's Ed25519 key (made on first use).

    Raises:
        AuditError: the audit key is unusable.
    """
    signer = CheckpointSigner.load_or_create(settings.keys_dir / "audit-ed25519.pem")
    return AuditLog(signer, settings.audit_checkpoint_path)


def _rules(settings: Settings) -> Rules:
    try:
        return load_rules(settings.policy_rules)
    except PolicyError as exc:
        raise RulesError(str(exc)) from exc


def build_services(settings: Settings) -> Services:
    """Open the database (migrating it) and load every key.

    Raises:
        DatabaseError, AuditError, TokenKeyError, WatermarkError, SealingError, RulesError:
            something is unusable.
    """
    db = Database.open(settings)
    watermark_key = load_or_create_key(settings.watermark_key_path)
    analysers = Analysers(settings)
    audit = open_audit_log(settings)
    keys = TokenKeys.load_or_create(settings.keys_dir / "tokens")

    def on_issued(partner: Partner, token: dict[str, Any]) -> None:
        with db.session() as session:
            audit.commit(
                session,
                {
                    "type": "token.issued",
                    "client_id": partner.client_id,
                    "partner_id": partner.id,
                    "scope": token.get("scope", ""),
                    "expires_in": token.get("expires_in"),
                },
            )

    return Services(
        settings=settings,
        db=db,
        artifacts=ArtifactStore(settings.artifacts_dir),
        audit=audit,
        token_keys=keys,
        tokens=TokenValidator(keys, issuer(settings), audience(settings)),
        token_server=TokenServer(
            db.session,
            keys,
            issuer=issuer(settings),
            audience=audience(settings),
            ttl_s=settings.token_ttl_s,
            on_issued=on_issued,
        ),
        watermark_key=watermark_key,
        credentials=signing_credentials(settings),
        trust_anchors=trust_anchors(settings),
        rate_limiter=RateLimiter(settings.rate_per_minute, settings.rate_burst),
        rules=_rules(settings),
        sealer=Sealer.load_or_create(settings.biometrics_key_path),
        analysers=analysers,
        recordings=RecordingAnalyser(analysers, [watermark_key]),
    )
