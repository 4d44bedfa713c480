"""Rules files: the shipped one loads; broken ones are refused with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from policy import PolicyError, load_rules
from policy.rules import DEFAULT_RULES, Band


def test_the_shipped_rules_load_with_a_version() -> None:
    rules = load_rules()
    assert rules.version
    assert {category.name for category in rules.content} >= {"credentials", "money"}


def test_a_per_partner_quota_overrides_the_default(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "policy" / DEFAULT_RULES).read_text()
    custom = tmp_path / "rules.toml"
    custom.write_text(text.replace("# partners = ", "partners = "))
    quota = load_rules(custom).quota
    assert quota.for_partner("client-id") == 1000
    assert quota.for_partner("another") == quota.clips_per_day


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("version = ", "not valid TOML"),
        ('version = "x"\n', "break the schema"),
    ],
)
def test_broken_rules_are_refused(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=words):
        load_rules(path)


def test_a_band_upside_down_is_refused() -> None:
    with pytest.raises(ValidationError, match="review must not be above accept"):
        Band(accept=0.1, review=0.9)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_rules(tmp_path / "absent.toml")
