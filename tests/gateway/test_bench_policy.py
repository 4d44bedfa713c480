"""The policy benchmark's measurements: error rates, thresholds and pairs (no timings)."""

from __future__ import annotations

import numpy as np
import pytest

from gateway.bench.error_rates import (
    Separation,
    equal_error_rate,
    false_accepts,
    false_rejects,
    threshold_at_far,
)
from gateway.bench.identity_samples import (
    MIN_FACE_PX,
    Sample,
    embed_every_face,
    known_pairs,
    split_scores,
)
from gateway.models import open_embedder
from gateway.settings import Settings

GENUINE = np.array([0.6, 0.7, 0.8, 0.9])
IMPOSTOR = np.array([0.1, 0.2, 0.3, 0.65])


def test_rates_count_a_cosine_at_the_threshold_as_a_match() -> None:
    assert false_accepts(IMPOSTOR, [0.3, 0.301, 0.65, 0.651]).tolist() == [0.5, 0.25, 0.25, 0]
    assert false_rejects(GENUINE, [0.6, 0.601, 0.95]).tolist() == [0, 0.25, 1]


def test_threshold_is_the_lowest_that_holds_the_false_accept_rate() -> None:
    assert threshold_at_far(IMPOSTOR, 0.0) == pytest.approx(0.651)
    assert threshold_at_far(IMPOSTOR, 0.25) == pytest.approx(0.301)
    assert threshold_at_far(IMPOSTOR, 1.0) == pytest.approx(-1.0)


def test_equal_error_rate_where_the_rates_cross() -> None:
    # Between 0.6 and 0.65 one impostor of four passes and one genuine pair of four fails.
    assert equal_error_rate(GENUINE, IMPOSTOR) == pytest.approx(0.25)
    assert equal_error_rate(GENUINE, IMPOSTOR - 0.1) == 0


def test_separation_thresholds_hold_their_rates_on_gaussian_scores() -> None:
    rng = np.random.default_rng(0)
    impostor, genuine = rng.normal(0.0, 0.1, 50_000), rng.normal(0.4, 0.1, 5_000)
    measured = Separation.measure(genuine, impostor)
    for threshold, far in ((measured.accept, 0.001), (measured.review, 0.05)):
        assert (
            false_accepts(impostor, [threshold])[0]
            <= far
            < false_accepts(impostor, [threshold - 0.001])[0]
        )
    # The normal quantiles: 3.09 and 1.645 standard deviations above the impostor mean.
    assert measured.accept == pytest.approx(0.309, abs=0.01)
    assert measured.review == pytest.approx(0.1645, abs=0.005)
    assert measured.frr_at_accept == pytest.approx(false_rejects(genuine, [measured.accept])[0])
    assert measured.frr_at_accept > measured.frr_at_far_1pct > measured.frr_at_review
    # Equal rates where the two normals cross, halfway: 2 standard deviations, 2.3%.
    assert measured.eer == pytest.approx(0.0228, abs=0.003)


def _sample(person: str, collection: str, source: str, axis: int, unnamed: bool = False) -> Sample:
    embedding = np.zeros(8)
    embedding[axis] = 1.0
    return Sample(person, collection, source, "face 0", embedding, unnamed=unnamed)


def test_pairs_are_labelled_only_where_the_data_says_who_is_who() -> None:
    jesper_young = _sample("Jesper", "album", "album/a.jpg", 0)
    jesper_old = Sample("Jesper", "album", "album/b.jpg", "face 0", np.full(8, 8**-0.5))
    crowd = [
        _sample("group/x.jpg#0", "group", "group/x.jpg", 1, unnamed=True),
        _sample("group/x.jpg#1", "group", "group/x.jpg", 2, unnamed=True),
        _sample("group/y.jpg#0", "group", "group/y.jpg", 3, unnamed=True),
    ]
    pairs = known_pairs([jesper_young, jesper_old, *crowd])
    described = {(p.a.source, p.b.source, p.a.person, p.b.person): p for p in pairs}
    # Unnamed faces in two photos of one set may be one person: never paired.
    assert not [p for p in pairs if p.a.unnamed and p.b.unnamed and p.a.source != p.b.source]
    in_one_photo = described["group/x.jpg", "group/x.jpg", "group/x.jpg#0", "group/x.jpg#1"]
    assert not in_one_photo.same and in_one_photo.score == 0
    genuine, impostor = split_scores(pairs)
    assert genuine.tolist() == pytest.approx([8**-0.5])
    assert len(impostor) == len(pairs) - 1 == 2 * 3 + 1
    kept = split_scores(pairs, lambda p: "album" in (p.a.collection, p.b.collection))[1]
    assert len(kept) == 6


def test_every_face_of_a_group_is_embedded_as_the_portrait_path_embeds_it(
    settings: Settings, astronaut: np.ndarray
) -> None:
    embedder = open_embedder(settings)
    alone = embedder.embed(astronaut)
    assert alone is not None
    pair = embed_every_face(embedder, np.ascontiguousarray(np.hstack([astronaut, astronaut])))
    assert len(pair) == 2
    assert all(float(alone @ face) > 0.99 for face in pair)
    # A third of the size: YuNet still finds the face, but it is under MIN_FACE_PX.
    small = np.ascontiguousarray(astronaut[::3, ::3])
    (face,) = embedder.faces(small)
    assert min(face[2], face[3]) < MIN_FACE_PX
    assert embed_every_face(embedder, small) == []
