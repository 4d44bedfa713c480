import os
from pathlib import Path

import pytest

from watermark import KeyFileError, WatermarkKey, load_key, load_or_create_key, save_key


def test_saved_key_is_owner_only_and_loads_back(tmp_path: Path) -> None:
    key = WatermarkKey.generate(key_id=41)
    path = save_key(key, tmp_path / "keys" / "wm.json")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert load_key(path) == key
    assert "secret" not in repr(key) and key.secret.hex() not in repr(key)


def test_a_key_is_never_overwritten(tmp_path: Path) -> None:
    path = save_key(WatermarkKey.generate(), tmp_path / "wm.json")
    with pytest.raises(KeyFileError, match="never overwritten"):
        save_key(WatermarkKey.generate(), path)


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = save_key(WatermarkKey.generate(), tmp_path / "wm.json")
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_key(path)


@pytest.mark.parametrize("text", ["", "{}", '{"format": "talkgate.watermark-key/1"}', "[1]"])
def test_malformed_key_files_say_so(tmp_path: Path, text: str) -> None:
    path = tmp_path / "wm.json"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match="not a talkgate watermark key"):
        load_key(path)


def test_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        load_key(tmp_path / "absent.json")


def test_first_use_creates_the_key_once(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path / "wm.json")
    assert load_or_create_key(tmp_path / "wm.json") == first


def test_streams_depend_on_secret_and_label() -> None:
    a, b = WatermarkKey.generate(1), WatermarkKey.generate(1)
    assert a.rng("x").integers(2**62) == a.rng("x").integers(2**62)
    assert a.rng("x").integers(2**62) != a.rng("y").integers(2**62)
    assert a.rng("x").integers(2**62) != b.rng("x").integers(2**62)
