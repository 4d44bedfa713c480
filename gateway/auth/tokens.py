"""Checking access tokens: who is calling, and with which scopes.

Strict on purpose (RFC 9068 §4, RFC 8725): ES256 only, so ``alg: none`` and HS256 signed with
the public key are refused before any key is used; ``typ`` must be ``at+jwt``; ``iss``,
``aud``, ``exp``, ``iat``, ``jti``, ``client_id`` and ``sub`` must all be there and right; the
key must be one the JWKS publishes; and the client must still exist and not be suspended.
"""

from __future__ import annotations

from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry
from sqlmodel import Session, select

from gateway.auth.keys import TokenKeys
from gateway.errors import Unauthorized
from gateway.tables import Partner, Role

ALGORITHMS = ["ES256"]
TOKEN_TYPE = "at+jwt"


@dataclass(frozen=True)
class Principal:
    """The caller behind a valid access token."""

    partner_id: str
    client_id: str
    role: Role
    scopes: frozenset[str]
    token_id: str


class TokenValidator:
    """Checks tokens against the key ring, this gateway's issuer and audience, and the DB."""

    def __init__(self, keys: TokenKeys, issuer: str, audience: str) -> None:
        self._keys = keys
        self._claims = JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
            sub={"essential": True},
            client_id={"essential": True},
        )

    def authenticate(self, token: str, session: Session) -> Principal:
        """The principal ``token`` speaks for.

        Raises:
            Unauthorized: the token is malformed, forged, expired, not an access token, for
                another audience, or its client is unknown or suspended.
        """
        try:
            decoded = jwt.decode(token, self._keys.verification_set(), algorithms=ALGORITHMS)
            if decoded.header.get("typ") != TOKEN_TYPE:
                raise Unauthorized(f"not an access token (typ must be {TOKEN_TYPE})")
            self._claims.validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise Unauthorized(f"the access token is not valid: {_reason(exc)}") from exc
        claims = decoded.claims
        partner = session.exec(
            select(Partner).where(Partner.client_id == claims["client_id"])
        ).first()
        if partner is None or partner.suspended:
            raise Unauthorized("the client behind this access token is unknown or suspended")
        return Principal(
            partner_id=partner.id,
            client_id=partner.client_id,
            role=partner.role,
            scopes=frozenset(str(claims.get("scope", "")).split()),
            token_id=str(claims["jti"]),
        )


def _reason(exc: Exception) -> str:
    return getattr(exc, "description", None) or str(exc) or type(exc).__name__
