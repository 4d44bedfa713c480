import numpy as np
import pytest

from watermark import Payload, PayloadCode, PayloadError
from watermark.coding import CORRECTABLE_ERRORS


@pytest.fixture(scope="module")
def code() -> PayloadCode:
    return PayloadCode()


def _soft(bits: np.ndarray) -> np.ndarray:
    return 1.0 - 2.0 * bits.astype(np.float64)


def test_corrects_as_many_errors_as_it_claims_wherever_they_fall(code: PayloadCode) -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        payload = Payload(int(rng.integers(0, 2**63)), int(rng.integers(0, 2**16)))
        bits = code.encode(payload)
        wrong = rng.choice(code.coded_bits, CORRECTABLE_ERRORS, replace=False)
        bits[wrong] ^= 1
        # Every bit equally confident: Chase decoding has nothing to go on.
        decoded = code.decode(_soft(bits))
        assert decoded is not None and decoded.payload == payload
        assert decoded.corrected_bits == CORRECTABLE_ERRORS


def test_chase_decoding_uses_confidence_to_go_past_the_hard_limit(code: PayloadCode) -> None:
    payload = Payload(0x0123456789ABCDEF, 7)
    bits = code.encode(payload)
    wrong = np.arange(CORRECTABLE_ERRORS + 3) * 9
    bits[wrong] ^= 1
    soft = _soft(bits)
    assert code.decode(soft) is None
    soft[wrong] *= 0.1  # the wrong bits were the least confident ones
    decoded = code.decode(soft)
    assert decoded is not None and decoded.payload == payload


def test_random_words_do_not_decode(code: PayloadCode) -> None:
    rng = np.random.default_rng(1)
    assert all(code.decode(rng.normal(size=code.coded_bits)) is None for _ in range(300))


@pytest.mark.parametrize(("clip_id", "key_id"), [(-1, 0), (2**64, 0), (0, 2**16)])
def test_payload_fields_are_range_checked(clip_id: int, key_id: int) -> None:
    with pytest.raises(PayloadError):
        Payload(clip_id, key_id)


def test_payload_bytes_round_trip() -> None:
    payload = Payload(2**64 - 1, 65535)
    assert Payload.from_bytes(payload.to_bytes()) == payload
    assert payload.clip_hex == "f" * 16
