"""Clients of the gateway: created, listed and suspended by admins (API or CLI), audited."""

from __future__ import annotations

import secrets

from sqlmodel import Session, col, select

from gateway.audit.log import AuditLog
from gateway.auth.server import hash_secret, new_client_secret
from gateway.errors import NotFound
from gateway.tables import Partner, Role, utc_now


def create_partner(
    session: Session, audit: AuditLog, name: str, role: Role, actor: str
) -> tuple[Partner, str]:
    """A new client and its secret (returned once; the DB keeps only the hash)."""
    secret = new_client_secret()
    partner = Partner(
        id="ptn_" + secrets.token_hex(8),
        name=name,
        role=role,
        client_id="tg_" + secrets.token_hex(12),
        secret_sha256=hash_secret(secret),
        created_at=utc_now(),
    )
    session.add(partner)
    audit.commit(
        session,
        {
            "type": "admin.partner_created",
            "actor": actor,
            "partner_id": partner.id,
            "client_id": partner.client_id,
            "role": role.value,
        },
    )
    return partner, secret


def list_partners(session: Session) -> list[Partner]:
    return list(session.exec(select(Partner).order_by(col(Partner.created_at))))


def suspend_partner(session: Session, audit: AuditLog, partner_id: str, actor: str) -> Partner:
    """Suspend a client: its tokens stop working at once and it gets no new ones.

    Raises:
        NotFound: no such partner (by ID or client ID).
    """
    partner = (
        session.get(Partner, partner_id)
        or session.exec(select(Partner).where(Partner.client_id == partner_id)).first()
    )
    if partner is None:
        raise NotFound(f"no partner {partner_id}")
    partner.suspended = True
    session.add(partner)
    audit.commit(
        session,
        {"type": "admin.partner_suspended", "actor": actor, "partner_id": partner.id},
    )
    return partner
