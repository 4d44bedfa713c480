"""The payload (a 64-bit clip ID and a 16-bit key ID) and its error-correcting code.

A BCH code over GF(2^8) from the Linux kernel's implementation (bchlib), shortened to the 80
payload bits: 204 coded bits, any :data:`CORRECTABLE_ERRORS` of which the hard-decision
decoder always corrects. Marks read off re-encoded video carry more errors than that, but
also a confidence for every bit, so decoding is soft as well.

The detector reads a mark under one key at a time, so the key ID's 16 bits are known: the
code is linear, so a codeword is the clip ID's part XOR the key ID's, and what is left to
decode is the clip ID's 64 bits in a (204, 64) code. Ordered-statistics decoding (Fossorier
& Lin, 1995) re-encodes them from the 64 most reliable independent bits, with every one to
four of those flipped, and keeps the codeword that best matches the soft bits. That finds
the most likely payload in most cases a hard decoder gives up on.

A decoder of this kind always names *some* payload: whether it is believable is a question
of evidence, which :func:`watermark.mark.search` answers with a bound that holds for any
picture.

    >>> code = PayloadCode()
    >>> bits = code.encode(Payload(clip_id=0x0123456789ABCDEF, key_id=7))
    >>> bits[:5] ^= 1                      # five bit errors
    >>> code.decode(1.0 - 2.0 * bits, key_id=7).payload.clip_id == 0x0123456789ABCDEF
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import bchlib
import numpy as np

from watermark.errors import PayloadError

CLIP_ID_BITS = 64
KEY_ID_BITS = 16
PAYLOAD_BITS = CLIP_ID_BITS + KEY_ID_BITS
PAYLOAD_BYTES = PAYLOAD_BITS // 8
#: Bit errors the hard-decision BCH decoder always corrects.
CORRECTABLE_ERRORS = 18


@dataclass(frozen=True)
class Payload:
    """What a mark says: which clip (a registry key) under which watermark key."""

    clip_id: int
    key_id: int

    def __post_init__(self) -> None:
        if not 0 <= self.clip_id < 1 << CLIP_ID_BITS:
            raise PayloadError(f"clip ID {self.clip_id} does not fit in {CLIP_ID_BITS} bits")
        if not 0 <= self.key_id < 1 << KEY_ID_BITS:
            raise PayloadError(f"key ID {self.key_id} does not fit in {KEY_ID_BITS} bits")

    @property
    def clip_hex(self) -> str:
        """The clip ID as 16 hex digits, the form the registry and manifests use."""
        return f"{self.clip_id:016x}"

    def to_bytes(self) -> bytes:
        return self.clip_id.to_bytes(8, "big") + self.key_id.to_bytes(2, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> Payload:
        return cls(int.from_bytes(data[:8], "big"), int.from_bytes(data[8:10], "big"))


@dataclass(frozen=True)
class DecodedPayload:
    """The likeliest payload for some soft bits, its codeword, and how many hard bits
    disagreed with that codeword."""

    payload: Payload
    corrected_bits: int
    bits: np.ndarray = field(repr=False, compare=False)  # (coded_bits,) uint8 codeword


class PayloadCode:
    """Encodes payloads to coded bits and decodes soft bit estimates back."""

    def __init__(self) -> None:
        self._bch = bchlib.BCH(t=CORRECTABLE_ERRORS, m=8)
        self.coded_bits = PAYLOAD_BITS + self._bch.ecc_bits
        # The code is linear: row i is the codeword of the payload with only clip ID bit i set.
        payloads = np.eye(CLIP_ID_BITS, PAYLOAD_BITS)
        self._clip_rows = np.stack([self._encode_bits(row) for row in payloads])
        self._pairs = np.triu_indices(CLIP_ID_BITS, 1)

    def encode(self, payload: Payload) -> np.ndarray:
        """``(coded_bits,)`` uint8 of 0/1: the payload's bits, then the BCH parity bits."""
        return self._encode_bytes(payload.to_bytes())

    def decode(self, soft: np.ndarray, key_id: int) -> DecodedPayload:
        """The likeliest payload naming key ``key_id`` for ``soft`` (``(coded_bits,)``,
        positive means 0, magnitude means confidence): the better of hard-decision BCH and
        ordered-statistics decoding of the clip ID.
        """
        if soft.shape != (self.coded_bits,):
            raise PayloadError(f"expected {self.coded_bits} soft bits, got shape {soft.shape}")
        key_part = self.encode(Payload(0, key_id))  # in every codeword that names the key
        hard = (soft < 0).astype(np.uint8)
        candidates = [self._reprocess(soft * (1.0 - 2.0 * key_part)) ^ key_part]
        corrected = self._hard_decision(hard)
        key_field = slice(CLIP_ID_BITS, PAYLOAD_BITS)
        if corrected is not None and np.array_equal(corrected[key_field], key_part[key_field]):
            candidates.append(corrected)
        best = max(candidates, key=lambda bits: float(np.dot(1.0 - 2.0 * bits, soft)))
        payload = Payload.from_bytes(np.packbits(best[:PAYLOAD_BITS]).tobytes())
        return DecodedPayload(payload, int(np.count_nonzero(best != hard)), best)

    def _encode_bits(self, data_bits: np.ndarray) -> np.ndarray:
        return self._encode_bytes(np.packbits(data_bits.astype(np.uint8)).tobytes())

    def _encode_bytes(self, data: bytes) -> np.ndarray:
        ecc = bytes(self._bch.encode(data))
        return np.unpackbits(np.frombuffer(data + ecc, dtype=np.uint8))[: self.coded_bits].copy()

    def _hard_decision(self, hard: np.ndarray) -> np.ndarray | None:
        """The codeword within ``CORRECTABLE_ERRORS`` of ``hard``, if there is one."""
        packed = np.packbits(hard).tobytes()
        data = bytearray(packed[:PAYLOAD_BYTES])
        ecc = bytearray(packed[PAYLOAD_BYTES:].ljust(self._bch.ecc_bytes, b"\0"))
        if self._bch.decode(data, ecc) < 0:
            return None
        self._bch.correct(data, ecc)
        return self._encode_bytes(bytes(data))

    def _reprocess(self, soft: np.ndarray) -> np.ndarray:
        """Ordered-statistics decoding of order 4 in the clip ID's code (the key ID's part
        already taken off ``soft``): the best codeword among those that agree with the hard
        decision on the most reliable independent bits but for up to four.

        All 679,121 candidates are scored at once. Flipping reliable bits multiplies the
        codeword's ±1 signs by those bits' rows of the systematic generator (as ±1), so a
        candidate's match to the soft bits is a sum of products of rows, weighted: every
        odd set (one or three flips) is a row times a pair of rows, every even set (none,
        two or four) a pair times a pair, two matrix products of about 25 ms together, where
        re-encoding each candidate would take seconds. Order 4 reads marks order 3 misses
        after a halving and H.264 CRF 28."""
        order = np.argsort(-np.abs(soft), kind="stable")
        basis, pivots = _systematic(self._clip_rows[:, order])
        ordered = soft[order].astype(np.float32)
        reliable = (ordered[pivots] < 0).astype(np.uint8)
        weights = ordered * (1.0 - 2.0 * _encode_gf2(reliable, basis))  # match to the first
        signs = 1.0 - 2.0 * basis.astype(np.float32)  # (info bits, coded bits)
        j, k = self._pairs
        pairs = signs[j] * signs[k]
        weighted = pairs * weights
        # (i, pair): flips i, j and k, or only the other one where i is j or k.
        odd = signs @ weighted.T
        i, p = np.unravel_index(int(odd.argmax()), odd.shape)
        # (pair, pair): flips the four, or the two not shared, or none.
        even = pairs @ weighted.T
        q, r = np.unravel_index(int(even.argmax()), even.shape)
        if odd[i, p] >= even[q, r]:
            flips = {int(i)} ^ {int(j[p])} ^ {int(k[p])}
        else:
            flips = {int(j[q]), int(k[q])} ^ {int(j[r]), int(k[r])}
        flipped = reliable.copy()
        flipped[list(flips)] ^= 1
        decoded = np.empty(self.coded_bits, dtype=np.uint8)
        decoded[order] = _encode_gf2(flipped, basis)
        return decoded


def _encode_gf2(info: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """The codeword of 0/1 ``info`` bits under a 0/1 generator ``basis``, over GF(2)."""
    return ((info.astype(np.float32) @ basis.astype(np.float32)) % 2).astype(np.uint8)


def _systematic(generator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian elimination over GF(2), taking pivots left to right: the row-reduced
    generator (identity on the pivot columns) and those columns."""
    rows = generator.astype(bool)
    pivots: list[int] = []
    for column in range(rows.shape[1]):
        rank = len(pivots)
        if rank == rows.shape[0]:
            break
        candidates = np.flatnonzero(rows[rank:, column])
        if candidates.size == 0:
            continue
        pick = rank + int(candidates[0])
        rows[[rank, pick]] = rows[[pick, rank]]
        others = np.flatnonzero(rows[:, column])
        rows[others[others != rank]] ^= rows[rank]
        pivots.append(column)
    return rows.astype(np.uint8), np.array(pivots)
