"""The payload (a 64-bit clip ID and a 16-bit key ID) and its BCH error-correcting code.

BCH over GF(2^8) from the Linux kernel's implementation (bchlib), shortened to the 80 payload
bits: 204 coded bits that correct any :data:`CORRECTABLE_ERRORS` bit errors. Decoding is
Chase-II: when the hard decision fails, the least reliable bits are flipped in every
combination and decoded again, which recovers many words with more errors than that. Random
bits decode, with the right key ID, with probability below 1e-14
(:meth:`PayloadCode.false_decode_probability`), so a decoded payload is itself strong evidence
that a mark is there.

    >>> code = PayloadCode()
    >>> bits = code.encode(Payload(clip_id=0x0123456789ABCDEF, key_id=7))
    >>> bits[:5] ^= 1                      # five bit errors
    >>> code.decode(1.0 - 2.0 * bits).payload.clip_id == 0x0123456789ABCDEF
    True
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import bchlib
import numpy as np

from watermark.errors import PayloadError

CLIP_ID_BITS = 64
KEY_ID_BITS = 16
PAYLOAD_BYTES = (CLIP_ID_BITS + KEY_ID_BITS) // 8
#: Bit errors the hard-decision BCH decoder always corrects.
CORRECTABLE_ERRORS = 18
#: How many of the least reliable bits Chase decoding flips (2^6 - 1 extra decodes at most).
CHASE_BITS = 6


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
    """A payload recovered from noisy bits, and how many bits had to be corrected."""

    payload: Payload
    corrected_bits: int


class PayloadCode:
    """Encodes payloads to coded bits and decodes soft bit estimates back."""

    def __init__(self) -> None:
        self._bch = bchlib.BCH(t=CORRECTABLE_ERRORS, m=8)
        self.coded_bits = PAYLOAD_BYTES * 8 + self._bch.ecc_bits

    def false_decode_probability(self) -> float:
        """The chance that random bits decode to a payload with a given key ID: Chase tries
        2^CHASE_BITS words, each decodes if within ``CORRECTABLE_ERRORS`` of one of the 2^80
        codewords, and the key ID must then match (1 in 2^16)."""
        ball = sum(math.comb(self.coded_bits, i) for i in range(CORRECTABLE_ERRORS + 1))
        data_bits = PAYLOAD_BYTES * 8
        return 2.0 ** (CHASE_BITS + data_bits - KEY_ID_BITS - self.coded_bits) * ball

    def encode(self, payload: Payload) -> np.ndarray:
        """``(coded_bits,)`` uint8 of 0/1: the payload's bits, then the BCH parity bits."""
        data = payload.to_bytes()
        ecc = self._bch.encode(data)
        bits = np.unpackbits(np.frombuffer(data + bytes(ecc), dtype=np.uint8))
        return bits[: self.coded_bits].copy()

    def decode(self, soft: np.ndarray) -> DecodedPayload | None:
        """The payload from ``soft`` (``(coded_bits,)``, positive means 0, magnitude means
        confidence), or None when no codeword lies within reach.
        """
        if soft.shape != (self.coded_bits,):
            raise PayloadError(f"expected {self.coded_bits} soft bits, got shape {soft.shape}")
        hard = (soft < 0).astype(np.uint8)
        weakest = np.argsort(np.abs(soft))[:CHASE_BITS]
        for flips in range(CHASE_BITS + 1):
            for chosen in itertools.combinations(weakest, flips):
                trial = hard.copy()
                trial[list(chosen)] ^= 1
                corrected = self._correct(trial)
                if corrected is not None:
                    payload, errors = corrected
                    return DecodedPayload(payload, errors + flips)
        return None

    def _correct(self, bits: np.ndarray) -> tuple[Payload, int] | None:
        packed = np.packbits(bits).tobytes()
        data = bytearray(packed[:PAYLOAD_BYTES])
        ecc = bytearray(packed[PAYLOAD_BYTES:].ljust(self._bch.ecc_bytes, b"\0"))
        errors = self._bch.decode(data, ecc)
        if errors < 0:
            return None
        self._bch.correct(data, ecc)
        return Payload.from_bytes(bytes(data)), errors
