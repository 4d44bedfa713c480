"""The OAuth2 token endpoint: client credentials through authlib's AuthorizationServer,
issuing RFC 9068 JWT access tokens (ES256, ``typ: at+jwt``).

authlib has no FastAPI integration, so this module supplies the few framework hooks it asks
for (how to read a request, how to answer) and the client model over the ``partner`` table.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from fastapi.responses import JSONResponse
from joserfc.jwk import KeySet
from sqlmodel import Session, select

from gateway.auth.keys import TokenKeys
from gateway.tables import Partner, Role

#: What each role may ask for. A token carries the scopes asked for, or all of these.
ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.PARTNER: ("generate", "consent"),
    Role.REVIEWER: ("review", "audit:read"),
    Role.ADMIN: ("admin", "audit:read"),
}
SCOPES = tuple(sorted({scope for scopes in ROLE_SCOPES.values() for scope in scopes}))


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 of a client secret. The secrets are 256 random bits, not passwords, so a
    fast hash is enough (a guess is as hard as the secret itself); the DB never holds one."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient(ClientMixin):
    """authlib's view of a partner: client-credentials only, secret in Basic auth or the body."""

    def __init__(self, partner: Partner) -> None:
        self.partner = partner

    def get_client_id(self) -> str:
        return self.partner.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = ROLE_SCOPES[self.partner.role]
        if not scope:
            return " ".join(allowed)
        asked = scope_to_list(scope) or []
        refused = [s for s in asked if s not in allowed]
        if refused:
            raise InvalidScopeError(
                f"a {self.partner.role.value} client may not ask for {' '.join(refused)}"
            )
        return " ".join(asked)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(hash_secret(client_secret), self.partner.secret_sha256)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentialsGrant.GRANT_TYPE


class _AccessTokens(JWTBearerTokenGenerator):
    def __init__(self, keys: TokenKeys, issuer: str, audience: str, ttl_s: int) -> None:
        super().__init__(issuer, alg="ES256", expires_generator=lambda client, grant: ttl_s)
        self._keys = keys
        self._audience = audience

    def get_jwks(self) -> KeySet:
        return self._keys.signing_set()

    def get_audiences(self, client: OAuthClient, user: object, scope: str) -> str:
        return self._audience

    def get_extra_claims(
        self, client: OAuthClient, grant_type: str, user: object, scope: str
    ) -> dict[str, Any]:
        return {"roles": [client.partner.role.value]}


class TokenServer(AuthorizationServer):
    """Issues access tokens to active clients; ``on_issued`` hears of each (the audit log)."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        keys: TokenKeys,
        *,
        issuer: str,
        audience: str,
        ttl_s: int,
        on_issued: Callable[[Partner, dict[str, Any]], None],
    ) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self._session_factory = session_factory
        self._on_issued = on_issued
        self.register_grant(ClientCredentialsGrant)
        self.register_token_generator("default", _AccessTokens(keys, issuer, audience, ttl_s))

    def query_client(self, client_id: str) -> OAuthClient | None:
        with self._session_factory() as session:
            partner = session.exec(select(Partner).where(Partner.client_id == client_id)).first()
        # A suspended client cannot authenticate: authlib answers invalid_client.
        return None if partner is None or partner.suspended else OAuthClient(partner)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self._on_issued(request.client.partner, token)

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request  # built by the route from the form it has already read

    def create_json_request(self, request: object) -> None:
        raise NotImplementedError("the token endpoint takes form posts only")

    def handle_response(
        self, status_code: int, payload: dict[str, Any], headers: list[tuple[str, str]]
    ) -> JSONResponse:
        return JSONResponse(payload, status_code=status_code, headers=dict(headers))

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        """authlib's hook for framework signals; nothing listens here."""
