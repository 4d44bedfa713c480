"""The policy's rules and thresholds: versioned data files, read into typed settings.

Every decision records ``Rules.version``, so a decision can be explained later by the exact
file that made it. Change a number by shipping a new file with a new version, never by
editing one in place; ``docs/policy.md`` says where each number comes from.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from policy.reasons import Outcome

#: The rules file shipped with this version of talkgate.
DEFAULT_RULES = "rules/2026-11.2.toml"


class PolicyError(Exception):
    """A rules file cannot be read or breaks its schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    """A cosine similarity band: ``accept`` and above is a match, below ``review`` is not,
    and in between a person decides."""

    accept: float = Field(ge=-1, le=1)
    review: float = Field(ge=-1, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.review > self.accept:
            raise ValueError("review must not be above accept")
        return self


class CaptureRules(_Strict):
    """What a consent recording must show and say."""

    #: Similarity (0–1, difflib's ratio over letters and digits) of the transcript to the
    #: statement, without the code.
    statement_similarity: float = Field(gt=0, le=1)
    code_digits: int = Field(ge=4, le=12)
    #: Digit edits (misheard, dropped or added) allowed between the code and what was heard.
    code_tolerance: int = Field(ge=0, le=2)
    #: Share of sampled video frames that must hold exactly one face.
    face_presence: float = Field(gt=0, le=1)
    #: Share of sampled frames that may hold a second face before the capture is refused.
    extra_faces: float = Field(ge=0, lt=1)
    #: Audio–visual sync: the correlation of mouth opening with the speech's amplitude.
    sync: float = Field(gt=-1, lt=1)
    max_attempts: int = Field(ge=1)
    link_hours: float = Field(gt=0)


class ContentCategory(_Strict):
    """Phrases (regular expressions, matched case-insensitively on word boundaries) that
    send a request to ``outcome``."""

    name: str
    description: str
    outcome: Outcome
    patterns: tuple[str, ...] = Field(min_length=1)


class Quota(_Strict):
    """Clips a partner may generate in any 24 hours; per-partner overrides by client ID."""

    clips_per_day: int = Field(ge=0)
    partners: dict[str, int] = {}

    def for_partner(self, client_id: str) -> int:
        """The daily clip quota of the partner with ``client_id``."""
        return self.partners.get(client_id, self.clips_per_day)


class Rules(_Strict):
    """A whole rules file."""

    version: str = Field(min_length=1)
    capture: CaptureRules
    face: Band
    voice: Band
    blocked: Band
    content: tuple[ContentCategory, ...] = ()
    quota: Quota


def load_rules(path: Path | None = None) -> Rules:
    """Read a rules file; the shipped default when ``path`` is None.

    Raises:
        PolicyError: the file is missing, not TOML, or breaks the schema.
    """
    where = path or f"shipped with talkgate ({DEFAULT_RULES})"
    try:
        if path is None:
            text = resources.files("policy").joinpath(DEFAULT_RULES).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return Rules.model_validate(tomllib.loads(text))
    except OSError as exc:
        raise PolicyError(f"cannot read the policy rules {where}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"the policy rules {where} are not valid TOML: {exc}") from exc
    except ValidationError as exc:
        raise PolicyError(f"the policy rules {where} break the schema:\n{exc}") from exc
