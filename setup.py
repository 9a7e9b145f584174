"""Build hook: the notebooks of the CS360 sequence ship inside the package.

The repository's ``notebooks/`` folder is the only copy in git. A wheel (and any
non-editable install) carries a copy of its ``NN_*.ipynb`` notebooks in
``cs360lib/notebooks/``, where ``cs360 run`` finds them without ``--notebooks``
(``cs360lib.run.execute.default_notebooks_dir``). An editable install copies
nothing: the repository's folder is used in place. The workshop sources
(``notebooks/workshop/source/NN_*.ipynb``, built into learner and solution notebooks by
``cs360 workshop``) ship the same way, in ``cs360lib/notebooks/workshop/source/``.
Everything else about the package is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import re
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
NOTEBOOK = re.compile(r"^\d\d_.+\.ipynb$")


class BuildPyWithNotebooks(build_py):
    """``build_py`` that also copies ``notebooks/NN_*.ipynb`` into ``cs360lib/notebooks/``."""

    def _notebooks(self) -> list[tuple[Path, Path]]:
        found = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if NOTEBOOK.match(p.name))
        if not found:
            raise FileNotFoundError(
                f"no NN_*.ipynb notebooks in {NOTEBOOKS}: the package would ship without "
                "its notebooks (is notebooks/ missing from the source distribution?)"
            )
        target = Path(self.build_lib) / "cs360lib" / "notebooks"
        workshop = sorted(
            p for p in (NOTEBOOKS / "workshop" / "source").glob("*.ipynb") if NOTEBOOK.match(p.name)
        )
        return [(p, target / p.name) for p in found] + [
            (p, target / "workshop" / "source" / p.name) for p in workshop
        ]

    def run(self) -> None:
        """Build the package as usual, then copy the notebooks (not for editable installs)."""
        super().run()
        if self.editable_mode:
            return
        for source, target in self._notebooks():
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        """List the built files, the copied notebooks included."""
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return outputs + [str(target) for _, target in self._notebooks()]


setup(cmdclass={"build_py": BuildPyWithNotebooks})
