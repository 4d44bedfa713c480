"""``talkgate bench``: the benchmark sections and the report they write under docs/.

Each section is a function ``Settings -> Section`` registered in :data:`SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway.bench.face import bench_face
from gateway.bench.report import Report, Section, new_report, write_report
from gateway.errors import GatewayError
from gateway.settings import Settings

SECTIONS: dict[str, Callable[[Settings], Section]] = {
    "face": bench_face,
}


def run_benchmarks(
    settings: Settings,
    names: Sequence[str] | None = None,
    log: Callable[[str], object] = lambda message: None,
) -> Report:
    """Run the named sections (all when ``names`` is empty).

    Raises:
        GatewayError: a name is not a known section.
    """
    names = list(names or SECTIONS)
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise GatewayError(f"unknown benchmark section(s) {unknown}; known: {list(SECTIONS)}")
    sections = []
    for name in names:
        log(f"bench: {name}")
        sections.append(SECTIONS[name](settings))
    return new_report(sections)


__all__ = ["SECTIONS", "run_benchmarks", "write_report"]
