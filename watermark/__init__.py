"""Invisible per-frame watermark and signed C2PA provenance for generated clips.

Not built yet: see DESIGN.md "Marking". It will import nothing else of talkgate's.
"""

__all__: list[str] = []
