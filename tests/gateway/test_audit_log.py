"""The audit log in the database: an intact log verifies, every kind of tampering by someone
with write access to the database is caught with the first bad entry named, proofs between
any two tree sizes verify, concurrent appends stay dense, and over HTTP the signed tree head
and the proofs verify with nothing but the JSON and the published public key."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import DateTime, bindparam, text

from gateway.audit import merkle
from gateway.audit.checkpoint import (
    Checkpoint,
    load_checkpoint,
    save_checkpoint,
    verify_checkpoint,
)
from gateway.audit.log import AuditLog, LogReport, canonical_json, verify_log
from gateway.db import Database
from gateway.errors import AuditError, NotFound
from gateway.services import open_audit_log
from gateway.settings import Settings
from gateway.tables import Role
from tests.utils.gateway import LiveGateway, live_gateway

SIZE = 40
"""Events in the log the tampering cases start from."""


@dataclass
class Audit:
    """A database, the audit log on it, and the raw access an attacker would have."""

    settings: Settings
    db: Database
    log: AuditLog

    def append(self, count: int, start: int = 0) -> list[int]:
        """Commit ``count`` events, one commit each, as the gateway does."""
        indices = []
        for n in range(start, start + count):
            with self.db.session() as session:
                indices += self.log.commit(session, {"type": "test", "n": n})
        return indices

    def verify(self) -> LogReport:
        with self.db.session() as session:
            return verify_log(session, self.log.signer, self.settings.audit_checkpoint_path)

    def leaf_values(self) -> list[bytes]:
        with self.db.session() as session:
            return [row.leaf_value for row in AuditLog.entries(session, 0, 10_000)]

    # Raw SQL, as an attacker with database access but without the audit key would use.

    def execute(self, sql: str, **params: Any) -> None:
        with self.db.engine.begin() as connection:
            connection.execute(text(sql), params)

    def row(self, index: int) -> dict[str, bytes]:
        with self.db.engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT leaf_value, leaf_hash, root_hash, signature, frontier "
                    "FROM auditentry WHERE leaf_index = :index"
                ),
                {"index": index},
            ).one()
        return {name: bytes(value) for name, value in found._mapping.items()}

    def update(self, index: int, **columns: bytes) -> None:
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        self.execute(
            f"UPDATE auditentry SET {assignments} WHERE leaf_index = :index",
            index=index,
            **columns,
        )


@pytest.fixture
def audit(gateway_settings: Settings) -> Iterator[Audit]:
    """An empty audit log on a fresh SQLite or PostgreSQL database."""
    db = Database.open(gateway_settings)
    try:
        yield Audit(gateway_settings, db, open_audit_log(gateway_settings))
    finally:
        db.close()


@pytest.fixture
def full(audit: Audit) -> Audit:
    """The audit log with ``SIZE`` events, committed one by one."""
    assert audit.append(SIZE) == list(range(SIZE))
    return audit


def _chunks(frontier: bytes) -> list[bytes]:
    return [frontier[i : i + 32] for i in range(0, len(frontier), 32)]


def _forged(leaf_value: bytes) -> bytes:
    """The event rewritten to say something else, canonically encoded like a real one."""
    return canonical_json({**json.loads(leaf_value), "n": 1700, "type": "forged"})


# --- An intact log ---------------------------------------------------------------------------


def test_an_intact_log_verifies_against_its_signed_heads_and_witness(full: Audit) -> None:
    report = full.verify()
    assert report.ok, report.problem
    assert (report.tree_size, report.checkpoint_size) == (SIZE, SIZE)
    assert report.first_bad_index is None and report.problem is None
    # The stored root is the RFC 6962 root of the events themselves, and it is signed.
    roots = merkle.root_hash([merkle.hash_leaf(value) for value in full.leaf_values()])
    with full.db.session() as session:
        head = full.log.tree_head(session)
    assert (head.tree_size, head.root_hash) == (SIZE, roots)
    verify_checkpoint(head, full.log.signer.public_key)
    witness = load_checkpoint(full.settings.audit_checkpoint_path)
    assert witness == head


def test_every_event_is_canonical_json_with_its_type_and_time(full: Audit) -> None:
    for n, value in enumerate(full.leaf_values()):
        event = json.loads(value)
        assert canonical_json(event) == value
        assert event["type"] == "test" and event["n"] == n
        datetime.fromisoformat(event["at"])


# --- Tampering -------------------------------------------------------------------------------


def _edit_event(audit: Audit) -> None:
    audit.update(17, leaf_value=_forged(audit.row(17)["leaf_value"]))


def _edit_event_and_leaf_hash(audit: Audit) -> None:
    forged = _forged(audit.row(17)["leaf_value"])
    audit.update(17, leaf_value=forged, leaf_hash=merkle.hash_leaf(forged))


def _recompute_everything_but_the_signatures(audit: Audit) -> None:
    """Edit event 17 and redo every leaf hash, root and frontier from there on: all an
    attacker can do without the audit key."""
    forged = _forged(audit.row(17)["leaf_value"])
    frontier = _chunks(audit.row(16)["frontier"])
    for index in range(17, SIZE):
        leaf = merkle.hash_leaf(forged) if index == 17 else audit.row(index)["leaf_hash"]
        frontier = merkle.extend_frontier(frontier, index, leaf)
        columns = {
            "leaf_hash": leaf,
            "root_hash": merkle.frontier_root(frontier),
            "frontier": b"".join(frontier),
        }
        if index == 17:
            columns["leaf_value"] = forged
        audit.update(index, **columns)


def _delete_entry(audit: Audit) -> None:
    audit.execute("DELETE FROM auditentry WHERE leaf_index = 17")


def _swap_entries(audit: Audit) -> None:
    first, second = audit.row(10), audit.row(20)
    for index, other in ((10, second), (20, first)):
        audit.update(index, leaf_value=other["leaf_value"], leaf_hash=other["leaf_hash"])


def _swap_signatures(audit: Audit) -> None:
    first, second = audit.row(17), audit.row(18)
    audit.update(17, signature=second["signature"])
    audit.update(18, signature=first["signature"])


def _truncate(audit: Audit) -> None:
    audit.execute("DELETE FROM auditentry WHERE leaf_index >= :start", start=SIZE - 3)


def _append_forged_entry(audit: Audit) -> None:
    """A well-formed entry at the end, with every derived column right but no signature of
    its own (the key is not in the database)."""
    last = audit.row(SIZE - 1)
    value = canonical_json({"type": "forged", "n": SIZE, "at": datetime.now(UTC).isoformat()})
    frontier = merkle.extend_frontier(_chunks(last["frontier"]), SIZE, merkle.hash_leaf(value))
    with audit.db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO auditentry (leaf_index, leaf_value, leaf_hash, root_hash, "
                "signature, frontier, created_at) VALUES (:index, :value, :leaf, :root, "
                ":signature, :frontier, :created_at)"
            ).bindparams(bindparam("created_at", type_=DateTime(timezone=True))),
            {
                "index": SIZE,
                "value": value,
                "leaf": merkle.hash_leaf(value),
                "root": merkle.frontier_root(frontier),
                "signature": last["signature"],
                "frontier": b"".join(frontier),
                "created_at": datetime.now(UTC),
            },
        )


@pytest.mark.parametrize(
    ("tamper", "first_bad", "mentions"),
    [
        pytest.param(_edit_event, 17, "entry 17", id="edit-event"),
        pytest.param(_edit_event_and_leaf_hash, 17, "entry 17", id="edit-event-and-leaf-hash"),
        pytest.param(
            _recompute_everything_but_the_signatures, 17, "entry 17", id="recompute-all-but-key"
        ),
        pytest.param(_delete_entry, 17, "missing", id="delete-entry"),
        pytest.param(_swap_entries, 10, "entry 10", id="reorder-entries"),
        pytest.param(_swap_signatures, 17, "entry 17", id="swap-signatures"),
        pytest.param(_truncate, SIZE - 3, "checkpoint", id="truncate"),
        pytest.param(_append_forged_entry, SIZE, f"entry {SIZE}", id="append-forged-entry"),
    ],
)
def test_tampering_is_detected_and_the_first_bad_entry_named(
    full: Audit, tamper: Callable[[Audit], None], first_bad: int, mentions: str
) -> None:
    assert full.verify().ok
    tamper(full)
    report = full.verify()
    assert not report.ok
    assert report.first_bad_index == first_bad, report.problem
    assert report.problem is not None and mentions in report.problem


def test_truncation_reports_the_witness_size(full: Audit) -> None:
    _truncate(full)
    report = full.verify()
    assert (report.tree_size, report.checkpoint_size) == (SIZE - 3, SIZE)
    assert f"{SIZE - 3}..{SIZE - 1}" in (report.problem or "")


def test_truncating_both_the_log_and_the_witness_is_caught_by_a_later_signed_head(
    full: Audit,
) -> None:
    """Cutting the last entries off the database *and* rewinding the witness checkpoint file
    to an older, validly signed head leaves a log that is a consistent prefix of itself:
    the database and the witness file cannot show it on their own, and ``verify_log``
    passes. It is caught only by someone who kept a later signed tree head (a monitor, an
    auditor, a client given a proof): the log can no longer produce that head, nor prove
    itself consistent with it, and when it grows back to that size its new head differs."""
    with full.db.session() as session:
        published = full.log.tree_head(session)  # what a monitor saw and kept
        older = full.log.tree_head(session, SIZE - 3)
    verify_checkpoint(published, full.log.signer.public_key)
    verify_checkpoint(older, full.log.signer.public_key)

    _truncate(full)
    save_checkpoint(full.settings.audit_checkpoint_path, older)

    report = full.verify()  # the limit of what the database and the witness can show
    assert report.ok, report.problem
    assert (report.tree_size, report.checkpoint_size) == (SIZE - 3, SIZE - 3)

    with full.db.session() as session:
        with pytest.raises(NotFound):
            full.log.tree_head(session, SIZE)
        with pytest.raises(NotFound):
            full.log.consistency(session, SIZE - 3, SIZE)
        with pytest.raises(NotFound):
            full.log.inclusion(session, SIZE - 1, SIZE)

    # The gateway goes on appending; at the published size its head has a different root,
    # which the monitor's head exposes as a fork (two signed roots for one size).
    full.append(3, start=1000)
    with full.db.session() as session:
        regrown = full.log.tree_head(session, SIZE)
        proof = full.log.consistency(session, SIZE, SIZE)
    verify_checkpoint(regrown, full.log.signer.public_key)
    assert regrown.root_hash != published.root_hash
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(SIZE, SIZE, published.root_hash, regrown.root_hash, proof)


def test_a_forged_witness_checkpoint_is_refused(full: Audit) -> None:
    path = full.settings.audit_checkpoint_path
    witness = load_checkpoint(path)
    assert witness is not None
    forged_root = bytes([witness.root_hash[0] ^ 1]) + witness.root_hash[1:]
    save_checkpoint(
        path, Checkpoint(witness.origin, witness.tree_size, forged_root, witness.signature)
    )
    with pytest.raises(AuditError, match="not signed by the audit key"):
        full.verify()


def test_an_unreadable_witness_checkpoint_is_refused(full: Audit) -> None:
    full.settings.audit_checkpoint_path.write_text("{not json")
    with pytest.raises(AuditError):
        full.verify()


def _alternate_history_frontier(audit: Audit) -> list[bytes]:
    """The frontier of a log of ``SIZE`` entries the attacker made up (event 17 rewritten)."""
    leaves = [merkle.hash_leaf(value) for value in audit.leaf_values()]
    leaves[17] = merkle.hash_leaf(_forged(audit.row(17)["leaf_value"]))
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        frontier = merkle.extend_frontier(frontier, size, leaf)
    return frontier


def test_a_tampered_frontier_is_detected(full: Audit) -> None:
    """The frontier is derived data that the next append builds on; ``verify_log`` must
    check it like the other derived columns (tables.AuditEntry: "the rest is derived and
    re-checked by `talkgate audit verify`")."""
    full.update(SIZE - 1, frontier=b"".join(_alternate_history_frontier(full)))
    report = full.verify()
    assert not report.ok, "verify_log accepted a last entry whose frontier is not the log's"
    assert report.first_bad_index == SIZE - 1


def test_the_gateway_never_signs_a_root_its_leaves_do_not_hash_to(full: Audit) -> None:
    """An attacker who rewrites the last entry's frontier must not get the audit key to sign
    the root of a history they made up: the next append either refuses or signs the true
    root of the leaves in the database."""
    full.update(SIZE - 1, frontier=b"".join(_alternate_history_frontier(full)))
    try:
        full.append(1, start=SIZE)
    except AuditError:
        return  # refused: nothing was signed
    with full.db.session() as session:
        head = full.log.tree_head(session)
    verify_checkpoint(head, full.log.signer.public_key)
    true_root = merkle.root_hash([merkle.hash_leaf(value) for value in full.leaf_values()])
    assert head.tree_size == SIZE + 1
    assert head.root_hash == true_root, (
        "the audit key signed a tree head for a history that is not in the database"
    )


# --- Proofs ----------------------------------------------------------------------------------


@pytest.fixture
def log33(audit: Audit) -> Audit:
    audit.append(33)
    return audit


def test_consistency_proofs_between_any_two_sizes_verify(log33: Audit) -> None:
    audit = log33
    leaves = [merkle.hash_leaf(value) for value in audit.leaf_values()]
    with audit.db.session() as session:
        heads = [audit.log.tree_head(session, size) for size in range(34)]
        for size, head in enumerate(heads):
            assert head.tree_size == size
            assert head.root_hash == merkle.root_hash(leaves[:size])
            verify_checkpoint(head, audit.log.signer.public_key)
        roots = [head.root_hash for head in heads]
        for n in range(34):
            wrong_root = bytes([roots[n][0] ^ 1]) + roots[n][1:]
            for m in range(n + 1):
                proof = audit.log.consistency(session, m, n)
                merkle.verify_consistency(m, n, roots[m], roots[n], proof)
                if 0 < m:
                    with pytest.raises(merkle.ProofError):
                        merkle.verify_consistency(m, n, roots[m], wrong_root, proof)


def test_inclusion_proofs_for_every_leaf_verify(log33: Audit) -> None:
    audit = log33
    values = audit.leaf_values()
    with audit.db.session() as session:
        current = audit.log.tree_head(session)
        assert current.tree_size == 33
        for index, value in enumerate(values):
            proof = audit.log.inclusion(session, index, 33)
            merkle.verify_inclusion(merkle.hash_leaf(value), index, 33, proof, current.root_hash)
        # And in every earlier tree that holds the leaf, against that tree's signed root.
        for size in range(1, 33):
            root = audit.log.tree_head(session, size).root_hash
            for index in range(size):
                proof = audit.log.inclusion(session, index, size)
                merkle.verify_inclusion(merkle.hash_leaf(values[index]), index, size, proof, root)
        for index, size in ((33, 33), (-1, 33), (0, 34), (0, 0)):
            with pytest.raises(NotFound):
                audit.log.inclusion(session, index, size)
        for first, second in ((5, 4), (0, 34), (34, 35), (-1, 3)):
            with pytest.raises(NotFound):
                audit.log.consistency(session, first, second)
        with pytest.raises(NotFound):
            audit.log.tree_head(session, 34)


# --- Concurrency -----------------------------------------------------------------------------


def _commit_concurrently(audit: Audit, logs: list[AuditLog], threads: int, each: int) -> list[int]:
    start = threading.Barrier(threads)
    indices: list[int] = []
    errors: list[BaseException] = []

    def work(number: int) -> None:
        log = logs[number % len(logs)]
        try:
            start.wait()
            for n in range(each):
                with audit.db.session() as session:
                    indices.extend(log.commit(session, {"type": "test", "thread": number, "n": n}))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    return indices


def test_concurrent_appends_get_dense_indices_and_a_valid_log(audit: Audit) -> None:
    indices = _commit_concurrently(audit, [audit.log], threads=4, each=25)
    assert sorted(indices) == list(range(100))
    with audit.db.session() as session:
        assert [row.leaf_index for row in AuditLog.entries(session, 0, 1000)] == list(range(100))
    report = audit.verify()
    assert report.ok, report.problem
    assert (report.tree_size, report.checkpoint_size) == (100, 100)


def test_two_gateways_sharing_a_database_append_densely(audit: Audit) -> None:
    """Two AuditLog objects (two gateway processes) have separate in-process locks; only
    the database's lock (PostgreSQL's advisory lock, SQLite's write lock) keeps their
    appends apart."""
    second = open_audit_log(audit.settings)
    indices = _commit_concurrently(audit, [audit.log, second], threads=4, each=15)
    assert sorted(indices) == list(range(60))
    with audit.db.session() as session:
        # Each row's tree head is signed over the true root of the log up to it.
        report = verify_log(session, audit.log.signer, None)
    assert report.ok, report.problem
    assert report.tree_size == 60


# --- Over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def served(gateway_settings: Settings) -> Iterator[LiveGateway]:
    """A running gateway with room for many public requests, and some events in its log."""
    settings = gateway_settings.model_copy(update={"rate_burst": 1000, "embedded_worker": False})
    with live_gateway(settings) as gateway:
        services = gateway.services
        for n in range(10):
            with services.db.session() as session:
                services.audit.commit(session, {"type": "test", "n": n})
        yield gateway


def _verified_head(body: dict[str, Any], pinned_key: str | None = None) -> tuple[int, bytes]:
    """Check a tree head the way a client would, with only its JSON: the Ed25519 signature
    over the checkpoint text, and that the other fields say what the signed text says.

    Returns:
        The signed tree size and root hash.
    """
    if pinned_key is not None:
        assert body["public_key"] == pinned_key
    key = load_pem_public_key(body["public_key"].encode())
    assert isinstance(key, Ed25519PublicKey)
    signed = body["checkpoint"].encode()
    key.verify(base64.b64decode(body["signature"]), signed)
    origin, size, root = body["checkpoint"].removesuffix("\n").split("\n")
    root_hash = base64.b64decode(root)
    assert origin == body["origin"]
    assert int(size) == body["tree_size"]
    assert root_hash.hex() == body["root_hash"]
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(body["signature"]), signed.replace(b"\n", b"\n ", 1))
    return int(size), root_hash


def _is_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


def test_tree_heads_and_proofs_over_http_verify_with_only_the_json(
    served: LiveGateway,
) -> None:
    reviewer = served.new_client("Audit office", Role.REVIEWER)
    with reviewer.authed("audit:read") as api:
        listing = api.get("/v1/audit/entries", params={"limit": 1000}).json()
    entries = listing["data"]
    assert [entry["leaf_index"] for entry in entries] == list(range(listing["tree_size"]))

    head = served.http.get("/v1/audit/tree-head").json()
    pinned = head["public_key"]
    size, root = _verified_head(head)
    assert size == len(entries) >= 10

    for index, entry in enumerate(entries):
        response = served.http.get("/v1/audit/proofs/inclusion", params={"leaf_index": index})
        assert response.status_code == 200, response.text
        proof = response.json()
        assert (proof["leaf_index"], proof["tree_size"]) == (index, size)
        leaf_hash = bytes.fromhex(proof["leaf_hash"])
        # The entry an auditor reads is the leaf the public proof is for.
        assert merkle.hash_leaf(entry["leaf_value"].encode()) == leaf_hash
        assert entry["leaf_hash"] == proof["leaf_hash"]
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
        merkle.verify_inclusion(leaf_hash, index, size, path, root)

    roots = {size: root}
    for first in range(size):
        earlier = served.http.get("/v1/audit/tree-head", params={"tree_size": first})
        assert earlier.status_code == 200, earlier.text
        earlier_size, roots[first] = _verified_head(earlier.json(), pinned)
        assert earlier_size == first
    pairs = [(first, size) for first in range(size + 1)] + [(1, 2), (3, 7), (4, 8), (5, 9)]
    for first, second in pairs:
        response = served.http.get(
            "/v1/audit/proofs/consistency", params={"first": first, "second": second}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["first"], body["second"]) == (first, second)
        proof_nodes = [bytes.fromhex(node) for node in body["proof"]]
        merkle.verify_consistency(first, second, roots[first], roots[second], proof_nodes)

    # An inclusion proof in an earlier tree verifies against that tree's signed root.
    response = served.http.get(
        "/v1/audit/proofs/inclusion", params={"leaf_index": 2, "tree_size": 5}
    ).json()
    merkle.verify_inclusion(
        bytes.fromhex(response["leaf_hash"]),
        2,
        5,
        [bytes.fromhex(node) for node in response["audit_path"]],
        roots[5],
    )


def test_invalid_proof_requests_are_404_problems(served: LiveGateway) -> None:
    size = served.http.get("/v1/audit/tree-head").json()["tree_size"]
    bad = [
        ("/v1/audit/proofs/inclusion", {"leaf_index": size}),
        ("/v1/audit/proofs/inclusion", {"leaf_index": size + 5}),
        ("/v1/audit/proofs/inclusion", {"leaf_index": 0, "tree_size": size + 1}),
        ("/v1/audit/proofs/inclusion", {"leaf_index": 3, "tree_size": 3}),
        ("/v1/audit/proofs/consistency", {"first": 3, "second": 2}),
        ("/v1/audit/proofs/consistency", {"first": 0, "second": size + 1}),
        ("/v1/audit/proofs/consistency", {"first": size + 1, "second": size + 2}),
        ("/v1/audit/tree-head", {"tree_size": size + 1}),
    ]
    for path, params in bad:
        response = served.http.get(path, params=params)
        _is_problem(response, 404)
        assert response.json()["code"] == "not_found", (path, params)
    # Nothing was appended by the refused requests.
    assert served.http.get("/v1/audit/tree-head").json()["tree_size"] == size


def test_audit_entries_need_the_audit_read_scope_and_hold_no_media(served: LiveGateway) -> None:
    _is_problem(served.http.get("/v1/audit/entries"), 401)

    partner = served.new_client("Acme", Role.PARTNER)
    with partner.authed("generate") as api:
        _is_problem(api.get("/v1/audit/entries"), 403)

    reviewer = served.new_client("Audit office", Role.REVIEWER)
    with reviewer.authed("audit:read") as api:
        response = api.get("/v1/audit/entries", params={"limit": 1000})
        assert response.status_code == 200, response.text
        page = api.get("/v1/audit/entries", params={"start": 2, "limit": 3}).json()
    listing = response.json()
    assert listing["tree_size"] == len(listing["data"])
    assert [entry["leaf_index"] for entry in page["data"]] == [2, 3, 4]

    types = set()
    for entry in listing["data"]:
        event = json.loads(entry["leaf_value"])
        assert isinstance(event, dict) and "type" in event and "at" in event, event
        types.add(event["type"])
        # IDs, hashes and names only: no portrait, audio or video bytes, however encoded.
        assert len(entry["leaf_value"]) < 1024, entry
        for value in event.values():
            assert not isinstance(value, str) or len(value) < 200, event
        assert merkle.hash_leaf(entry["leaf_value"].encode()).hex() == entry["leaf_hash"]
    assert {"test", "admin.partner_created", "token.issued", "request"} <= types
