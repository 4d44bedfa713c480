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
        # Every bit equally confident: the soft decoder has nothing to go on.
        decoded = code.decode(_soft(bits), payload.key_id)
        assert decoded.payload == payload
        assert decoded.corrected_bits == CORRECTABLE_ERRORS
        assert np.array_equal(decoded.bits, code.encode(payload))


def test_confidence_takes_decoding_past_the_hard_limit(code: PayloadCode) -> None:
    payload = Payload(0x0123456789ABCDEF, 7)
    bits = code.encode(payload)
    wrong = np.arange(45) * 4  # 45 errors, far past the 18 a hard decoder corrects
    bits[wrong] ^= 1
    soft = _soft(bits)
    soft[wrong] *= 0.1  # ... but the wrong bits were the least confident ones
    decoded = code.decode(soft, 7)
    assert decoded.payload == payload and decoded.corrected_bits == 45


@pytest.mark.parametrize("confident", [[5], [5, 90, 170], [5, 40, 90, 170]])
def test_up_to_four_confident_errors_among_the_reliable_bits_are_undone(
    code: PayloadCode, confident: list[int]
) -> None:
    payload = Payload(0xFEEDFACE12345678, 11)
    bits = code.encode(payload)
    soft = _soft(bits)
    faint = np.arange(20) * 10 + 3  # past the hard decoder's 18, all least confident
    soft[confident] *= -2.0  # wrong, and the most confident bits of all
    soft[faint] *= -0.1
    decoded = code.decode(soft, 11)
    assert decoded.payload == payload and decoded.corrected_bits == 20 + len(confident)


def test_soft_decoding_reads_noisy_words_a_hard_decoder_cannot(code: PayloadCode) -> None:
    """Soft bits as a re-encoded clip gives them: Gaussian, 11% of signs wrong."""
    rng = np.random.default_rng(2)
    past_hard_limit = recovered = 0
    for _ in range(40):
        payload = Payload(int(rng.integers(0, 2**63)), 1)
        sent = code.encode(payload)
        soft = 1.2 * (1.0 - 2.0 * sent) + rng.normal(size=code.coded_bits)
        past_hard_limit += int(np.count_nonzero((soft < 0) != sent)) > CORRECTABLE_ERRORS
        recovered += code.decode(soft, 1).payload == payload
    assert past_hard_limit >= 30
    assert recovered >= 36


def test_the_known_key_id_reads_words_with_a_fifth_of_their_signs_wrong(
    code: PayloadCode,
) -> None:
    """Half-size copies after H.264 CRF 28 arrive like this. Decoding all 80 payload bits
    (order 3) read 10 of these 60; the 64 bits of the clip ID, the key's share of the
    codeword known, read 31."""
    rng = np.random.default_rng(0)
    recovered = 0
    for _ in range(60):
        payload = Payload(int(rng.integers(0, 2**63)), 5)
        soft = 0.8 * _soft(code.encode(payload)) + rng.normal(size=code.coded_bits)
        recovered += code.decode(soft, 5).payload == payload
    assert recovered >= 25


def test_the_decoded_payload_always_names_the_key_asked_for(code: PayloadCode) -> None:
    rng = np.random.default_rng(3)
    for key_id in (0, 9, 65535):
        decoded = code.decode(rng.normal(size=code.coded_bits), key_id)
        assert decoded.payload.key_id == key_id
        assert np.array_equal(decoded.bits, code.encode(decoded.payload))


def test_bits_of_the_wrong_length_are_refused(code: PayloadCode) -> None:
    with pytest.raises(PayloadError, match="soft bits"):
        code.decode(np.zeros(code.coded_bits + 1), 0)


@pytest.mark.parametrize(("clip_id", "key_id"), [(-1, 0), (2**64, 0), (0, 2**16)])
def test_payload_fields_are_range_checked(clip_id: int, key_id: int) -> None:
    with pytest.raises(PayloadError):
        Payload(clip_id, key_id)


def test_payload_bytes_round_trip() -> None:
    payload = Payload(2**64 - 1, 65535)
    assert Payload.from_bytes(payload.to_bytes()) == payload
    assert payload.clip_hex == "f" * 16
