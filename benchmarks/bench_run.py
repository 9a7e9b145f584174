"""Time ``cs360 run`` on the sample engagement against floors measured in the same run.

The **floor** of N notebooks is the cost nobody can avoid: N papermill executions
(``kernel_name="python3"``) of a notebook that only imports ``cs360lib``, in one fresh Python
process, like ``cs360 run``: a kernel start, the library's import and papermill's own work, N
times. The **fixed cost of one notebook** is the floor of one. Since ``import cs360lib``
imports its public names on first use, the floor's cell also looks every public name up
(``cs.__all__``): it imports exactly what ``import cs360lib`` imported before, so the floor
measures the same work.

Three figures, each against its issue's goal:

(a) issue 10: ``cs360 run --only 00`` (notebook 00 with both HTML reports and the manifest)
    against the floor of one notebook; goal at most 3.0.
(b) issue 15: the five-notebook run against the floor of five notebooks; goal at most 2.5.
(c) issue 17: the five-notebook run's overhead, its wall time minus its **compute**, against
    the fixed cost of ONE notebook; goal at most 2.0. The compute is the sum, over the
    executed notebooks, of the cells' execution times that papermill records in each
    notebook (``metadata.papermill.duration`` of every code cell), excluding the parameters
    cells (the notebook's and the one papermill injects) and the setup cell (the cell that
    calls ``cs.setup_notebook``: ``import cs360lib``, the theme, the engagement and
    ``cs.load_engagement``), which are the fixed cost a notebook pays before it computes
    anything. So the overhead is everything else: the pre-flight load, kernel starts,
    imports, loading the sources in each kernel, papermill, the HTML exports, front pages,
    manifest and index.

    The compute is taken from the run with one notebook at a time (``--notebooks-at-once
    1``), where each notebook has a core to itself: with two notebooks at once their cells
    wait for the CPU and take longer, and subtracting those longer times would hide overhead
    in them. The same figure for the run with one notebook at a time is printed too.

The five-notebook run uses ``cs360 run``'s default, two notebooks at a time where their
metadata allows (cs360lib/run/schedule.py) on a machine with two cores.

With ``--pdf`` the runs also print each stakeholder report to PDF (``cs360 run --pdf``).

Usage::

    .venv/bin/python benchmarks/bench_run.py [--engagement data/samples/engagement.yml]
        [--notebooks notebooks] [--repeat 2] [--pdf] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
GOALS = {"issue10": 3.0, "issue15": 2.5, "issue17": 2.0}
SETUP_CALL = "setup_notebook("
"""A cell that calls this is the notebook's setup cell (not counted as compute)."""

FLOOR_SCRIPT = textwrap.dedent(
    """
    import sys
    import papermill as pm

    nb, out, n, engagement = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    for i in range(n):
        pm.execute_notebook(
            nb, f"{out}/floor_{i}.ipynb", kernel_name="python3", progress_bar=False,
            parameters={"engagement": engagement, "interactive": False, "chart_renderer": "svg"},
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    """
)


def floor_notebook(path: Path) -> Path:
    params = nbformat.v4.new_code_cell(
        'engagement: str = "engagement.yml"  # engagement file\n'
        "interactive: bool = True  # interactive widgets and charts\n"
        'chart_renderer: str = "svg"  # static chart renderer'
    )
    params.metadata["tags"] = ["parameters"]
    library = "import cs360lib as cs\n[getattr(cs, name) for name in cs.__all__]"
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(library)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def time_floor(n: int, engagement: Path, work: Path) -> float:
    """Wall time of n papermill executions of the import-only notebook in a fresh process."""
    nb = floor_notebook(work / "floor.ipynb")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", FLOOR_SCRIPT, str(nb), str(work), str(n), str(engagement)],
        check=True,
        cwd=work,
    )
    return time.perf_counter() - t0


def time_run(
    engagement: Path,
    notebooks: Path | None,
    only: str | None,
    out: Path,
    pdf: bool = False,
    at_once: int | None = None,
) -> tuple[float, dict, Path]:
    """Wall time, manifest and report folder of one ``cs360 run`` in a fresh process."""
    cmd = [sys.executable, "-m", "cs360lib.cli", "run", str(engagement), "--out", str(out)]
    if at_once is not None:
        cmd += ["--notebooks-at-once", str(at_once)]
    if pdf:
        cmd += ["--pdf"]
    if notebooks is not None:
        cmd += ["--notebooks", str(notebooks)]
    if only:
        cmd += ["--only", only]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if not proc.stdout.strip():
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"cs360 run produced no report (exit {proc.returncode})")
    folder = Path(proc.stdout.strip().splitlines()[-1])
    manifest = json.loads((folder / "manifest.json").read_text())
    return elapsed, manifest, folder


def compute_seconds(folder: Path, manifest: dict) -> dict[str, float]:
    """Compute of each executed notebook: its cells' papermill durations, setup excluded."""
    found = {}
    for entry in manifest["notebooks"]:
        if not entry.get("executed"):
            continue
        nb = nbformat.read(folder / entry["executed"], as_version=4)
        total = 0.0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            tags = set(cell.metadata.get("tags", []))
            if tags & {"parameters", "injected-parameters"} or SETUP_CALL in cell.source:
                continue
            total += float(cell.metadata.get("papermill", {}).get("duration") or 0.0)
        found[entry["name"]] = total
    return found


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagement", type=Path, default=REPO / "data/samples/engagement.yml")
    parser.add_argument("--notebooks", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts")
    parser.add_argument("--pdf", action="store_true", help="also print PDF reports")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    args = parser.parse_args(argv)

    engagement = args.engagement.resolve()
    one, five, floor1, floor5, contended = [], [], [], [], []
    serial, serial_compute = [], []
    last: dict = {}
    loads = [load_average()]
    with tempfile.TemporaryDirectory(prefix="cs360-bench-") as td:
        work = Path(td)
        for i in range(args.repeat):
            elapsed, manifest, _ = time_run(
                engagement, args.notebooks, "00", work / f"one{i}", args.pdf
            )
            one.append(elapsed)
            floor1.append(time_floor(1, engagement, work))
            elapsed, manifest, folder = time_run(
                engagement, args.notebooks, None, work / f"all{i}", args.pdf
            )
            n = len([nb for nb in manifest["notebooks"] if nb["status"] != "skipped"])
            five.append(elapsed)
            contended.append(sum(compute_seconds(folder, manifest).values()))
            floor5.append(time_floor(max(n, 1), engagement, work))
            elapsed, manifest1, folder1 = time_run(
                engagement, args.notebooks, None, work / f"serial{i}", args.pdf, at_once=1
            )
            serial.append(elapsed)
            compute = compute_seconds(folder1, manifest1)
            serial_compute.append(sum(compute.values()))
            loads.append(load_average())
            last = {"manifest": manifest, "compute": compute, "n": n}
    manifest, compute, n = last["manifest"], last["compute"], last["n"]
    fixed = min(floor1)
    # each run against the compute of the same repeat's run one at a time (cores to itself)
    overheads = [run - cpu for run, cpu in zip(five, serial_compute, strict=True)]
    serial_overheads = [run - cpu for run, cpu in zip(serial, serial_compute, strict=True)]
    figures = {
        "issue10": min(one) / fixed,
        "issue15": min(five) / min(floor5),
        "issue17": min(overheads) / fixed,
    }
    label = "cs360 run --pdf" if args.pdf else "cs360 run"
    print(f"engagement        {manifest['engagement']['id']} ({args.engagement})")
    print(f"load average      {' | '.join(loads)} (before, and after each repeat)")
    print(
        f"notebooks         {n}: "
        + ", ".join(
            f"{nb['name']} {nb['status']} {nb.get('duration_s') or 0:.1f} s "
            f"(compute {compute.get(nb['name'], 0):.1f} s)"
            for nb in manifest["notebooks"]
        )
    )
    hits = [e["hit"] for nb in manifest["notebooks"] for e in nb.get("cache", [])]
    print(f"load cache        {sum(hits)} hits of {len(hits)} lookups in the notebooks")
    print(f"run status        {manifest['status']}")
    print(f"{label + ' --only 00':<24} {min(one):7.2f} s  (best of {len(one)})")
    print(f"{label:<24} {min(five):7.2f} s  (best of {len(five)})")
    at_once = manifest.get("options", {}).get("notebooks_at_once", 1)
    print(f"  notebooks at once       {at_once}")
    print(f"  cells, contended        {min(contended):7.2f} s  (not counted: cells waited for CPU)")
    print(f"  overhead                {min(overheads):7.2f} s  (run minus compute, best)")
    print(f"{label + ' one at a time':<24} {min(serial):7.2f} s  (--notebooks-at-once 1)")
    print(f"  of which compute        {min(serial_compute):7.2f} s  (cells, setup excluded)")
    print(f"  overhead                {min(serial_overheads):7.2f} s")
    print(f"floor of 1 notebook      {fixed:7.2f} s  (the fixed cost of one notebook)")
    print(f"floor of {n} notebooks     {min(floor5):7.2f} s")
    print(f"(a) issue 10: 00 / floor(1)            {figures['issue10']:6.2f}  (goal <= 3.0)")
    print(f"(b) issue 15: run / floor({n})           {figures['issue15']:6.2f}  (goal <= 2.5)")
    print(f"(c) issue 17: (run - compute) / fixed  {figures['issue17']:6.2f}  (goal <= 2.0)")
    print(
        f"    one at a time: (b) {min(serial) / min(floor5):.2f}, "
        f"(c) {min(serial_overheads) / fixed:.2f}  (for comparison)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "figures": figures,
                    "run_00_s": one,
                    "run_all_s": five,
                    "floor_1_s": floor1,
                    "floor_n_s": floor5,
                    "overhead_s": overheads,
                    "notebooks_at_once": at_once,
                    "cells_contended_s": contended,
                    "run_all_one_at_a_time_s": serial,
                    "compute_one_at_a_time_s": serial_compute,
                    "overhead_one_at_a_time_s": serial_overheads,
                    "compute_s": compute,
                    "notebooks": n,
                    "pdf": args.pdf,
                    "status": manifest["status"],
                    "load_average": loads,
                },
                indent=2,
            )
        )
    met = all(figures[k] <= GOALS[k] for k in GOALS)
    return 0 if met and manifest["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
