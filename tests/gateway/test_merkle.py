"""The RFC 6962 Merkle tree: roots, proofs and verification against references and known answers."""

from __future__ import annotations

import functools
import hashlib

import pytest

from gateway.audit.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof,
    extend_frontier,
    frontier_root,
    hash_children,
    hash_leaf,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# The certificate-transparency / trillian test vectors: eight leaves and the root of each prefix.
VECTOR_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
VECTOR_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path) from trillian's log_verifier_test.go.
VECTOR_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (old size, new size, proof) from the same file.
VECTOR_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

LEAVES = [hash_leaf(i.to_bytes(4, "big")) for i in range(82)]
PROOF_SIZES = 40  # exhaustive proof checks cover every tree of 1..40 leaves


# A literal transcription of RFC 6962 §2.1, slices and recursion included, to check against.
def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _split(n)
    return hashlib.sha256(b"\x01" + reference_mth(leaves[:k]) + reference_mth(leaves[k:])).digest()


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return reference_path(m, leaves[:k]) + [reference_mth(leaves[k:])]
    return reference_path(m - k, leaves[k:]) + [reference_mth(leaves[:k])]


def reference_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [reference_mth(leaves)]
    k = _split(n)
    if m <= k:
        return reference_subproof(m, leaves[:k], b) + [reference_mth(leaves[k:])]
    return reference_subproof(m - k, leaves[k:], False) + [reference_mth(leaves[:k])]


@functools.cache
def _path_length(index: int, size: int) -> int:
    return len(inclusion_proof(index, LEAVES[:size]))


def _flipped(proof: list[bytes], element: int, position: int) -> list[bytes]:
    tampered = list(proof)
    value = bytearray(tampered[element])
    value[position] ^= 0x01
    tampered[element] = bytes(value)
    return tampered


def _tamperings(proof: list[bytes]) -> list[list[bytes]]:
    """The broken proofs the tests try: flipped bits at the ends and middle of every element,
    each element dropped, and elements added at either end."""
    broken = [
        _flipped(proof, element, position)
        for element in range(len(proof))
        for position in (0, 13, 31)
    ]
    broken += [proof[:i] + proof[i + 1 :] for i in range(len(proof))]
    broken += [proof + [EMPTY_ROOT], [EMPTY_ROOT] + proof, proof + proof[-1:], proof[:1] + proof]
    return [p for p in broken if p != proof]


def test_hashes_use_the_rfc_6962_prefixes() -> None:
    assert EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert hash_leaf(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert hash_children(b"L", b"R") == hashlib.sha256(b"\x01LR").digest()


def test_root_hash_matches_the_recursive_rfc_definition() -> None:
    for n in range(71):
        assert root_hash(LEAVES[:n]) == reference_mth(LEAVES[:n]), n


def test_roots_match_the_certificate_transparency_vectors() -> None:
    hashes = [hash_leaf(leaf) for leaf in VECTOR_LEAVES]
    assert [root_hash(hashes[:n]).hex() for n in range(len(hashes) + 1)] == VECTOR_ROOTS


def test_proofs_match_the_trillian_vectors() -> None:
    hashes = [hash_leaf(leaf) for leaf in VECTOR_LEAVES]
    for index, size, path in VECTOR_INCLUSION:
        assert [node.hex() for node in inclusion_proof(index, hashes[:size])] == path
    for old_size, new_size, proof in VECTOR_CONSISTENCY:
        assert [node.hex() for node in consistency_proof(old_size, hashes[:new_size])] == proof
        verify_consistency(
            old_size,
            new_size,
            bytes.fromhex(VECTOR_ROOTS[old_size]),
            bytes.fromhex(VECTOR_ROOTS[new_size]),
            [bytes.fromhex(node) for node in proof],
        )


def test_proof_builders_match_the_recursive_rfc_definitions() -> None:
    for n in range(1, PROOF_SIZES + 1):
        leaves = LEAVES[:n]
        for m in range(n):
            assert inclusion_proof(m, leaves) == reference_path(m, leaves), (m, n)
            if m:
                assert consistency_proof(m, leaves) == reference_subproof(m, leaves, True), (m, n)
        assert consistency_proof(0, leaves) == consistency_proof(n, leaves) == []


def test_proof_builders_refuse_indexes_outside_the_tree() -> None:
    with pytest.raises(ValueError, match="outside a tree of 3 leaves"):
        inclusion_proof(3, LEAVES[:3])
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(-1, LEAVES[:3])
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(0, [])
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(4, LEAVES[:3])
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(-1, LEAVES[:3])


def test_every_inclusion_proof_verifies() -> None:
    for n in range(1, PROOF_SIZES + 1):
        root = root_hash(LEAVES[:n])
        for m in range(n):
            verify_inclusion(LEAVES[m], m, n, inclusion_proof(m, LEAVES[:n]), root)


def test_a_tampered_inclusion_proof_is_refused() -> None:
    for n in range(1, PROOF_SIZES + 1):
        root = root_hash(LEAVES[:n])
        for m in range(n):
            proof = inclusion_proof(m, LEAVES[:n])
            for broken in _tamperings(proof):
                with pytest.raises(ProofError):
                    verify_inclusion(LEAVES[m], m, n, broken, root)
            with pytest.raises(ProofError):
                verify_inclusion(hash_leaf(b"another leaf"), m, n, proof, root)
            with pytest.raises(ProofError):
                verify_inclusion(LEAVES[m], m, n, proof, EMPTY_ROOT)


def test_an_inclusion_proof_is_refused_at_any_other_index() -> None:
    for n in range(1, PROOF_SIZES + 1):
        root = root_hash(LEAVES[:n])
        for m in range(n):
            proof = inclusion_proof(m, LEAVES[:n])
            for other in (-1, *range(m), *range(m + 1, n + 1)):
                with pytest.raises(ProofError):
                    verify_inclusion(LEAVES[m], other, n, proof, root)


def test_an_inclusion_proof_is_refused_at_a_size_of_another_height() -> None:
    for n in range(1, PROOF_SIZES + 1):
        root = root_hash(LEAVES[:n])
        for m in range(n):
            proof = inclusion_proof(m, LEAVES[:n])
            for size in range(0, 2 * n + 2):
                if size <= m or _path_length(m, size) != len(proof):
                    with pytest.raises(ProofError):
                        verify_inclusion(LEAVES[m], m, size, proof, root)


def test_the_tree_size_is_bound_by_the_signed_root_not_by_the_proof() -> None:
    # Leaf 0's path in a tree of 3 has the same shape as in a tree of 4, so the same proof and
    # root verify under either size: the size must be authenticated with the root.
    proof = inclusion_proof(0, LEAVES[:3])
    verify_inclusion(LEAVES[0], 0, 3, proof, root_hash(LEAVES[:3]))
    verify_inclusion(LEAVES[0], 0, 4, proof, root_hash(LEAVES[:3]))


def test_inclusion_verification_refuses_impossible_indexes_in_plain_words() -> None:
    with pytest.raises(ProofError, match="leaf index 0 is outside a tree of 0 leaves"):
        verify_inclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)
    with pytest.raises(ProofError, match="longer than the tree is tall"):
        verify_inclusion(LEAVES[0], 0, 1, [LEAVES[1]], LEAVES[0])
    with pytest.raises(ProofError, match="shorter than the tree is tall"):
        verify_inclusion(LEAVES[0], 0, 2, [], root_hash(LEAVES[:2]))
    with pytest.raises(ProofError, match="expected root hash"):
        verify_inclusion(LEAVES[0], 0, 2, [LEAVES[2]], root_hash(LEAVES[:2]))


def test_every_consistency_proof_verifies() -> None:
    for n in range(PROOF_SIZES + 1):
        new_root = root_hash(LEAVES[:n])
        for m in range(n + 1):
            proof = consistency_proof(m, LEAVES[:n])
            verify_consistency(m, n, root_hash(LEAVES[:m]), new_root, proof)


def test_a_tampered_consistency_proof_is_refused() -> None:
    for n in range(1, PROOF_SIZES + 1):
        new_root = root_hash(LEAVES[:n])
        for m in range(1, n + 1):
            old_root = root_hash(LEAVES[:m])
            proof = consistency_proof(m, LEAVES[:n])
            for broken in _tamperings(proof) if proof else [[old_root]]:
                with pytest.raises(ProofError):
                    verify_consistency(m, n, old_root, new_root, broken)
            with pytest.raises(ProofError):
                verify_consistency(m, n, hash_leaf(b"forged"), new_root, proof)
            with pytest.raises(ProofError):
                verify_consistency(m, n, old_root, hash_leaf(b"forged"), proof)
            if m < n:
                with pytest.raises(ProofError, match="not an append"):
                    verify_consistency(n, m, new_root, old_root, proof)
                with pytest.raises(ProofError, match="is empty"):
                    verify_consistency(m, n, old_root, new_root, [])


def test_a_consistency_proof_is_refused_for_other_sizes() -> None:
    for n in range(2, PROOF_SIZES + 1):
        new_root = root_hash(LEAVES[:n])
        for m in range(1, n):
            old_root = root_hash(LEAVES[:m])
            proof = consistency_proof(m, LEAVES[:n])
            for old_size in {m - 1, m + 1, m ^ 2} - {m}:
                if 0 < old_size < n:
                    with pytest.raises(ProofError):
                        verify_consistency(old_size, n, old_root, new_root, proof)


def test_the_empty_tree_is_consistent_with_every_tree() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, root_hash(LEAVES[:5]), [])
    with pytest.raises(ProofError, match="expected an empty proof"):
        verify_consistency(0, 5, EMPTY_ROOT, root_hash(LEAVES[:5]), [LEAVES[0]])
    with pytest.raises(ProofError, match="not an append"):
        verify_consistency(-1, 5, EMPTY_ROOT, root_hash(LEAVES[:5]), [])


def test_the_frontier_extends_to_the_same_root_as_the_whole_tree() -> None:
    leaves = [hash_leaf(bytes([i])) for i in range(70)]
    frontier: list[bytes] = []
    assert frontier_root(frontier) == EMPTY_ROOT
    for size, leaf in enumerate(leaves):
        frontier = extend_frontier(frontier, size, leaf)
        assert len(frontier) == bin(size + 1).count("1")
        assert frontier_root(frontier) == root_hash(leaves[: size + 1])
