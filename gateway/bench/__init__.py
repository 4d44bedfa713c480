"""``talkgate bench``: the benchmark sections and the report they write under docs/.

Each section is a function ``(Settings, docs_dir) -> Section`` registered in
:data:`SECTIONS`; pictures it draws go under ``docs_dir/images``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from gateway.bench.face import bench_face
from gateway.bench.load import bench_load
from gateway.bench.motion import bench_motion
from gateway.bench.motion_stats import bench_motion_stats
from gateway.bench.policy import bench_policy
from gateway.bench.portraits import bench_portraits
from gateway.bench.provenance import bench_provenance
from gateway.bench.render import bench_render
from gateway.bench.report import Report, Section, new_report, write_report
from gateway.bench.watermark import bench_watermark
from gateway.errors import GatewayError
from gateway.settings import Settings

SECTIONS: dict[str, Callable[[Settings, Path], Section]] = {
    "face": bench_face,
    "render": bench_render,
    "portraits": bench_portraits,
    "motion-stats": bench_motion_stats,
    "motion": bench_motion,
    "watermark": bench_watermark,
    "provenance": bench_provenance,
    "load": bench_load,
    "policy": bench_policy,
}


def run_benchmarks(
    settings: Settings,
    docs_dir: Path,
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
        sections.append(SECTIONS[name](settings, docs_dir))
    return new_report(sections)


__all__ = ["SECTIONS", "run_benchmarks", "write_report"]
