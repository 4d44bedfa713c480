"""Clients of the gateway: created, listed and suspended by admins (API or CLI), audited."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from sqlmodel import Session, col, select

from gateway.audit.log import AuditLog
from gateway.auth.server import hash_secret, new_client_secret
from gateway.errors import GatewayError, NotFound
from gateway.tables import Partner, Role, utc_now
from watermark.private_files import read_private, write_private


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


def local_client(session: Session, audit: AuditLog, path: Path, name: str) -> tuple[str, str]:
    """The credentials of this machine's own partner ``name`` (the demo's, or the one
    `talkgate generate` uses on the embedded gateway), kept in ``path`` (0600) and made on
    first use, or again when the partner is gone or suspended.

    Raises:
        GatewayError: the credentials file exists but is unreadable or readable by others.
    """
    if path.exists():
        saved = json.loads(read_private(path, GatewayError))
        partner = session.exec(
            select(Partner).where(Partner.client_id == saved["client_id"])
        ).first()
        if partner is not None and not partner.suspended:
            return saved["client_id"], saved["client_secret"]
        path.unlink()
    partner, secret = create_partner(session, audit, name, Role.PARTNER, actor="local")
    record = {"client_id": partner.client_id, "client_secret": secret}
    write_private(path, json.dumps(record).encode(), GatewayError)
    return partner.client_id, secret
