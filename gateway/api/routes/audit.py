"""The audit log: entries for auditors; signed tree heads and proofs for anyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gateway.api.deps import AuditReader, PublicLimit, ServicesDep
from gateway.audit.checkpoint import Checkpoint
from gateway.audit.log import AuditLog
from gateway.errors import NotFound
from gateway.schemas import (
    AuditEntriesPublic,
    AuditEntryPublic,
    ConsistencyProofPublic,
    InclusionProofPublic,
    TreeHeadPublic,
    b64,
)
from gateway.services import Services

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/entries", response_model=AuditEntriesPublic)
def list_entries(
    caller: AuditReader,
    services: ServicesDep,
    start: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditEntriesPublic:
    """Events from ``start`` on, in log order (IDs and hashes only, never media)."""
    with services.db.session() as session:
        rows = AuditLog.entries(session, start, limit)
        size = AuditLog.size(session)
    return AuditEntriesPublic(data=[AuditEntryPublic.of(row) for row in rows], tree_size=size)


@router.get("/tree-head", response_model=TreeHeadPublic, dependencies=[PublicLimit])
def tree_head(
    services: ServicesDep, tree_size: Annotated[int | None, Query(ge=0)] = None
) -> TreeHeadPublic:
    """The signed tree head now, or at ``tree_size``."""
    with services.db.session() as session:
        return _public(services, services.audit.tree_head(session, tree_size))


@router.get("/proofs/inclusion", response_model=InclusionProofPublic, dependencies=[PublicLimit])
def inclusion(
    services: ServicesDep,
    leaf_index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int | None, Query(ge=1)] = None,
) -> InclusionProofPublic:
    """The audit path of one entry in the tree of ``tree_size`` entries (default: now)."""
    with services.db.session() as session:
        size = tree_size or AuditLog.size(session)
        path = services.audit.inclusion(session, leaf_index, size)
        leaf = AuditLog.entries(session, leaf_index, 1)
    if not leaf:
        raise NotFound(f"no audit entry {leaf_index}")
    return InclusionProofPublic(
        leaf_index=leaf_index,
        tree_size=size,
        leaf_hash=leaf[0].leaf_hash.hex(),
        audit_path=[node.hex() for node in path],
    )


@router.get(
    "/proofs/consistency", response_model=ConsistencyProofPublic, dependencies=[PublicLimit]
)
def consistency(
    services: ServicesDep,
    first: Annotated[int, Query(ge=0)],
    second: Annotated[int, Query(ge=0)],
) -> ConsistencyProofPublic:
    """Proof that the log at ``first`` entries is a prefix of the log at ``second``."""
    with services.db.session() as session:
        proof = services.audit.consistency(session, first, second)
    return ConsistencyProofPublic(first=first, second=second, proof=[n.hex() for n in proof])


def _public(services: Services, head: Checkpoint) -> TreeHeadPublic:
    return TreeHeadPublic(
        origin=head.origin,
        tree_size=head.tree_size,
        root_hash=head.root_hash.hex(),
        signature=b64(head.signature),
        checkpoint=head.body().decode(),
        public_key=services.audit.signer.public_key_pem(),
    )
