"""Blocked identities: faces no consent can unlock (public figures, known victims of abuse).

Admins add reference photos; only the sealed SFace embedding and the photo's SHA-256 are
kept, never the photo.
"""

from __future__ import annotations

import hashlib
import secrets

from gateway.errors import InvalidRequest, NotFound
from gateway.services import Services
from gateway.tables import BlockedIdentity, utc_now
from generator import load_portrait


def block(services: Services, label: str, photo: bytes, admin_id: str) -> BlockedIdentity:
    """Add the one face in ``photo`` under ``label``.

    Raises:
        InvalidRequest: the photo does not show exactly one face. GeneratorError: not an image.
    """
    image = load_portrait(photo)
    with services.analysers.faces.borrow() as faces:
        found = faces.faces(image)
        if len(found) != 1:
            raise InvalidRequest(
                f"the photo shows {len(found)} faces; send a photo of the one person to block"
            )
        embedding = faces.embed_face(image, found[0])
    blocked_id = "blk_" + secrets.token_hex(10)
    row = BlockedIdentity(
        id=blocked_id,
        label=label,
        face_sealed=services.sealer.seal(embedding, blocked_id),
        photo_sha256=hashlib.sha256(photo).hexdigest(),
        added_by=admin_id,
        created_at=utc_now(),
    )
    with services.db.session() as session:
        session.add(row)
        event = {"type": "blocked.added", "blocked_id": row.id, "photo_sha256": row.photo_sha256}
        services.audit.commit(session, {**event, "by": admin_id})
        session.refresh(row)
    return row


def unblock(services: Services, blocked_id: str, admin_id: str) -> None:
    """Remove one blocked reference.

    Raises:
        NotFound: there is none with this ID.
    """
    with services.db.session() as session:
        row = session.get(BlockedIdentity, blocked_id)
        if row is None:
            raise NotFound(f"no blocked identity {blocked_id}")
        session.delete(row)
        services.audit.commit(
            session, {"type": "blocked.removed", "blocked_id": blocked_id, "by": admin_id}
        )
