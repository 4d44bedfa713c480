"""The ``gpu`` marker skips cleanly on machines without CUDA and runs where there is one."""

from __future__ import annotations

import pytest
import torch


def test_gpu_tests_skip_without_cuda(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.conftest import pytest_collection_modifyitems  # noqa")
    pytester.makeini("[pytest]\nmarkers =\n    gpu: needs CUDA\n")
    pytester.makepyfile(
        """
        import pytest, torch

        @pytest.mark.gpu
        def test_on_gpu():
            assert torch.zeros(1, device="cuda").item() == 0

        def test_anywhere():
            pass
        """
    )
    result = pytester.runpytest("-rs", "-p", "no:cacheprovider")
    if torch.cuda.is_available():
        result.assert_outcomes(passed=2)
    else:
        result.assert_outcomes(passed=1, skipped=1)
        result.stdout.fnmatch_lines(["*needs a CUDA GPU; none is available*"])
