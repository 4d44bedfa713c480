"""Consent verification and explainable generation decisions: pure logic over typed inputs.

Not built yet: see DESIGN.md "Policy and consent". No HTTP, no database, nothing else of
talkgate's.
"""

__all__: list[str] = []
