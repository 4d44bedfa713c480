"""RFC 6962 Merkle tree hashing, proofs and proof verification, as pure functions over bytes.

The audit log is an append-only list of leaves. Its root hash commits to every leaf in order;
an inclusion proof shows one leaf is in the tree, and a consistency proof shows a later tree
only appended to an earlier one, so a verifier holding two signed roots can detect rewritten
history. Hashing and proof construction follow RFC 6962 §2.1 (MTH, PATH and PROOF);
verification follows the iterative algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. The names
match trillian, sigstore and transparency-dev so their test vectors and tooling carry over.

Leaf and node hashes use distinct one-byte prefixes (0x00 and 0x01), so a leaf can never be
passed off as an interior node. The proof builders take leaf hashes (from :func:`hash_leaf`),
not raw leaves, and compute only the subtree hashes a proof needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""The root hash of the tree with no leaves: SHA-256 of the empty string (RFC 6962 §2.1)."""


class ProofError(Exception):
    """An inclusion or consistency proof does not verify against the roots it was checked with."""


def hash_leaf(leaf_value: bytes) -> bytes:
    """Hash a leaf's contents, with the 0x00 prefix that keeps leaves apart from nodes.

    Args:
        leaf_value: The leaf's raw bytes.

    Returns:
        SHA-256(0x00 || leaf_value).
    """
    return hashlib.sha256(b"\x00" + leaf_value).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """Hash an interior node from its two children, with the 0x01 node prefix.

    Args:
        left: The left child's hash.
        right: The right child's hash.

    Returns:
        SHA-256(0x01 || left || right).
    """
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Compute the Merkle tree hash MTH(D[n]) of a list of leaf hashes (RFC 6962 §2.1).

    Args:
        leaf_hashes: The leaves' hashes, from :func:`hash_leaf`, in log order.

    Returns:
        The tree's root hash; :data:`EMPTY_ROOT` for no leaves.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree_hash(leaf_hashes, 0, len(leaf_hashes))


def extend_frontier(frontier: Sequence[bytes], size: int, leaf_hash: bytes) -> list[bytes]:
    """The frontier of the tree of ``size`` leaves, after appending ``leaf_hash``.

    The frontier is the roots of the perfect subtrees that make up a tree, largest first,
    one per set bit of its size: enough to append a leaf and to compute the root in
    O(log n), so the log can sign a new tree head per event without rereading it.
    """
    nodes = [*frontier, leaf_hash]
    while size & 1:
        right = nodes.pop()
        nodes.append(hash_children(nodes.pop(), right))
        size >>= 1
    return nodes


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The RFC 6962 root of the tree whose frontier this is (:func:`extend_frontier`)."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for node in reversed(frontier[:-1]):
        root = hash_children(node, root)
    return root


def inclusion_proof(leaf_index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Build the audit path PATH(m, D[n]) that proves one leaf is in the tree (RFC 6962 §2.1.1).

    Args:
        leaf_index: The zero-based index m of the leaf to prove.
        leaf_hashes: All n leaf hashes of the tree the proof is for, in log order.

    Returns:
        The sibling subtree hashes from the leaf upward to the root.

    Raises:
        ValueError: If ``leaf_index`` is not an index of ``leaf_hashes``.
    """
    if not 0 <= leaf_index < len(leaf_hashes):
        raise ValueError(f"leaf index {leaf_index} is outside a tree of {len(leaf_hashes)} leaves")
    # Walk down from the root, keeping the subtree [start, end) that holds the leaf; each step
    # records the other half. The walk meets the siblings root-first, so reverse at the end.
    path: list[bytes] = []
    start, end = 0, len(leaf_hashes)
    while end - start > 1:
        middle = start + _split(end - start)
        if leaf_index < middle:
            path.append(_subtree_hash(leaf_hashes, middle, end))
            end = middle
        else:
            path.append(_subtree_hash(leaf_hashes, start, middle))
            start = middle
    path.reverse()
    return path


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Build PROOF(m, D[n]), showing the first m leaves' tree is a prefix of this one.

    Follows RFC 6962 §2.1.2 (SUBPROOF with its b flag). Sizes 0 and n need no proof.

    Args:
        old_size: The size m of the earlier tree.
        leaf_hashes: All n leaf hashes of the current tree, in log order.

    Returns:
        The subtree hashes of the proof, innermost first; empty when m is 0 or n.

    Raises:
        ValueError: If ``old_size`` is negative or larger than the tree.
    """
    if not 0 <= old_size <= len(leaf_hashes):
        raise ValueError(f"old size {old_size} is outside a tree of {len(leaf_hashes)} leaves")
    if old_size == 0:
        return []
    # Walk down from the root while the old tree ends strictly inside [start, end). Each step
    # records the half that does not hold the old tree's last leaf; reversed at the end.
    proof: list[bytes] = []
    start, end = 0, len(leaf_hashes)
    # RFC 6962's b: while on the left edge, the final subtree is the old root itself, which
    # the verifier already holds, so it is left out.
    on_left_edge = True
    while old_size < end:
        middle = start + _split(end - start)
        if old_size <= middle:
            proof.append(_subtree_hash(leaf_hashes, middle, end))
            end = middle
        else:
            proof.append(_subtree_hash(leaf_hashes, start, middle))
            start = middle
            on_left_edge = False
    if not on_left_edge:
        proof.append(_subtree_hash(leaf_hashes, start, end))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof with the algorithm of RFC 9162 §2.1.3.2.

    The proof binds the leaf to ``root``; it does not bind ``tree_size`` on its own, so the
    size must come from the same signed tree head as the root.

    Args:
        leaf_hash: The hash of the leaf being proven, from :func:`hash_leaf`.
        leaf_index: The leaf's zero-based index in the tree.
        tree_size: The number of leaves in the tree that ``root`` is the hash of.
        proof: The audit path, leaf upward, as :func:`inclusion_proof` returns it.
        root: The trusted root hash of that tree.

    Raises:
        ProofError: If the index is outside the tree, the proof has the wrong length for the
            index and size, or the path does not lead to ``root``.
    """
    if not 0 <= leaf_index < tree_size:
        raise ProofError(f"leaf index {leaf_index} is outside a tree of {tree_size} leaves")
    fn, sn = leaf_index, tree_size - 1
    computed = leaf_hash
    for sibling in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is tall")
        if fn & 1 or fn == sn:
            computed = hash_children(sibling, computed)
            # A right-edge node with no right sibling is carried up unchanged: skip its levels.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            computed = hash_children(computed, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is tall")
    if computed != root:
        raise ProofError("the inclusion proof does not lead to the expected root hash")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new_size`` leaves extends the tree of ``old_size`` leaves.

    Uses the algorithm of RFC 9162 §2.1.4.2. Equal sizes need equal roots and no proof; the
    empty tree is a prefix of every tree, so old size 0 needs no proof (and its root is not
    checked).

    Args:
        old_size: The number of leaves in the earlier tree.
        new_size: The number of leaves in the later tree.
        old_root: The trusted root hash of the earlier tree.
        new_root: The trusted root hash of the later tree.
        proof: The proof, as :func:`consistency_proof` returns it.

    Raises:
        ProofError: If the sizes are negative or go backwards, the proof has the wrong length
            for the sizes, or the proof does not reproduce both roots.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"old size {old_size} and new size {new_size} are not an append")
    if old_size in (0, new_size):
        if proof:
            raise ProofError(f"expected an empty proof for sizes {old_size} and {new_size}")
        if old_size == new_size and old_root != new_root:
            raise ProofError("two trees of the same size have different root hashes")
        return
    if not proof:
        raise ProofError(f"the proof for sizes {old_size} and {new_size} is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a complete subtree of the new one, so its root starts the path.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_computed = new_computed = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the sizes need")
        if fn & 1 or fn == sn:
            old_computed = hash_children(node, old_computed)
            new_computed = hash_children(node, new_computed)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            new_computed = hash_children(new_computed, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the sizes need")
    if old_computed != old_root:
        raise ProofError("the consistency proof does not reproduce the old root hash")
    if new_computed != new_root:
        raise ProofError("the consistency proof does not reproduce the new root hash")


def _split(size: int) -> int:
    """RFC 6962's k: the largest power of two strictly smaller than ``size`` (which is >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _subtree_hash(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH of the non-empty range [start, end) of ``leaf_hashes``, without copying it.

    Pairs nodes level by level and carries an odd last node up unchanged, which gives the
    same hash as RFC 6962's recursive split at the largest power of two below the size.
    """
    level: Sequence[bytes] = leaf_hashes
    while end - start > 1:
        paired = [hash_children(level[i], level[i + 1]) for i in range(start, end - 1, 2)]
        if (end - start) & 1:
            paired.append(level[end - 1])
        level, start, end = paired, 0, len(paired)
    return level[start]
