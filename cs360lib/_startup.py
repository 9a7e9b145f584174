"""What ``import cs360lib`` does before anything else: defer a slow third-party import.

Imported first by ``cs360lib/__init__.py``; see :func:`defer_iri_grammar`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

__all__ = ["IRI_GRAMMAR", "defer_iri_grammar"]

IRI_GRAMMAR = "rfc3987_syntax"
"""Module jsonschema imports for its ``iri`` format checks (see :func:`_defer_iri_grammar`)."""


def defer_iri_grammar() -> None:
    """Import the IRI grammar of jsonschema's format checks when an IRI is first checked.

    ``jsonschema`` (imported by Altair when a notebook draws its first chart, and by nbformat)
    imports ``rfc3987_syntax`` at start-up, when it is installed, to check the ``iri`` and
    ``iri-reference`` formats; it is installed here because ``jupyter-events`` asks for
    ``jsonschema[format-nongpl]``. That module builds a Lark parser of RFC 3987 when imported:
    about 1 s at load 3 and 3.9 s at load 6, in every notebook kernel (docs/performance.md). The
    Vega-Lite schema Altair validates against uses the formats ``uri``, ``uri-reference`` and
    ``color-hex``, never an IRI format, so that parser is not needed to draw a chart.

    This puts a stand-in module under the name: its ``is_valid_syntax`` (the one function
    jsonschema takes) and any other attribute import the real module on first use and behave
    exactly like it, so every format check stays on and gives the same answers. Nothing is
    done when the module is absent or already imported (jsonschema then holds the real one).
    """
    if IRI_GRAMMAR in sys.modules or "jsonschema._format" in sys.modules:
        return
    try:
        if importlib.util.find_spec(IRI_GRAMMAR) is None:
            return
    except (ImportError, ValueError):  # pragma: no cover - a broken installation: leave it
        return

    def real() -> ModuleType:
        if sys.modules.get(IRI_GRAMMAR) is stand_in:
            del sys.modules[IRI_GRAMMAR]
        return importlib.import_module(IRI_GRAMMAR)

    class _Deferred(ModuleType):
        def __getattr__(self, attr: str) -> Any:
            if attr.startswith("__"):  # the import system's probes (``__path__``)
                raise AttributeError(attr)
            return getattr(real(), attr)

    def is_valid_syntax(*args: Any, **kwargs: Any) -> Any:
        return real().is_valid_syntax(*args, **kwargs)

    stand_in = _Deferred(IRI_GRAMMAR, "Stand-in that imports rfc3987_syntax on first use.")
    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    sys.modules[IRI_GRAMMAR] = stand_in


defer_iri_grammar()
