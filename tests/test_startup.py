"""``import cs360lib`` defers jsonschema's IRI grammar without turning any format check off."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")

IRIS = ["http://example.org/ä?q=1#frag", "urn:isbn:0451450523", "not an iri", "http://[::1", ""]

CHECK = """
import json, sys
{first}
import altair as alt
import jsonschema
import pandas as pd

alt.Chart(pd.DataFrame({{"a": [1, 2]}})).mark_bar().encode(x="a").to_dict()  # validated
drawn = "rfc3987_syntax.syntax_helpers" in sys.modules
checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
answers = {{
    fmt: [checker.conforms(v, fmt) for v in {iris!r}] for fmt in ("iri", "iri-reference", "uri")
}}
print(json.dumps({{"grammar_after_chart": drawn, "answers": answers,
                  "grammar_after_check": "rfc3987_syntax.syntax_helpers" in sys.modules}}))
"""


def _run(first: str) -> dict:
    code = CHECK.format(first=first, iris=IRIS)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_chart_does_not_import_the_iri_grammar_and_checks_stay_the_same() -> None:
    deferred = _run("import cs360lib")
    plain = _run("")
    assert plain["grammar_after_chart"] is True  # without cs360lib, the parser is built
    assert deferred["grammar_after_chart"] is False  # with it, a chart does not need it
    assert deferred["answers"] == plain["answers"]  # and every IRI check answers the same
    assert deferred["answers"]["iri"] == [True, True, False, False, False]
    assert deferred["grammar_after_check"] is True  # loaded when an IRI was first checked


def test_nothing_is_deferred_once_the_grammar_is_imported() -> None:
    code = (
        "import sys, rfc3987_syntax\n"
        "real = rfc3987_syntax\n"
        "import cs360lib\n"
        "print(sys.modules['rfc3987_syntax'] is real)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_the_stand_in_forwards_other_names() -> None:
    code = (
        "import cs360lib, rfc3987_syntax\n"
        "print(rfc3987_syntax.is_valid_syntax('iri', 'http://a/b'),"
        " callable(rfc3987_syntax.parse))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True True"
