"""The ``cs360`` command line.

Subcommands
-----------
run       Execute the notebook sequence for one engagement and write offline reports.
batch     Run many engagements, each in its own process; summary table at the end.
validate  Check an engagement file, load every source, print what was read and rejected.
new       Scaffold a new engagement folder.
sample    Write the synthetic sample department.
export    Export an executed notebook to offline HTML.
workshop  Build the workshop notebooks, prepare a workshop folder, or the offline bundle.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cs360lib import __version__


def build_parser() -> argparse.ArgumentParser:
    """Build the ``cs360`` argument parser.

    Returns
    -------
    argparse.ArgumentParser
        Parser with the ``run``, ``batch``, ``validate``, ``new``, ``sample``,
        ``export`` and ``workshop`` subcommands.
    """
    parser = argparse.ArgumentParser(
        prog="cs360",
        description="CompStat360 workbook: run engagements and produce offline reports.",
    )
    parser.add_argument("--version", action="version", version=f"cs360lib {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--out",
            default="reports",
            metavar="DIR",
            help="reports root; each run goes to DIR/<engagement id>/<timestamp>/ "
            "(default: reports)",
        )
        p.add_argument(
            "--only",
            metavar="NAMES",
            help="comma-separated notebooks to run: stem (00_data_intake), number (00) "
            "or name (data_intake)",
        )
        p.add_argument(
            "--timeout",
            type=float,
            default=1800.0,
            metavar="S",
            help="per-cell timeout in seconds, 0 for none (default: 1800)",
        )
        p.add_argument(
            "--notebooks",
            metavar="DIR",
            help="folder of NN_*.ipynb notebooks (default: the notebooks installed with "
            "cs360lib, or the repository's notebooks/ in an editable install)",
        )
        p.add_argument(
            "--fail-fast",
            action="store_true",
            help="skip the remaining notebooks after the first failure",
        )
        p.add_argument(
            "--pdf",
            action="store_true",
            default=None,
            help="also print each stakeholder report to PDF with headless Chromium "
            "(default: the engagement's publishing.pdf)",
        )

    run = sub.add_parser("run", help="execute the notebooks for one engagement")
    run.add_argument("engagement", metavar="ENGAGEMENT.yml")
    add_run_options(run)
    run.add_argument(
        "--notebooks-at-once",
        type=int,
        default=None,
        metavar="N",
        help="most notebooks executed at the same time, among those that may run beside the "
        "ones before them (default: 2 on a machine with two cores or more when the loaded "
        "tables are small, else 1)",
    )
    run.add_argument("--result-json", metavar="FILE", help=argparse.SUPPRESS)
    run.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)

    batch = sub.add_parser(
        "batch", help="run many engagements in parallel processes or on a dask cluster"
    )
    batch.add_argument("engagements", nargs="+", metavar="ENGAGEMENT.yml")
    batch.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="engagements at once on this machine (default: 1)",
    )
    where = batch.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run each engagement as a task on this dask.distributed scheduler "
        "(tcp://host:8786); --out must be on a filesystem the workers share (docs/batch.md)",
    )
    where.add_argument(
        "--cluster",
        metavar="local:N",
        help="start a dask.distributed cluster of N local worker processes for this batch",
    )
    add_run_options(batch)
    batch.set_defaults(func=cmd_batch)

    validate = sub.add_parser(
        "validate", help="check the engagement file, load every source and print a summary"
    )
    validate.add_argument("engagement", metavar="ENGAGEMENT.yml")
    validate.set_defaults(func=cmd_validate)

    new = sub.add_parser("new", help="scaffold a new engagement folder")
    new.add_argument("directory", metavar="DIR")
    new.add_argument("--name", help="department name (default: from DIR)")
    new.set_defaults(func=cmd_new)

    sample = sub.add_parser("sample", help="write the synthetic sample department")
    sample.add_argument("--out", required=True, metavar="DIR")
    sample.add_argument("--seed", type=int, default=360)
    sample.add_argument("--scale", type=float, default=1.0)
    sample.set_defaults(func=cmd_sample)

    export = sub.add_parser("export", help="export an executed notebook to offline HTML")
    export.add_argument("notebook", metavar="NOTEBOOK.ipynb")
    export.add_argument("--out", metavar="DIR", help="output folder (default: the notebook's)")
    export.add_argument(
        "--variant",
        choices=["stakeholder", "analyst", "both"],
        default="both",
        help="which report to write (default: both)",
    )
    export.set_defaults(func=cmd_export)
    add_workshop_parser(sub)
    return parser


def add_workshop_parser(sub: Any) -> None:
    """Add ``cs360 workshop build|new|bundle`` to the subcommands (docs/workshop.md).

    Parameters
    ----------
    sub : argparse subparsers action
        The ``cs360`` subcommands.
    """
    workshop = sub.add_parser(
        "workshop", help="the notebooks as training exercises (docs/workshop.md)"
    )
    verbs = workshop.add_subparsers(dest="workshop_command", required=True, metavar="ACTION")
    build = verbs.add_parser(
        "build",
        help="build notebooks/workshop/{learner,solution} from notebooks/workshop/source",
    )
    build.add_argument(
        "--notebooks",
        metavar="DIR",
        help="folder of the real notebooks, with workshop/source inside (default: the "
        "repository's notebooks/)",
    )
    build.add_argument(
        "--out", metavar="DIR", help="where learner/ and solution/ go (default: DIR/workshop)"
    )
    build.set_defaults(func=cmd_workshop_build)
    new = verbs.add_parser(
        "new", help="prepare a workshop folder whose notebooks run on one engagement"
    )
    new.add_argument("directory", metavar="DIR")
    new.add_argument("--engagement", required=True, metavar="ENGAGEMENT.yml")
    new.add_argument("--notebooks", metavar="DIR", help="folder of the real notebooks")
    new.set_defaults(func=cmd_workshop_new)
    bundle = verbs.add_parser(
        "bundle", help="build a wheelhouse to install cs360 and JupyterLab with no network"
    )
    bundle.add_argument("directory", metavar="DIR")
    bundle.set_defaults(func=cmd_workshop_bundle)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cs360`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit code: 0 on success, 1 when a run, engagement or source failed,
        2 for usage errors.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("cs360: interrupted", file=sys.stderr)
        return 130


def _only(args: argparse.Namespace) -> list[str] | None:
    return [n for n in args.only.split(",") if n.strip()] if args.only else None


def _timeout(args: argparse.Namespace) -> float | None:
    return args.timeout if args.timeout and args.timeout > 0 else None


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    """Return the options ``run`` and ``batch`` share, as keyword arguments of the runner."""
    return {
        "out_dir": args.out,
        "notebooks_dir": args.notebooks,
        "only": _only(args),
        "timeout": _timeout(args),
        "fail_fast": args.fail_fast,
        "pdf": args.pdf,
    }


def cmd_run(args: argparse.Namespace) -> int:
    """``cs360 run``: execute one engagement; prints the report folder on stdout."""
    from cs360lib.run.start import begin_run

    options = _run_options(args)
    # the first notebook's kernel starts and warms up while this process imports the runner
    # (pandas, pandera, the loaders): docs/performance.md
    start = begin_run(
        args.engagement,
        out_dir=options["out_dir"],
        notebooks_dir=options["notebooks_dir"],
        only=options["only"],
    )
    try:
        from cs360lib.run.engagement_run import run_engagement

        if args.exit_with_parent:  # a batch task: a lost worker must not leave this run behind
            from cs360lib.run.batch import watch_parent

            watch_parent()
    except BaseException:
        start.abandon()
        raise
    result = run_engagement(
        args.engagement, **options, notebooks_at_once=args.notebooks_at_once, start=start
    )
    if args.result_json:
        Path(args.result_json).write_text(json.dumps(result.to_dict(), default=str))
    print(result.report_dir)
    if not result.ok:
        print(f"cs360 run: {result.status}: {result.error}", file=sys.stderr)
    return 0 if result.ok else 1


def cmd_batch(args: argparse.Namespace) -> int:
    """``cs360 batch``: run many engagements; exit 1 when any failed."""
    from cs360lib.errors import RunError
    from cs360lib.run.batch import format_summary, run_batch

    if args.jobs is not None and (args.scheduler or args.cluster):
        print(
            "cs360 batch: --jobs runs engagements on this machine; with --scheduler or "
            "--cluster the workers' threads decide how many run at once: drop --jobs",
            file=sys.stderr,
        )
        return 2
    try:
        results = run_batch(
            args.engagements,
            jobs=args.jobs or 1,
            scheduler=args.scheduler,
            cluster=args.cluster,
            **_run_options(args),
        )
    except RunError as exc:
        print(f"cs360 batch: {exc}", file=sys.stderr)
        return 2
    print(format_summary(results))
    return 0 if all(r.ok for r in results) else 1


def cmd_validate(args: argparse.Namespace) -> int:
    """``cs360 validate``: load every source and print its summary.

    Exits 1 when the engagement file is invalid, a source cannot be loaded, or a source
    yields no usable rows (empty, or more rejected than ``analysis.max_rejected_share``).
    """
    from cs360lib.config.engagement import Engagement
    from cs360lib.data.loaders.sources import load_engagement

    try:
        engagement = Engagement.load(Path(args.engagement))
    except (OSError, ValueError) as exc:
        print(f"cs360 validate: {exc}", file=sys.stderr)
        return 1
    print(f"engagement {engagement.id}: {engagement.name} ({engagement.path})\n")
    sources = load_engagement(engagement, errors="collect")
    print(sources.summary())
    if sources.ok:
        return 0
    parts = []
    if sources.failures:
        parts.append(f"{len(sources.failures)} source(s) failed: {', '.join(sources.failures)}")
    if sources.unusable:
        parts.append(
            f"{len(sources.unusable)} source(s) yield no usable data (empty or mostly "
            f"rejected): {', '.join(sources.unusable)}; export them again or correct their "
            "files or mappings (each NOT USABLE line above says why)"
        )
    print(f"\ncs360 validate: {'; '.join(parts)}", file=sys.stderr)
    return 1


def cmd_new(args: argparse.Namespace) -> int:
    """``cs360 new``: scaffold ``DIR/engagement.yml`` and ``DIR/data/``."""
    from cs360lib.config.scaffold import write_engagement_scaffold
    from cs360lib.errors import EngagementError

    try:
        target = write_engagement_scaffold(args.directory, args.name)
    except EngagementError as exc:
        print(f"cs360 new: {exc}", file=sys.stderr)
        return 1
    print(target)
    print(
        f"next: put the department's exports in {target.parent / 'data'}, edit {target}, "
        f"then run `cs360 validate {target}`",
        file=sys.stderr,
    )
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    """``cs360 sample``: write the synthetic sample department; prints its engagement path."""
    from cs360lib.datasets.sampleton import make_department

    path = make_department(Path(args.out), seed=args.seed, scale=args.scale)
    print(path)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``cs360 export``: write offline HTML for an executed notebook."""
    from cs360lib.run.frontpage import notebook_facts
    from cs360lib.run.reports import VARIANTS, export_reports

    nb = Path(args.notebook)
    variants = VARIANTS if args.variant == "both" else (args.variant,)
    result = export_reports(
        nb, Path(args.out or nb.parent), nb.stem, variants=variants, meta=notebook_facts(nb)
    )
    for path in result.paths.values():
        print(path)
    for ref in result.removed:
        print(f"cs360 export: removed network reference {ref}", file=sys.stderr)
    return 0


def cmd_workshop_build(args: argparse.Namespace) -> int:
    """``cs360 workshop build``: write the learner and solution notebooks; prints each path."""
    from cs360lib.errors import Cs360Error
    from cs360lib.run.execute import PACKAGED_NOTEBOOKS
    from cs360lib.workshop import build_workshop, source_dir

    real = Path(args.notebooks) if args.notebooks else None
    sources = source_dir(real)
    real = sources.parent.parent
    if args.out is None and real.resolve() == PACKAGED_NOTEBOOKS.resolve():
        print(
            "cs360 workshop build: cs360lib is installed from a wheel; give --out DIR for the "
            "learner and solution notebooks (`cs360 workshop new` prepares a workshop folder)",
            file=sys.stderr,
        )
        return 2
    try:
        written = build_workshop(sources, real, Path(args.out) if args.out else sources.parent)
    except Cs360Error as exc:
        print(f"cs360 workshop build: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


def cmd_workshop_new(args: argparse.Namespace) -> int:
    """``cs360 workshop new``: prepare a workshop folder for one engagement."""
    from cs360lib.errors import Cs360Error
    from cs360lib.workshop import new_workshop

    try:
        written = new_workshop(args.directory, args.engagement, real_dir=args.notebooks)
    except Cs360Error as exc:
        print(f"cs360 workshop new: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    print(
        f"next: jupyter lab {Path(args.directory) / 'learner'} (the facilitator guide is "
        "docs/workshop.md)",
        file=sys.stderr,
    )
    return 0


def cmd_workshop_bundle(args: argparse.Namespace) -> int:
    """``cs360 workshop bundle``: build the offline wheelhouse; prints its folder."""
    from cs360lib.errors import Cs360Error
    from cs360lib.workshop import build_bundle

    try:
        folder = build_bundle(args.directory)
    except Cs360Error as exc:
        print(f"cs360 workshop bundle: {exc}", file=sys.stderr)
        return 1
    print(folder)
    print((folder / "INSTALL.txt").read_text(encoding="utf-8"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
