"""What routes depend on: the gateway's services, the caller, and their rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from gateway.auth.tokens import Principal
from gateway.errors import Forbidden, Unauthorized
from gateway.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def require(scope: str) -> Callable[[Request, Services], Principal]:
    """A dependency that admits a bearer token with ``scope``, rate-limits its client and
    records the request in the audit log."""

    def principal(request: Request, services: ServicesDep) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("this needs an access token: send `Authorization: Bearer …`")
        with services.db.session() as session:
            caller = services.tokens.authenticate(token.strip(), session)
            services.rate_limiter.take("client:" + caller.client_id)
            if scope not in caller.scopes:
                raise Forbidden(
                    f"this needs the {scope!r} scope; the token has "
                    f"{' '.join(sorted(caller.scopes)) or 'none'}"
                )
            route = request.scope.get("route")
            services.audit.commit(
                session,
                {
                    "type": "request",
                    "client_id": caller.client_id,
                    "token_id": caller.token_id,
                    "method": request.method,
                    "route": getattr(route, "path", request.url.path),
                },
            )
        return caller

    return principal


def public_rate_limit(request: Request, services: ServicesDep) -> None:
    """Rate-limit an unauthenticated route by the caller's address."""
    services.rate_limiter.take("address:" + (request.client.host if request.client else "-"))


GenerateCaller = Annotated[Principal, Depends(require("generate"))]
AuditReader = Annotated[Principal, Depends(require("audit:read"))]
Admin = Annotated[Principal, Depends(require("admin"))]
PublicLimit = Depends(public_rate_limit)
