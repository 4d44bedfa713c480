import cv2
import numpy as np
import pytest
from skimage import data
from skimage.metrics import structural_similarity

from watermark.similarity import StructuralSimilarity


@pytest.mark.parametrize("noise", [0.5, 1.0, 4.0])
@pytest.mark.parametrize("picture", ["camera", "moon"])
def test_agrees_with_scikit_image(picture: str, noise: float) -> None:
    reference = cv2.resize(getattr(data, picture)(), (320, 256))
    rng = np.random.default_rng(0)
    image = np.clip(reference + rng.normal(0, noise, reference.shape), 0, 255).astype(np.uint8)
    expected = structural_similarity(reference, image, data_range=255)
    # Averaging every other window leaves an error well under 1% of the distance from 1.
    assert StructuralSimilarity(reference)(image) == pytest.approx(
        expected, abs=(1 - expected) / 100
    )


def test_an_image_is_wholly_similar_to_itself() -> None:
    reference = data.camera()
    assert StructuralSimilarity(reference)(reference) == pytest.approx(1.0, abs=1e-6)
