"""The environment variables by which ``cs360 run`` tells its kernels where the load cache is.

Their own module, without pandas, so that the runner can start the first notebook's kernel
before it imports the loaders (:mod:`cs360lib.run.start`); the cache itself is
:mod:`cs360lib.data.loaders.cache`.
"""

from __future__ import annotations

__all__ = ["CACHE_ENV", "NOTEBOOK_ENV"]

CACHE_ENV = "CS360_LOAD_CACHE"
"""Environment variable naming the cache folder; ``cs360 run`` sets it in its kernels only."""

NOTEBOOK_ENV = "CS360_NOTEBOOK"
"""Environment variable naming the notebook a kernel runs (recorded with each lookup)."""
