"""Side-by-side performance measurements (DESIGN section 6), run by ``seaice-jax bench``.

Each module ``benchmarks/<name>.py`` of the repository defines ``run(quick: bool) -> dict``
returning its sections of the JSON (e.g. ``{"icm": {"vs_numpy": ..., ...}}``). Every ``vs_*`` is
(our throughput) / (theirs), both measured in the same run on the same machine.
"""

from __future__ import annotations

import datetime
import importlib.metadata as md
import importlib.util
import json
import logging
import os
import platform
import time
from pathlib import Path

import jax

from seaice_jax.atomic import write_text
from seaice_jax.errors import SeaIceError

log = logging.getLogger(__name__)

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _modules(only: list[str] | None):
    if not BENCH_DIR.is_dir():
        raise SeaIceError(f"{BENCH_DIR}: benchmarks folder not found (run from a source checkout)")
    files = sorted(p for p in BENCH_DIR.glob("*.py") if not p.name.startswith("_"))
    for p in files:
        if only and p.stem not in only:
            continue
        spec = importlib.util.spec_from_file_location(f"seaice_jax_bench_{p.stem}", p)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if hasattr(mod, "run"):
            yield p.stem, mod


def device_description() -> str:
    d = jax.devices()[0]
    cpu = platform.processor() or platform.machine()
    return f"{d.platform}:{getattr(d, 'device_kind', d)} ({jax.device_count()} device(s); host {cpu}, {_ncpu()} cores)"


def _ncpu() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def run_all(only: list[str] | None = None, quick: bool = False) -> dict:
    result: dict = {"device": device_description()}
    for name, mod in _modules(only):
        t0 = time.perf_counter()
        log.info("bench: %s ...", name)
        section = mod.run(quick=quick)
        result.update(section)
        log.info("bench: %s done in %.1f s", name, time.perf_counter() - t0)
    return result


def run_context() -> list[str]:
    """Markdown lines that say where and when a run happened: CPU, memory, versions, load."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    try:
        mem = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        mem = "RAM unknown"
    versions = []
    for pkg in ("jax", "jaxlib", "flax", "torch"):
        try:
            versions.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            continue
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"Host: {cpu}, {_ncpu()} cores, {mem}; {', '.join(versions)}.",
        f"Finished {when}; load average at the end (1, 5, 15 min): {load}. A load well above the",
        "core count means other jobs shared the machine: absolute rates are then lower bounds.",
    ]


def _kept_sections(path: str | Path) -> str:
    """The hand-written ``## `` sections after the table of an existing BENCHMARKS.md."""
    try:
        text = Path(path).read_text()
    except OSError:
        return ""
    i = text.find("\n## ")
    return text[i + 1 :] if i >= 0 else ""


def to_markdown(result: dict, command: str, keep: str = "") -> str:
    """The BENCHMARKS.md text: run context, the flattened result table, then ``keep``.

    ``keep`` is appended as it is: the notes and targets written by hand under ``## `` headings
    in the previous file, so a new run refreshes the numbers without deleting them (their own
    text says which run they discuss).
    """
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {result.get('device')}",
        "",
        *run_context(),
        "",
        f"Reproduce: `{command}` (`make bench` installs the `bench` extras and torch first)",
        "",
        "Every `vs_*` is (our throughput) / (the reference's), measured side by side in the same run.",
        "Absolute rates depend on the machine and its load (a shared machine can be busy with other",
        "jobs while this runs); the side-by-side ratios are what carry over.",
        "",
        "| section | metric | value |",
        "|---|---|---|",
    ]

    def walk(prefix, obj):
        for k, v in obj.items():
            if isinstance(v, dict):
                walk(f"{prefix}{k}.", v)
            else:
                val = f"{v:.4g}" if isinstance(v, float) else str(v)
                sec, _, metric = f"{prefix}{k}".partition(".")
                lines.append(f"| {sec} | {metric or sec} | {val} |")

    walk("", {k: v for k, v in result.items() if k != "device"})
    text = "\n".join(lines) + "\n"
    return text + ("\n" + keep.rstrip("\n") + "\n" if keep.strip() else "")


def run_bench(
    out: str | Path, *, markdown: str | Path | None = None, only=None, quick: bool = False
) -> dict:
    """Run the benchmarks (``only``: module names), write the JSON to ``out`` and, with
    ``markdown``, the BENCHMARKS.md table (keeping its hand-written sections).

    Returns:
      The result (see DESIGN section 4, ``seaice-jax bench``).
    """
    result = run_all(only, quick=quick)
    write_text(out, json.dumps(result, indent=2) + "\n")
    cmd = "seaice-jax bench --out " + str(out) + (" --quick" if quick else "")
    if markdown:
        md_text = to_markdown(result, cmd, keep=_kept_sections(markdown))
        write_text(markdown, md_text)
    return result
