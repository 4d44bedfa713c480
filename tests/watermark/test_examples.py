"""The runnable examples in the watermark modules' docstrings stay true."""

import doctest

import pytest

import watermark.coding
import watermark.keys
import watermark.mark


@pytest.mark.parametrize("module", [watermark.coding, watermark.keys, watermark.mark])
def test_docstring_examples_run(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
