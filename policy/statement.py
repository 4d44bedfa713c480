"""The consent statement a subject speaks, and how a transcript of it is checked.

Speech recognition mishears some words ("consent to talkgate" comes back as "can send to talk
gate"), so the statement is compared letter by letter rather than word by word: the share of
the statement's letters and digits that the transcript holds in the same order. The one-time
code is checked digit by digit, after spoken digit words become digits, allowing a stated
number of misheard, dropped or added digits (the rules' ``code_tolerance``). A transcript
that negates ("I do not consent") never passes, however close its letters.
"""

from __future__ import annotations

import re
import secrets
from difflib import SequenceMatcher

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    # Homophones Whisper writes for digits read one by one ("my code is for, three, ...").
    "for": "4",
    "to": "2",
    "too": "2",
    "won": "1",
    "ate": "8",
    "free": "3",
}
_NEGATION = re.compile(r"\b(not|never|no|refuse|withdraw|revoke)\b|n't\b", re.IGNORECASE)
_CODE_INTRO = "My code is"
#: The digits one-time codes are made of. Nine is left out: Whisper tiny.en hears espeak-ng's
#: "nine" as "iron".
CODE_DIGITS = "012345678"


def new_code(length: int) -> str:
    """A fresh one-time code of ``length`` digits from :data:`CODE_DIGITS`, no digit next to
    itself (speech recognition merges a digit said twice in a row into one)."""
    code = secrets.choice(CODE_DIGITS)
    while len(code) < length:
        digit = secrets.choice(CODE_DIGITS)
        if digit != code[-1]:
            code += digit
    return code


def statement_for(subject: str, purposes: list[str], code: str) -> str:
    """The sentence the subject speaks; it names them, the purposes and the code, whose
    digits are set apart by commas so that they are read one by one, with pauses (run
    together, speech recognition merges and drops them)."""
    spoken_purposes = " and ".join(purposes)
    return (
        f"My name is {subject}. I consent to talkgate animating my face for "
        f"{spoken_purposes}. {_CODE_INTRO} {', '.join(code)}."
    )


def statement_body(statement: str) -> str:
    """The statement without its code sentence: what the letter comparison covers."""
    return statement.split(_CODE_INTRO, 1)[0]


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def statement_similarity(transcript: str, statement: str) -> float:
    """Share (0–1) of the statement's letters and digits, code sentence excluded, that the
    transcript holds in order; 0 when the transcript negates."""
    if _NEGATION.search(transcript):
        return 0.0
    wanted = _letters(statement_body(statement))
    heard = _letters(transcript)
    if not wanted or not heard:
        return 0.0
    matcher = SequenceMatcher(None, wanted, heard, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(wanted)


def spoken_digits(transcript: str) -> str:
    """The runs of digits said in ``transcript``, written as digits or as words, one run per
    space-separated group: punctuation between digits does not break a run, a word does."""
    words = re.findall(r"[a-z]+|\d", transcript.lower())
    said = "".join(_DIGIT_WORDS.get(word, word if word.isdigit() else " ") for word in words)
    return " ".join(said.split())


def code_errors(transcript: str, code: str) -> int:
    """The fewest digit edits (one misheard, dropped or added digit each) between ``code``
    and a stretch of digits said in one run in ``transcript``; ``len(code)`` when none is."""
    return min(
        (_edits_to_substring(code, run) for run in spoken_digits(transcript).split()),
        default=len(code),
    )


def _edits_to_substring(pattern: str, text: str) -> int:
    """Levenshtein distance from ``pattern`` to its closest substring of ``text``."""
    previous = [0] * (len(text) + 1)  # a match may start anywhere in text
    for row, wanted in enumerate(pattern, 1):
        current = [row]
        for column, heard in enumerate(text, 1):
            current.append(
                min(previous[column - 1] + (wanted != heard), previous[column] + 1, current[-1] + 1)
            )
        previous = current
    return min(previous)  # ... and end anywhere
