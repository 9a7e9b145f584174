"""``python -m cs360lib.datasets.sampleton --out DIR``: write the sample department."""

from cs360lib.datasets.sampleton.make import main

raise SystemExit(main())
