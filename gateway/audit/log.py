"""The audit log in the database: append events, serve entries and proofs, verify it all.

Every row is one leaf (an event as canonical JSON) plus the signed tree head of the log it
completes, so ``verify_log`` can name the first row that was edited, deleted or moved. The
latest head is also written to a file outside the database, so cutting rows off the end is
caught too. Appends are serialised by the database itself (PostgreSQL's transaction-scoped
advisory lock, SQLite's write lock), so threads and gateways sharing one database keep the
indices dense, and a caller may hold other row locks of the same transaction without
meeting a second, in-process lock in the other order.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from gateway.audit.checkpoint import (
    Checkpoint,
    CheckpointSigner,
    load_checkpoint,
    save_checkpoint,
    verify_checkpoint,
)
from gateway.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    extend_frontier,
    frontier_root,
    hash_leaf,
    inclusion_proof,
)
from gateway.errors import AuditError, NotFound
from gateway.tables import AuditEntry, utc_now

#: Any constant unique to talkgate: the key of the PostgreSQL advisory lock on appends.
_ADVISORY_LOCK = 0x7A1C6A7E
_HASH = 32


def canonical_json(event: Mapping[str, Any]) -> bytes:
    """The one byte string an event hashes to: sorted keys, no spaces, UTF-8."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class AuditLog:
    """Appends events and answers for the log, signing each new tree head."""

    def __init__(self, signer: CheckpointSigner, checkpoint_path: Path) -> None:
        self.signer = signer
        self.checkpoint_path = checkpoint_path
        self._witness_lock = threading.Lock()

    def commit(
        self,
        session: Session,
        *events: Mapping[str, Any],
        before_commit: Callable[[list[int]], object] = lambda indices: None,
    ) -> list[int]:
        """Commit ``session`` together with ``events`` as new leaves, atomically: the
        changes an event describes and the event itself land together or not at all.
        ``before_commit`` hears the events' indices while the changes can still record them.

        Returns:
            The leaf index of each event.
        """
        _lock_appends(session)
        last = session.exec(
            select(AuditEntry).order_by(col(AuditEntry.leaf_index).desc()).limit(1)
        ).first()
        size = 0 if last is None else last.leaf_index + 1
        frontier = [] if last is None else self._trusted_frontier(last)
        indices = []
        head: Checkpoint | None = None
        for event in events:
            value = canonical_json({**event, "at": utc_now().isoformat()})
            leaf = hash_leaf(value)
            frontier = extend_frontier(frontier, size, leaf)
            size += 1
            head = self.signer.sign(size, frontier_root(frontier))
            session.add(
                AuditEntry(
                    leaf_index=size - 1,
                    leaf_value=value,
                    leaf_hash=leaf,
                    root_hash=head.root_hash,
                    signature=head.signature,
                    frontier=b"".join(frontier),
                    created_at=utc_now(),
                )
            )
            indices.append(size - 1)
        before_commit(indices)
        session.commit()
        if head is not None:
            self._save_witness(head)
        return indices

    def _trusted_frontier(self, last: AuditEntry) -> list[bytes]:
        """The last row's frontier, once it is shown to be the one its signed head covers:
        extending an edited frontier would have the key sign a history nobody wrote.

        Raises:
            AuditError: the frontier or the head was changed outside talkgate.
        """
        size = last.leaf_index + 1
        frontier = _split(last.frontier)
        head = Checkpoint(self.signer.origin, size, last.root_hash, last.signature)
        # The length matters: a shorter list can fold to the same root.
        if len(frontier) != size.bit_count() or frontier_root(frontier) != last.root_hash:
            raise AuditError(
                f"audit entry {last.leaf_index} was changed outside talkgate (its frontier "
                "does not fold to its root); run `talkgate audit verify`"
            )
        verify_checkpoint(head, self.signer.public_key)
        return frontier

    def _save_witness(self, head: Checkpoint) -> None:
        """Move the witness file forward, never back (commits may finish out of order)."""
        with self._witness_lock:
            saved = load_checkpoint(self.checkpoint_path)
            if saved is None or saved.tree_size < head.tree_size:
                save_checkpoint(self.checkpoint_path, head)

    def tree_head(self, session: Session, tree_size: int | None = None) -> Checkpoint:
        """The signed head of the log at ``tree_size`` leaves (default: all of it).

        Raises:
            NotFound: the log has never had that many leaves.
        """
        if tree_size == 0 or (tree_size is None and self.size(session) == 0):
            return self.signer.sign(0, EMPTY_ROOT)
        statement = select(AuditEntry)
        if tree_size is None:
            statement = statement.order_by(col(AuditEntry.leaf_index).desc()).limit(1)
        else:
            statement = statement.where(AuditEntry.leaf_index == tree_size - 1)
        row = session.exec(statement).first()
        if row is None:
            raise NotFound(f"the audit log has no tree of size {tree_size}")
        return Checkpoint(self.signer.origin, row.leaf_index + 1, row.root_hash, row.signature)

    @staticmethod
    def size(session: Session) -> int:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()

    @staticmethod
    def entries(session: Session, start: int, limit: int) -> list[AuditEntry]:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.leaf_index >= start)
                .order_by(col(AuditEntry.leaf_index))
                .limit(limit)
            )
        )

    def inclusion(self, session: Session, leaf_index: int, tree_size: int) -> list[bytes]:
        """The audit path of leaf ``leaf_index`` in the tree of ``tree_size`` leaves.

        Raises:
            NotFound: no such leaf in a tree of that size, or no tree of that size.
        """
        if not 0 <= leaf_index < tree_size:
            raise NotFound(f"leaf {leaf_index} is not in a tree of size {tree_size}")
        return inclusion_proof(leaf_index, self._leaf_hashes(session, tree_size))

    def consistency(self, session: Session, first: int, second: int) -> list[bytes]:
        """Proof that the tree of ``first`` leaves is a prefix of the tree of ``second``.

        Raises:
            NotFound: ``first`` > ``second``, or no tree of size ``second``.
        """
        if not 0 <= first <= second:
            raise NotFound(f"no consistency proof from size {first} to size {second}")
        return consistency_proof(first, self._leaf_hashes(session, second))

    def _leaf_hashes(self, session: Session, tree_size: int) -> list[bytes]:
        hashes = list(
            session.exec(
                select(AuditEntry.leaf_hash)
                .where(AuditEntry.leaf_index < tree_size)
                .order_by(col(AuditEntry.leaf_index))
            )
        )
        if len(hashes) != tree_size:
            raise NotFound(f"the audit log has no tree of size {tree_size}")
        return hashes


@dataclass(frozen=True)
class LogReport:
    """What ``verify_log`` found: the size checked and, if any, the first bad entry."""

    tree_size: int
    first_bad_index: int | None = None
    problem: str | None = None
    #: The size of the witness checkpoint checked against, if there was one.
    checkpoint_size: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_log(
    session: Session, signer: CheckpointSigner, checkpoint_path: Path | None
) -> LogReport:
    """Recompute every leaf hash and tree root from the events themselves, check each row's
    signed tree head, and compare the end of the log with the witness checkpoint.

    Raises:
        AuditError: the witness checkpoint file is unreadable or not signed by the key.
    """
    witness = load_checkpoint(checkpoint_path) if checkpoint_path else None
    if witness is not None:
        verify_checkpoint(witness, signer.public_key)
    frontier: list[bytes] = []
    expected = 0
    for row in _all_rows(session):
        if row.leaf_index != expected:
            return LogReport(
                expected,
                expected,
                f"entry {expected} is missing",
                witness.tree_size if witness else None,
            )
        leaf = hash_leaf(_as_bytes(row.leaf_value))
        frontier = extend_frontier(frontier, expected, leaf)
        expected += 1
        head = Checkpoint(
            signer.origin, expected, frontier_root(frontier), _as_bytes(row.signature)
        )
        problem = _row_problem(row, leaf, head, frontier, signer, witness)
        if problem:
            return LogReport(
                expected - 1,
                expected - 1,
                f"entry {expected - 1}: {problem}",
                witness.tree_size if witness else None,
            )
    if witness is None:
        return LogReport(expected)
    if witness.tree_size > expected:
        return LogReport(
            expected,
            expected,
            f"the log ends at {expected} entries but the checkpoint at {checkpoint_path} "
            f"was signed at {witness.tree_size}: entries {expected}..{witness.tree_size - 1} "
            "were removed",
            witness.tree_size,
        )
    return LogReport(expected, checkpoint_size=witness.tree_size)


def _row_problem(
    row: AuditEntry,
    leaf: bytes,
    head: Checkpoint,
    frontier: list[bytes],
    signer: CheckpointSigner,
    witness: Checkpoint | None,
) -> str | None:
    """What is wrong with ``row``, given the leaf hash, frontier and tree head recomputed
    up to it."""
    if leaf != row.leaf_hash:
        return "its event does not hash to its stored leaf hash"
    if head.root_hash != row.root_hash:
        return "the log up to it does not hash to its stored root"
    if b"".join(frontier) != row.frontier:
        return "its stored frontier is not the log's up to it"
    try:
        verify_checkpoint(head, signer.public_key)
    except AuditError:
        return "the log up to it differs from what the audit key signed"
    if witness is not None and witness.tree_size == head.tree_size:
        if head.root_hash != witness.root_hash:
            return "the log up to it differs from the witness checkpoint"
    return None


def _all_rows(session: Session, batch: int = 2000) -> Iterator[AuditEntry]:
    start = 0
    while rows := AuditLog.entries(session, start, batch):
        yield from rows
        start = rows[-1].leaf_index + 1


def _lock_appends(session: Session) -> None:
    """Hold the append lock until ``session`` commits, across processes: PostgreSQL's
    transaction-scoped advisory lock; on SQLite, the database's write lock, taken by a
    write that changes nothing (so the last row is read under it)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
    elif dialect == "sqlite":
        session.execute(text("UPDATE auditentry SET leaf_index = leaf_index WHERE 0"))


def _as_bytes(value: bytes | str) -> bytes:
    """A column as stored: an edit by hand can turn a SQLite BLOB into TEXT, which must read
    as tampering, not crash the check."""
    return value if isinstance(value, bytes) else str(value).encode()


def _split(frontier: bytes) -> list[bytes]:
    return [frontier[i : i + _HASH] for i in range(0, len(frontier), _HASH)]
