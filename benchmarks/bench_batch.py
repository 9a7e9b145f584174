"""Time a batch of sample engagements three ways: sequential, ``--jobs 2``, a 2-worker dask cluster.

N copies of the sample department (``data/samples``, each under its own engagement id) run
as one ``cs360 batch``:

1. sequentially (``jobs=1``), the baseline;
2. on two local processes (``jobs=2``);
3. on a dask.distributed ``LocalCluster`` of two worker processes (``cluster="local:2"``,
   the time includes starting and stopping the cluster and importing cs360lib in each worker);
4. on a running two-worker ``LocalCluster`` (``scheduler=ADDRESS``), started and warmed (cs360lib
   imported in each worker) before the clock starts, as a standing cluster would be.

For each it prints the wall time, engagements per minute and the parallel efficiency
``T_sequential / (2 * T_parallel)``; the goal is a cluster efficiency of at least 80 % of the
local-processes figure (issue 17); the warm cluster is the one to compare (a batch's
fixed start-up cost shrinks as N grows). The machine's load changes every figure: read the
ratios, which come from the same run.

Usage::

    .venv/bin/python benchmarks/bench_batch.py [--n 20] [--only 00] [--json out.json] 2>/dev/null
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from cs360lib.run.batch import run_batch

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples"
GOAL = 0.8


def make_engagements(n: int, root: Path) -> list[Path]:
    """Copy the sample department ``n`` times, each with its own engagement id."""
    paths = []
    for i in range(1, n + 1):
        folder = root / f"dept-{i:02d}"
        shutil.copytree(SAMPLE, folder)
        path = folder / "engagement.yml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("id: sampleton-pd", f"id: sampleton-pd-{i:02d}", 1))
        paths.append(path)
    return paths


def timed(label: str, engagements: list[Path], out: Path, only: list[str] | None, **kw) -> dict:
    """Run one batch; return its wall time and outcome."""
    t0 = time.perf_counter()
    results = run_batch(engagements, out_dir=out, only=only, progress=lambda line: None, **kw)
    seconds = time.perf_counter() - t0
    ok = sum(r.ok for r in results)
    print(
        f"{label:<22} {seconds:8.1f} s  {len(engagements) / seconds * 60:6.2f} engagements/min"
        f"  ({ok} of {len(results)} ok)",
        flush=True,
    )
    return {"seconds": seconds, "ok": ok, "n": len(results)}


def _import_runner() -> None:
    importlib.import_module("cs360lib.run.cluster")


@contextlib.contextmanager
def warm_cluster(workers: int) -> Iterator[str]:
    """Start a LocalCluster as ``--cluster`` does, import cs360lib in its workers; yield it."""
    import dask
    from distributed import Client, LocalCluster

    from cs360lib.run.cluster import MAX_ATTEMPTS

    with dask.config.set({"distributed.scheduler.allowed-failures": MAX_ATTEMPTS - 1}):
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    try:
        with Client(cluster) as client:
            client.run(_import_runner)
        yield cluster.scheduler_address
    finally:
        cluster.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="engagements (default: 20)")
    parser.add_argument("--only", default=None, help="notebooks to run, as `cs360 run --only`")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    args = parser.parse_args(argv)
    only = [n for n in args.only.split(",") if n.strip()] if args.only else None

    print(f"{args.n} copies of {SAMPLE}, notebooks: {args.only or 'all'}, cpus: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="cs360-bench-batch-") as td:
        root = Path(td)
        engagements = make_engagements(args.n, root / "engagements")
        figures = {
            "sequential": timed("sequential", engagements, root / "seq", only, jobs=1),
            "jobs2": timed("--jobs 2", engagements, root / "jobs2", only, jobs=2),
            "cluster2": timed(
                "--cluster local:2", engagements, root / "cluster", only, cluster="local:2"
            ),
        }
        with warm_cluster(2) as address:
            figures["scheduler2"] = timed(
                "--scheduler (warm)", engagements, root / "warm", only, scheduler=address
            )
    seq = figures["sequential"]["seconds"]
    eff_jobs = seq / (2 * figures["jobs2"]["seconds"])
    eff_cluster = seq / (2 * figures["cluster2"]["seconds"])
    eff_warm = seq / (2 * figures["scheduler2"]["seconds"])
    print(
        f"parallel efficiency    --jobs 2 {eff_jobs:6.1%}   --cluster local:2 {eff_cluster:6.1%}"
        f"   warm --scheduler {eff_warm:6.1%}"
    )
    print(
        f"cluster / local        {eff_cluster / eff_jobs:6.1%} with start-up, "
        f"{eff_warm / eff_jobs:6.1%} warm   (goal >= {GOAL:.0%})"
    )
    if args.json:
        figures.update(
            efficiency_jobs2=eff_jobs, efficiency_cluster2=eff_cluster, efficiency_warm2=eff_warm
        )
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    all_ok = all(f["ok"] == f["n"] for f in figures.values() if isinstance(f, dict))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
