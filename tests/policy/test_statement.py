"""The statement check tolerates mishearing but not other words, negation or another code."""

from __future__ import annotations

import pytest

from policy.statement import code_spoken, spoken_digits, statement_for, statement_similarity

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
        ("no digits at all", ""),
        ("code 5093 and later 74", "5093 74"),
    ],
)
def test_spoken_digits_in_any_spelling(said: str, digits: str) -> None:
    assert spoken_digits(said) == digits


def test_the_code_must_be_said_in_one_run() -> None:
    assert code_spoken("code 509374", "509374")
    assert not code_spoken("code 5093 and later 74", "509374")
    assert not code_spoken("code 509347", "509374")
