"""Settings come from TALKGATE_* variables and resolve the data directory once."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import Settings


def test_home_defaults_to_var_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TALKGATE_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.home == tmp_path.resolve() / "var"
    assert settings.assets_dir == settings.home / "assets"


def test_home_from_the_environment_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TALKGATE_HOME", "elsewhere")
    assert Settings().data_dir == tmp_path.resolve() / "elsewhere" / "data"
