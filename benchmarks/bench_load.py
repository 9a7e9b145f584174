"""Benchmark: cs360lib.load on a 1,000,000-row incidents CSV against pyarrow's raw read.

Both are measured in the same run, on the same file, alternating, several times; the
ratio of the medians is the figure to watch (goal: at most 2.0). Peak memory is the
peak RSS (VmHWM) of a fresh child process doing each read once, minus the RSS of the
same child after its imports, so both numbers count only the read.

Usage::

    python benchmarks/bench_load.py [--rows 1000000] [--repeat 5] [--gzip]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.csv as pa_csv

HERE = Path(__file__).resolve().parent
CACHE = HERE / "_data"
MAPPING = {"formats": {"occurred_at": "%Y-%m-%d %H:%M:%S"}}

CHILD = r"""
import json, sys
import pyarrow.csv as pa_csv
import cs360lib
def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)
path, which = sys.argv[1], sys.argv[2]
before = status_mb("VmRSS")
if which == "pyarrow":
    frame = pa_csv.read_csv(path).to_pandas()
    rows = len(frame)
else:
    result = cs360lib.load("incidents", path, json.loads(sys.argv[3]))
    rows = len(result.data)
print(json.dumps({"before_mb": before, "peak_mb": status_mb("VmHWM"), "rows": rows}))
"""


def make_csv(rows: int, *, gzip: bool) -> Path:
    """Write (once, cached) a CSV of synthetic incidents made by the sample generator."""
    from cs360lib.datasets.sampleton import make_incidents

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"incidents_{rows}.csv{'.gz' if gzip else ''}"
    if not path.exists():
        frame = make_incidents(rows, seed=360)
        frame["occurred_at"] = frame["occurred_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
        tmp = path.with_suffix(".tmp")
        frame.to_csv(tmp, index=False, compression="gzip" if gzip else None)
        tmp.rename(path)
    return path


def time_once(which: str, path: Path) -> float:
    """Time one read in this process."""
    import cs360lib

    start = time.perf_counter()
    if which == "pyarrow":
        pa_csv.read_csv(path).to_pandas()
    else:
        result = cs360lib.load("incidents", path, MAPPING)
        assert result.rejected.empty, result.summary()
    return time.perf_counter() - start


def peak_memory(which: str, path: Path) -> dict[str, float]:
    """Peak RSS of a fresh process doing one read."""
    output = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), which, json.dumps(MAPPING)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--gzip", action="store_true", help="read a .csv.gz instead")
    args = parser.parse_args()

    path = make_csv(args.rows, gzip=args.gzip)
    size_mb = path.stat().st_size / 1e6
    time_once("cs360lib", path)  # warm the page cache and imports
    times: dict[str, list[float]] = {"pyarrow": [], "cs360lib": []}
    for _ in range(args.repeat):
        for which in ("pyarrow", "cs360lib"):
            times[which].append(time_once(which, path))
    base, ours = statistics.median(times["pyarrow"]), statistics.median(times["cs360lib"])
    memory = {which: peak_memory(which, path) for which in ("pyarrow", "cs360lib")}
    print(f"file: {path.name} ({args.rows:,} rows, {size_mb:.0f} MB)")
    runs = {which: _fmt(values) for which, values in times.items()}
    print(f"pyarrow.csv.read_csv().to_pandas(): median {base:.2f} s  (runs: {runs['pyarrow']})")
    print(f"cs360lib.load('incidents', ...):     median {ours:.2f} s  (runs: {runs['cs360lib']})")
    print(f"ratio (cs360lib / pyarrow): {ours / base:.2f}  (goal <= 2.0)")
    for which, figures in memory.items():
        used = figures["peak_mb"] - figures["before_mb"]
        print(f"peak memory {which}: {figures['peak_mb']:.0f} MB RSS ({used:.0f} MB above imports)")
    return 0


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
