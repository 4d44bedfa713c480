"""Partners (admin only): create clients, list them, suspend them; rotate the token key."""

from __future__ import annotations

from fastapi import APIRouter

from gateway import partners
from gateway.api.deps import Admin, ServicesDep
from gateway.schemas import PartnerCreate, PartnerCreated, PartnerPublic

router = APIRouter(prefix="/v1", tags=["admin"])


@router.post("/partners", status_code=201, response_model=PartnerCreated)
def create_partner(body: PartnerCreate, caller: Admin, services: ServicesDep) -> PartnerCreated:
    """A new client; its secret is in this response only."""
    with services.db.session() as session:
        partner, secret = partners.create_partner(
            session, services.audit, body.name, body.role, actor=caller.client_id
        )
    return PartnerCreated(**PartnerPublic.of(partner).model_dump(), client_secret=secret)


@router.get("/partners", response_model=list[PartnerPublic])
def list_partners(caller: Admin, services: ServicesDep) -> list[PartnerPublic]:
    with services.db.session() as session:
        return [PartnerPublic.of(p) for p in partners.list_partners(session)]


@router.post("/partners/{partner_id}/suspend", response_model=PartnerPublic)
def suspend_partner(partner_id: str, caller: Admin, services: ServicesDep) -> PartnerPublic:
    """Suspend a client: its tokens stop working at once."""
    with services.db.session() as session:
        partner = partners.suspend_partner(
            session, services.audit, partner_id, actor=caller.client_id
        )
    return PartnerPublic.of(partner)


@router.post("/token-keys/rotate")
def rotate_token_key(caller: Admin, services: ServicesDep) -> dict[str, str]:
    """Sign new tokens with a new key; tokens signed with the previous one stay valid."""
    kid = services.token_keys.rotate()
    with services.db.session() as session:
        services.audit.commit(
            session, {"type": "admin.token_key_rotated", "actor": caller.client_id, "kid": kid}
        )
    return {"kid": kid}
