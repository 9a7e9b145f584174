"""``python -m cs360lib.datasets.sampleton --out DIR``: write the sample department."""

from cs360lib.datasets.sampleton.generate import main

raise SystemExit(main())
