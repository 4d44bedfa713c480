"""Content rules: what a generated clip may not say, matched on its driving speech's transcript."""

from __future__ import annotations

import re
from functools import lru_cache

from policy.reasons import Code, Outcome, Reason
from policy.rules import ContentCategory


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(rf"\b(?:{pattern})\b" for pattern in patterns), re.IGNORECASE)


def content_reasons(transcript: str, categories: tuple[ContentCategory, ...]) -> list[Reason]:
    """One reason per category whose phrases the transcript contains."""
    reasons = []
    for category in categories:
        found = _compiled(category.patterns).search(transcript)
        if found is None:
            continue
        code = Code.CONTENT_BLOCKED if category.outcome is Outcome.DENY else Code.CONTENT_FLAGGED
        reasons.append(
            Reason(
                code,
                category.outcome,
                f'the speech says "{found.group(0)}": {category.description}',
            )
        )
    return reasons
