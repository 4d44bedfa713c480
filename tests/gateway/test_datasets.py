"""Data set recipes on package trees the tests build themselves (no registry access)."""

from __future__ import annotations

import gzip
import wave
from pathlib import Path

import pytest
from PIL import Image

from gateway import datasets
from gateway.errors import DatasetError
from tests.utils.media import write_g722

ASTERISK_TEXT = """\ufeff; Core Asterisk Sounds in English

hello-world: Hello world.
digits/1: one
beep: [beep]
silence/1: (1 second of silence)
empty: Nothing to hear.
"""


@pytest.fixture
def asterisk_roots(tmp_path: Path) -> list[Path]:
    """The two unpacked Debian packages of asterisk-en, in miniature."""
    sounds = tmp_path / "g722/usr/share/asterisk/sounds/en_US_f_Allison"
    (sounds / "digits").mkdir(parents=True)
    write_g722(sounds / "hello-world.g722", 1.0)
    write_g722(sounds / "digits" / "1.g722", 0.5)
    write_g722(sounds / "beep.g722", 0.2)  # a sound effect, not speech
    write_g722(sounds / "no-text.g722", 0.2)  # no transcript
    (sounds / "empty.g722").write_bytes(b"")  # zero-byte file, as in asterisk-ru
    docs = tmp_path / "text/usr/share/doc/asterisk-core-sounds-en"
    docs.mkdir(parents=True)
    with gzip.open(docs / "core-sounds-en.txt.gz", "wt", encoding="utf-8") as text:
        text.write(ASTERISK_TEXT)
    return [tmp_path / "g722", tmp_path / "text"]


VERSIONS = ["1.6.1-1 sha256:aaaa", "1.6.1-1 sha256:bbbb"]


def test_asterisk_prompts_become_wav_with_transcripts(
    asterisk_roots: list[Path], tmp_path: Path
) -> None:
    target = tmp_path / "data" / "asterisk-en"
    target.parent.mkdir()
    manifest = datasets.build_dataset(
        datasets.get_dataset("asterisk-en"), asterisk_roots, VERSIONS, target
    )
    by_path = {entry.path: entry for entry in manifest.files}
    assert set(by_path) == {"hello-world.wav", "digits__1.wav"}
    hello = by_path["hello-world.wav"]
    assert hello.transcript == "Hello world."
    assert hello.identity == "en_US_f_Allison"
    assert hello.licence == "CC-BY-SA-3.0"
    assert hello.source == "debian asterisk-core-sounds-en-g722 1.6.1-1 sha256:aaaa"
    with wave.open(str(target / "hello-world.wav")) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (16000, 1)
        assert wav.getnframes() / 16000 == pytest.approx(1.0, abs=0.01)
    reread = datasets.load_manifest(target.parent, "asterisk-en", verify=True)
    assert reread == manifest


def test_a_changed_file_fails_verification(asterisk_roots: list[Path], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    dataset = datasets.get_dataset("asterisk-en")
    datasets.build_dataset(dataset, asterisk_roots, VERSIONS, data_dir / "asterisk-en")
    with (data_dir / "asterisk-en" / "digits__1.wav").open("ab") as wav:
        wav.write(b"\0")
    datasets.load_manifest(data_dir, "asterisk-en")  # reading alone does not hash
    with pytest.raises(DatasetError, match="digits__1.wav is missing or changed"):
        datasets.load_manifest(data_dir, "asterisk-en", verify=True)


def test_failed_rebuild_keeps_the_previous_copy(asterisk_roots: list[Path], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    dataset = datasets.get_dataset("asterisk-en")
    first = datasets.build_dataset(dataset, asterisk_roots, VERSIONS, data_dir / "asterisk-en")
    broken = [tmp_path / "nowhere", tmp_path / "nowhere"]
    with pytest.raises(DatasetError, match="the package no longer holds core-sounds-en.txt.gz"):
        datasets.build_dataset(dataset, broken, VERSIONS, data_dir / "asterisk-en")
    assert datasets.load_manifest(data_dir, "asterisk-en", verify=True) == first
    assert sorted(p.name for p in data_dir.iterdir()) == ["asterisk-en"]  # no leftovers


def test_xemacs_monochrome_copies_are_not_other_people(tmp_path: Path) -> None:
    photos = tmp_path / "root/usr/share/xemacs-21.4.24/etc/photos"
    photos.mkdir(parents=True)
    for name in ("jwz", "jwzm", "kyle", "jan"):
        Image.new("L", (8, 8)).save(photos / f"{name}.png")
    manifest = datasets.build_dataset(
        datasets.get_dataset("xemacs-photos"), [tmp_path / "root"], ["21.4.24-11 sha256:cc"],
        tmp_path / "data" / "xemacs-photos",
    )  # fmt: skip
    assert [f.path for f in manifest.files] == ["jan.png", "jwz.png", "kyle.png"]
    assert manifest.files[1].identity == "xemacs developer jwz"


def test_kphotoalbum_names_people_but_not_pets(tmp_path: Path) -> None:
    demo = tmp_path / "root/usr/share/kphotoalbum/demo"
    demo.mkdir(parents=True)
    (demo / "index.xml").write_text(
        """<KPhotoAlbum version="8"><images>
        <image file="bar.jpg" angle="90"><options><option name="People">
          <value value="Anne Helene"/><value value="Jesper"/></option></options></image>
        <image file="blackie.jpg"><options><option name="People">
          <value value="Blackie"/></option></options></image>
        <image file="sunset.jpg"/>
        </images></KPhotoAlbum>"""
    )
    for name in ("bar", "blackie", "sunset"):
        Image.new("RGB", (8, 8)).save(demo / f"{name}.jpg")
    manifest = datasets.build_dataset(
        datasets.get_dataset("kphotoalbum"), [tmp_path / "root"], ["5.9.1-1 sha256:dd"],
        tmp_path / "data" / "kphotoalbum",
    )  # fmt: skip
    assert [(f.path, f.identity, f.note) for f in manifest.files] == [
        ("bar.jpg", "Anne Helene, Jesper", "album says rotate 90°")
    ]


def test_unfetched_and_unknown_sets_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="has not been fetched"):
        datasets.load_manifest(tmp_path, "solvay")
    with pytest.raises(DatasetError, match="unknown data set 'imdb'"):
        datasets.get_dataset("imdb")


def test_every_set_names_its_sources_and_licences() -> None:
    names = [d.name for d in datasets.DATASETS]
    assert len(names) == len(set(names))
    for dataset in datasets.DATASETS:
        assert dataset.sources and all(s.licence for s in dataset.sources)
