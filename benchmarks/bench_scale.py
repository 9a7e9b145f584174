"""Run the notebooks on a large synthetic department: wall time and peak memory against data size.

The department is made in the benchmark (``cs360 sample --scale N``, about ``20_000 * N``
incidents plus calls, arrests, EMS and 311 in proportion) in a temporary folder, never
committed. Then:

1. **Loading, in this process**: ``load_engagement`` of every source, its wall time, and the
   growth of this process's peak resident memory during the load against the Arrow size of
   the loaded tables (``pyarrow.Table.from_pandas(result.data).nbytes`` summed over the
   sources).
2. **The run**: ``cs360 run`` of the notebooks (``--only``, default all), in a child process;
   wall time per notebook (from the manifest) and the peak of the summed resident memory of
   the run's process tree (the ``cs360 run`` process, which loads every source as a
   pre-flight and stores it in the load cache, and the kernels, which read the cache),
   sampled every 0.2 s with psutil.

The goal of issue 17 is a peak at most 3 times the Arrow size. Scale 500 (10 million incidents)
is the issue's target; the default here is 50.

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--scale 50] [--only 00] [--json out.json]
        [--department engagement.yml] [--keep folder]

With ``--keep`` the run's report folder (executed notebooks with papermill's cell times, the
manifest, the reports) is copied out before the temporary folder is removed, for a profile of
where the time goes.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyarrow as pa

from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders.sources import load_engagement

GOAL = 3.0
MIB = 2**20


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make(scale: float, folder: Path) -> tuple[Path, float]:
    """Write the department with ``cs360 sample`` in a child process; return its path, time."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cs360lib.cli",
            "sample",
            "--out",
            str(folder),
            "--scale",
            str(scale),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(proc.stdout.strip().splitlines()[-1]), time.perf_counter() - t0


def measure_load(engagement: Path) -> dict:
    """Load every source here; return wall time, rows, Arrow bytes and the peak growth."""
    eng = Engagement.load(engagement)
    before = peak_rss_bytes()
    t0 = time.perf_counter()
    sources = load_engagement(eng, errors="collect")
    seconds = time.perf_counter() - t0
    grown = peak_rss_bytes() - before
    tables = {}
    for name, result in sources.items():
        table = pa.Table.from_pandas(result.data, preserve_index=False)
        tables[name] = {"rows": table.num_rows, "arrow_bytes": table.nbytes}
    return {
        "seconds": seconds,
        "peak_growth_bytes": grown,
        "arrow_bytes": sum(t["arrow_bytes"] for t in tables.values()),
        "tables": tables,
    }


def tree_rss(proc: psutil.Process) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure_run(engagement: Path, out: Path, only: str | None, keep: Path | None = None) -> dict:
    """Run ``cs360 run`` in a child process, sampling the process tree's memory."""
    cmd = [sys.executable, "-m", "cs360lib.cli", "run", str(engagement), "--out", str(out)]
    cmd += ["--timeout", "0"] + (["--only", only] if only else [])
    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    watched = psutil.Process(proc.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(watched))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - t0
    report_dir = Path(stdout.strip().splitlines()[-1])
    manifest = json.loads((report_dir / "manifest.json").read_text())
    if keep is not None:
        shutil.copytree(report_dir, keep / report_dir.name, dirs_exist_ok=True)
    return {
        "seconds": seconds,
        "peak_tree_bytes": peak,
        "status": manifest["status"],
        "error": manifest["error"],
        "notebooks": {nb["name"]: (nb["status"], nb["duration_s"]) for nb in manifest["notebooks"]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=50.0, help="department size (default 50)")
    parser.add_argument("--only", default=None, help="notebooks to run, as `cs360 run --only`")
    parser.add_argument("--skip-run", action="store_true", help="measure the load only")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    parser.add_argument(
        "--department",
        type=Path,
        default=None,
        help="engagement.yml of a department made earlier by `cs360 sample --scale N` "
        "(default: make one of --scale in a temporary folder)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="copy the run's report folder here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cs360-bench-scale-") as td:
        if args.department is not None:
            engagement = args.department.resolve()
            print(f"department      {engagement} (made earlier)")
        else:
            engagement, made_s = make(args.scale, Path(td) / "department")
            print(f"department      scale {args.scale:g}, written in {made_s:.1f} s")
        load = measure_load(engagement)
        arrow = load["arrow_bytes"]
        for name, t in load["tables"].items():
            print(f"  {name:<16} {t['rows']:>11,} rows  {t['arrow_bytes'] / MIB:9.1f} MiB Arrow")
        print(f"arrow size      {arrow / MIB:9.1f} MiB")
        grown = load["peak_growth_bytes"]
        print(
            f"load            {load['seconds']:9.1f} s, peak grew {grown / MIB:.0f} MiB"
            f" = {grown / arrow:.2f} x Arrow (goal <= {GOAL:g})"
        )
        figures = {"scale": args.scale, "load": load}
        if not args.skip_run:
            run = measure_run(engagement, Path(td) / "reports", args.only, args.keep)
            figures["run"] = run
            for name, (status, seconds) in run["notebooks"].items():
                print(f"  {name:<24} {status:<8} {seconds or 0:8.1f} s")
            peak = run["peak_tree_bytes"]
            print(
                f"cs360 run       {run['seconds']:9.1f} s, {run['status']}; peak of the process "
                f"tree {peak / MIB:.0f} MiB = {peak / arrow:.2f} x Arrow"
            )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    return 0 if figures.get("run", {"status": "ok"})["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
