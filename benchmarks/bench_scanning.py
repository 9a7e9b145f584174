"""Benchmark: coding 100,000 responses against a bare pass of one regular expression.

``code_responses`` (one pass of the codebook's combined expression, plus exclusions,
negation, the English check and the evidence table) is timed against the least any coder
must do: one pass of a single compiled regular expression holding every pattern of the
codebook over the same responses, collecting the matches. Both run in the same process,
alternating, several times; the ratio of the medians is the figure to watch (goal: at
most 3).

The responses are synthetic, built deterministically from sentence parts like those of
scanning interviews (concerns, negations, places, times, uncovered chatter), so that
about a third carry a concern, some two, and some a negated mention.

Usage::

    python benchmarks/bench_scanning.py [--responses 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from cs360lib.steps.scanning import code_responses, default_codebook

SUBJECTS = [
    "Street robbery",
    "Phone snatching",
    "Car break-ins",
    "Speeding",
    "Drag racing",
    "The drug market",
    "Overdoses",
    "Shootings",
    "Illegal dumping",
    "Graffiti",
    "Kids with nothing to do",
    "Homeless encampments",
    "Dark blocks with broken streetlights",
    "Domestic violence",
    "Slow response times",
    "Burglaries",
    "Fights outside the bar",
    "The farmers market",
    "The new bike lanes",
    "Our block party",
    "The library hours",
]
NEGATIONS = ["", "", "", "", " is not a problem here", " isn't really an issue", ""]
PLACES = [
    " near the transit center",
    " on Main St",
    " by the school",
    " around the shelters",
    " at Cedar and 14th",
    " in the park",
    " on the avenues",
    "",
]
TAILS = [
    " at night.",
    " every weekend.",
    ", and nobody talks about it.",
    ".",
    "; people are afraid to walk there.",
    ", which worries the merchants.",
    " and trust in the police is low.",
    "",
]


def make_responses(n: int, seed: int = 360) -> pd.DataFrame:
    """Build ``n`` synthetic responses (deterministic)."""
    rng = np.random.default_rng(seed)
    parts = [
        np.array(SUBJECTS)[rng.integers(0, len(SUBJECTS), n)],
        np.array(NEGATIONS)[rng.integers(0, len(NEGATIONS), n)],
        np.array(PLACES)[rng.integers(0, len(PLACES), n)],
        np.array(TAILS)[rng.integers(0, len(TAILS), n)],
    ]
    text = pd.Series(parts[0]).str.cat(parts[1:])
    return pd.DataFrame({"response_id": [f"R{i}" for i in range(n)], "response": text})


def baseline(texts: list[str], regex) -> int:  # noqa: ANN001 - a compiled pattern
    """One pass of one compiled expression over the responses, collecting the matches."""
    joined = "\n\n".join(texts)
    return sum(1 for _ in regex.finditer(joined))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    book = default_codebook()
    regex = book.compile().baseline_regex
    frame = make_responses(args.responses)
    texts = frame["response"].tolist()
    coding = code_responses(frame, book)  # warm up (compiles, fills the span memo)
    found = baseline(texts, regex)
    print(
        f"{args.responses:,} responses; baseline matches {found:,}; coded responses "
        f"{int(coding.codes.any(axis=1).sum()):,}; negated mentions "
        f"{int((coding.evidence['status'] == 'negated').sum()):,}"
    )
    times: dict[str, list[float]] = {"code_responses": [], "one regex pass": []}
    for _ in range(args.repeat):
        start = time.perf_counter()
        code_responses(frame, book)
        times["code_responses"].append(time.perf_counter() - start)
        start = time.perf_counter()
        baseline(texts, regex)
        times["one regex pass"].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:>16}: median {v:.2f} s over {args.repeat} runs")
    ratio = med["code_responses"] / med["one regex pass"]
    print(f"ratio code_responses / one regex pass: {ratio:.2f} (goal: at most 3)")


if __name__ == "__main__":
    main()
