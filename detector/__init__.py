"""Recognising this generator's output: training data, training and calibrated scoring.

Not built yet: see DESIGN.md "The detector". It may import only ``generator``, to build
its training data.
"""

__all__: list[str] = []
