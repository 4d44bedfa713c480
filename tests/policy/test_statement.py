"""The statement check tolerates mishearing but not other words, negation or another code."""

from __future__ import annotations

import itertools

import pytest

from policy.statement import (
    CODE_DIGITS,
    code_errors,
    new_code,
    spoken_digits,
    statement_for,
    statement_similarity,
)

STATEMENT = statement_for("Alex Morgan", ["product demos", "training videos"], "509374")


def test_the_statement_names_subject_purposes_and_spaced_code() -> None:
    assert STATEMENT == (
        "My name is Alex Morgan. I consent to talkgate animating my face for product demos "
        "and training videos. My code is 5, 0, 9, 3, 7, 4."
    )


def test_an_exact_reading_scores_one() -> None:
    assert statement_similarity(STATEMENT, STATEMENT) == 1.0


@pytest.mark.parametrize(
    "unrelated",
    [
        "The weather today is sunny with a chance of rain in the afternoon.",
        "My name is Alex Morgan.",
        "",
    ],
)
def test_other_speech_scores_low(unrelated: str) -> None:
    assert statement_similarity(unrelated, STATEMENT) < 0.6


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("My code is 509374.", "509374"),
        ("My code is 5.0, 9.3, 7.4.", "509374"),
        ("my code is five oh nine three seven four", "509374"),
        ("My code is 3816, 021.", "3816021"),
        ("My code is for, three, nine, one, five, oh.", "439150"),
        ("my code is made, free, zero, two", "302"),
        ("no digits at all", ""),
        ("code 5093 and later 74", "5093 74"),
    ],
)
def test_spoken_digits_in_any_spelling(said: str, digits: str) -> None:
    assert spoken_digits(said) == digits


@pytest.mark.parametrize(
    ("said", "code", "errors"),
    [
        ("code 509374", "509374", 0),
        ("my code is made, zero, seven, two, zero, two", "807202", 1),  # "eight" as "made"
        ("My code is 1-7-7-7-7-7-4.", "17774", 1),  # one 7 too many
        ("code 509347", "509374", 1),  # the 7 dropped (what follows is ignored)
        ("code 519384", "509374", 2),  # two digits misheard
        ("code 5093 and later 74", "509374", 2),  # not in one run
        ("no code at all", "509374", 6),
    ],
)
def test_code_errors_count_the_digit_edits_to_the_closest_run(
    said: str, code: str, errors: int
) -> None:
    assert code_errors(said, code) == errors


def test_new_codes_avoid_nine_and_repeated_digits() -> None:
    codes = [new_code(6) for _ in range(200)]
    assert all(len(code) == 6 and set(code) <= set(CODE_DIGITS) for code in codes)
    assert all(a != b for code in codes for a, b in itertools.pairwise(code))
    assert len(set(codes)) > 190
