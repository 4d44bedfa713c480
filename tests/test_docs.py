"""The docs match the code: the README's --help block and the settings table."""

from __future__ import annotations

import re
from pathlib import Path

from gateway.settings import Settings
from tests.utils.cli import run_talkgate

ROOT = Path(__file__).resolve().parents[1]


def test_readme_embeds_the_real_help(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- talkgate --help.*?-->\n```\n(.*?)```", readme, re.DOTALL)
    assert block, "README lost its talkgate --help block"
    done = run_talkgate("--help", home=tmp_path, env={"COLUMNS": "100"})
    assert block.group(1).strip() == done.stdout.strip()


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`TALKGATE_{name.upper()}`" in documented, name


def test_every_data_set_and_asset_is_documented() -> None:
    from gateway.assets import ASSETS
    from gateway.datasets import DATASETS

    operations = (ROOT / "docs" / "operations.md").read_text()
    for name in [d.name for d in DATASETS] + [a.name for a in ASSETS]:
        assert f"`{name}`" in operations, name
