"""``import cs360lib`` is light: its public names are imported on first use, and all resolve."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "pandera", "pydantic", "altair", "pyarrow", "statsmodels")

PROBE = """
import json, sys
import cs360lib as cs
before = sorted(m for m in {heavy!r} if m in sys.modules)
resolved = {{name: getattr(cs, name) is not None for name in cs.__all__}}
print(json.dumps({{
    "before": before,
    "resolved": resolved,
    "submodule": cs.evaluate.__name__,
    "package": cs.data.__name__,
    "listed": sorted(set(cs.__all__) - set(dir(cs))),
}}))
"""


def test_import_cs360lib_imports_nothing_heavy_and_every_public_name_resolves() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["before"] == []  # a `cs360 run` starts its first kernel before these load
    assert found["resolved"] and all(found["resolved"].values())
    assert found["submodule"] == "cs360lib.evaluate" and found["package"] == "cs360lib.data"
    assert found["listed"] == []  # dir() shows the names not yet imported


def test_public_names_are_the_objects_of_their_modules() -> None:
    import cs360lib as cs
    from cs360lib.config.engagement import Engagement
    from cs360lib.data.loaders import load_calls
    from cs360lib.publish.display import show

    assert cs.Engagement is Engagement and cs.load_calls is load_calls and cs.show is show
    from cs360lib import setup_notebook  # from-imports go through the same lookup

    assert setup_notebook.__module__ == "cs360lib.run.notebook"


def test_an_unknown_name_is_an_attribute_error() -> None:
    import cs360lib as cs

    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        cs.nothing_here  # noqa: B018
