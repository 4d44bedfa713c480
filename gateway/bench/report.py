"""The benchmark report: measurements, the machine they ran on, Markdown + JSON output.

Speed is quoted as medians, and as a ratio against a baseline timed in the same process,
because this machine is shared and noisy: a ratio survives load that a raw time does not.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds per call over repeated runs."""

    median_s: float
    runs: int

    @property
    def per_second(self) -> float:
        """Calls per second at the median."""
        return 1.0 / self.median_s


def measure(call: Callable[[], object], *, runs: int = 20, warmup: int = 2) -> Timing:
    """Time ``call`` ``runs`` times after ``warmup`` untimed calls; report the median."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return Timing(statistics.median(samples), runs)


@dataclass(frozen=True)
class Row:
    """One measured thing: a median time, and its ratio to a same-run baseline if any."""

    name: str
    median_ms: float
    per_second: float
    runs: int
    baseline: str | None = None
    ratio: float | None = None

    @classmethod
    def timed(cls, name: str, timing: Timing, baseline: tuple[str, Timing] | None = None) -> Row:
        """A row from a timing, optionally relative to a named baseline timing."""
        return cls(
            name=name,
            median_ms=timing.median_s * 1e3,
            per_second=timing.per_second,
            runs=timing.runs,
            baseline=baseline[0] if baseline else None,
            ratio=timing.median_s / baseline[1].median_s if baseline else None,
        )


@dataclass(frozen=True)
class Metric:
    """One measured quality figure and the target it is held to."""

    name: str
    value: float
    unit: str
    target: str  # e.g. "≥ 40"; "—" for a figure reported without a target
    met: bool | None

    @classmethod
    def at_least(cls, name: str, value: float, unit: str, floor: float) -> Metric:
        """A figure that must reach ``floor``."""
        return cls(name, float(value), unit, f"≥ {floor:g}", bool(value >= floor))

    @classmethod
    def measured(cls, name: str, value: float, unit: str) -> Metric:
        """A figure reported for reference, held to no target."""
        return cls(name, float(value), unit, "—", None)

    @classmethod
    def at_most(cls, name: str, value: float, unit: str, ceiling: float) -> Metric:
        """A figure that must stay within ``ceiling``."""
        return cls(name, float(value), unit, f"≤ {ceiling:g}", bool(value <= ceiling))

    @classmethod
    def within(cls, name: str, value: float, unit: str, low: float, high: float) -> Metric:
        """A figure that must fall in ``[low, high]``."""
        return cls(name, float(value), unit, f"{low:g}–{high:g}", bool(low <= value <= high))


@dataclass(frozen=True)
class Table:
    """A results grid that rows and metrics do not fit (e.g. methods × attacks)."""

    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    """One benchmark section of the report."""

    name: str
    title: str
    description: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # paths relative to docs/
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    """A benchmark run: where and when it ran, and its sections."""

    machine: dict[str, Any]
    generated: str
    sections: list[Section]


#: What :func:`psnr` reports for identical images (JSON has no infinity).
IDENTICAL_PSNR_DB = 100.0


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two 8-bit images (either may be float), in dB."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return IDENTICAL_PSNR_DB if mse == 0 else 10 * float(np.log10(255.0**2 / mse))


def describe_machine() -> dict[str, Any]:
    """The facts needed to compare two reports: CPU, cores, Python, torch."""
    import torch

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
    }


def new_report(sections: list[Section]) -> Report:
    """A report stamped with the current machine and time."""
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    return Report(describe_machine(), generated, sections)


def write_report(report: Report, docs_dir: Path) -> tuple[Path, Path]:
    """Write ``benchmarks.json`` and ``benchmarks.md`` under ``docs_dir``.

    Sections not in this run are kept from the previous JSON, so running one section
    refreshes it without dropping the others.

    Returns:
        The Markdown and JSON paths.
    """
    docs_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = docs_dir / "benchmarks.json", docs_dir / "benchmarks.md"
    fresh = {
        s.name: {**asdict(s), "machine": report.machine, "generated": report.generated}
        for s in report.sections
    }
    previous = json.loads(json_path.read_text())["sections"] if json_path.exists() else []
    merged = [fresh.pop(s["name"], s) for s in previous] + list(fresh.values())
    json_path.write_text(json.dumps({"sections": merged}, indent=2) + "\n")
    md_path.write_text(render_markdown(merged))
    return md_path, json_path


def render_markdown(sections: list[dict[str, Any]]) -> str:
    """The Markdown report for sections as stored in the JSON file."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`talkgate bench [SECTION...]`); the same figures are in",
        "`benchmarks.json`. Times are medians; a ratio compares with a baseline timed in the",
        "same process, so it holds on a loaded machine where raw times drift.",
    ]
    for section in sections:
        machine = section["machine"]
        gpu = f", GPU {machine['gpu']}" if machine.get("gpu") else ", no GPU"
        lines += [
            "",
            f"## {section['title']}",
            "",
            section["description"],
            "",
            f"Measured {section['generated']} on {machine['cpu']} ({machine['cores']} cores"
            f"{gpu}), Python {machine['python']}, torch {machine['torch']}.",
        ]
        if section["rows"]:
            lines += [
                "",
                "| what | median | per second | runs | vs. baseline |",
                "|---|---:|---:|---:|---:|",
            ]
        for row in section["rows"]:
            ratio = (
                f"{_ratio(row['ratio'])}× {row['baseline']}" if row["ratio"] is not None else "—"
            )
            lines.append(
                f"| {row['name']} | {row['median_ms']:.1f} ms | {row['per_second']:.1f} "
                f"| {row['runs']} | {ratio} |"
            )
        if section.get("metrics"):
            lines += ["", "| quality | value | target | met |", "|---|---:|---:|:---:|"]
            for metric in section["metrics"]:
                lines.append(
                    f"| {metric['name']} | {_value(metric['value'])} {metric['unit']} "
                    f"| {metric['target']} | {_met(metric['met'])} |"
                )
        for table in section.get("tables", []):
            lines += ["", f"**{table['title']}**", "", "| " + " | ".join(table["header"]) + " |"]
            lines.append("|" + "---|" * len(table["header"]))
            lines += ["| " + " | ".join(cells) + " |" for cells in table["rows"]]
        for image in section.get("images", []):
            lines += ["", f"![{section['title']}]({image})"]
        lines += [""] + [f"- {note}" for note in section["notes"]] if section["notes"] else []
    return "\n".join(lines) + "\n"


def _value(value: float) -> str:
    """Counts as integers (1958, not 1.96e+03); other figures to three digits."""
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"


def _met(met: bool | None) -> str:
    return "—" if met is None else "yes" if met else "**no**"


def _ratio(value: float) -> str:
    """Two decimals, or two significant digits below 0.1 (a small cost is not "0.00×")."""
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"
