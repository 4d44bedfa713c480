"""The talkgate service and command line: settings, model assets, real data, demo, benchmarks.

Entry points: :func:`gateway.settings.get_settings` and the ``talkgate`` CLI
(:mod:`gateway.cli`). The gateway may import every other talkgate package; none imports it.
"""

__all__: list[str] = []
