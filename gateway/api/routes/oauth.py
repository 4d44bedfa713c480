"""The token endpoint (OAuth2 client credentials) and the documents that describe it."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from gateway.api.deps import PublicLimit, ServicesDep
from gateway.auth.server import SCOPES

router = APIRouter(tags=["auth"])


class FormRequest(OAuth2Request):
    """A token request as authlib reads it: a form post, already parsed."""

    def __init__(self, uri: str, form: dict[str, str], headers: Headers) -> None:
        super().__init__("POST", uri, headers=headers)
        self.payload = BasicOAuth2Payload(form)
        self._form = form

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


@router.post("/oauth/token", dependencies=[PublicLimit])
async def issue_token(request: Request, services: ServicesDep) -> Response:
    """Exchange client credentials (HTTP Basic or form fields) for a JWT access token.

    Form fields: ``grant_type=client_credentials`` and optionally ``scope``.
    """
    form = await request.form()
    # The endpoint's external address (TLS usually ends at a proxy): authlib refuses plain
    # http unless it is loopback, as OAuth2 requires.
    oauth_request = FormRequest(
        f"{services.issuer}/oauth/token",
        {key: str(value) for key, value in form.items()},
        request.headers,
    )
    response: Response = await run_in_threadpool(
        services.token_server.create_token_response, oauth_request
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/.well-known/jwks.json")
def jwks(services: ServicesDep) -> dict[str, Any]:
    """The public keys access tokens are signed with (newest first)."""
    return services.token_keys.jwks()


@router.get("/.well-known/oauth-authorization-server")
def metadata(services: ServicesDep) -> dict[str, Any]:
    """RFC 8414 authorization server metadata."""
    issuer = services.issuer
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/oauth/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "scopes_supported": list(SCOPES),
    }
