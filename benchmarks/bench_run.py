"""Time ``cs360 run`` on the sample engagement against a floor measured in the same run.

The floor is the cost nobody can avoid: the same number of papermill executions
(``kernel_name="python3"``) of a notebook that only imports ``cs360lib``, in one
fresh Python process, like ``cs360 run``. The ratio run / floor is what the
runner and the notebooks add on top (loading data, analyses, charts, HTML export,
hashing inputs, manifest). Goal: at most 3.0.

With ``--pdf`` the run also prints each stakeholder report to PDF (``cs360 run --pdf``); the
PDF figure is reported separately and has the same goal.

Usage::

    .venv/bin/python benchmarks/bench_run.py [--engagement data/samples/engagement.yml]
        [--notebooks notebooks] [--only 00] [--repeat 1] [--pdf] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
GOAL = 3.0

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
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell("import cs360lib")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def time_floor(n: int, engagement: Path, work: Path) -> float:
    nb = floor_notebook(work / "floor.ipynb")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", FLOOR_SCRIPT, str(nb), str(work), str(n), str(engagement)],
        check=True,
        cwd=work,
    )
    return time.perf_counter() - t0


def time_run(
    engagement: Path, notebooks: Path | None, only: str | None, out: Path, pdf: bool = False
) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "cs360lib.cli", "run", str(engagement), "--out", str(out)]
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
    manifest = json.loads(
        (Path(proc.stdout.strip().splitlines()[-1]) / "manifest.json").read_text()
    )
    return elapsed, manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagement", type=Path, default=REPO / "data/samples/engagement.yml")
    parser.add_argument("--notebooks", type=Path, default=None)
    parser.add_argument("--only", default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pdf", action="store_true", help="also print PDF reports")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    args = parser.parse_args(argv)

    runs, floors = [], []
    manifest: dict = {}
    with tempfile.TemporaryDirectory(prefix="cs360-bench-") as td:
        work = Path(td)
        for i in range(args.repeat):
            elapsed, manifest = time_run(
                args.engagement, args.notebooks, args.only, work / f"r{i}", args.pdf
            )
            n = len([nb for nb in manifest["notebooks"] if nb["status"] != "skipped"])
            runs.append(elapsed)
            floors.append(time_floor(max(n, 1), args.engagement.resolve(), work))
    n = len([nb for nb in manifest["notebooks"] if nb["status"] != "skipped"])
    run_s, floor_s = min(runs), min(floors)
    ratio = run_s / floor_s
    print(f"engagement      {manifest['engagement']['id']} ({args.engagement})")
    print(
        f"notebooks       {n}: "
        + ", ".join(
            f"{nb['name']} {nb['status']} {nb.get('duration_s') or 0:.1f} s"
            for nb in manifest["notebooks"]
        )
    )
    print(f"run status      {manifest['status']}")
    label = "cs360 run --pdf" if args.pdf else "cs360 run"
    print(f"{label:<15} {run_s:7.2f} s  (best of {len(runs)})")
    print(f"floor           {floor_s:7.2f} s  ({n} papermill executions of `import cs360lib`)")
    print(f"ratio           {ratio:7.2f}   (goal <= {GOAL})")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "run_s": run_s,
                    "floor_s": floor_s,
                    "ratio": ratio,
                    "notebooks": n,
                    "pdf": args.pdf,
                    "status": manifest["status"],
                    "runs": runs,
                    "floors": floors,
                },
                indent=2,
            )
        )
    return 0 if ratio <= GOAL and manifest["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
