"""Privacy by default for everything published: suppress, generalize, scrub.

The publish layer's privacy library. It takes the engagement's publishing rules
(:class:`cs360lib.config.publishing.Publishing`) as arguments and never reads files:

- :mod:`~cs360lib.publish.privacy.suppression`: small-cell suppression of count tables
  (primary and complementary, linked tables), rates and shares of hidden counts;
- :mod:`~cs360lib.publish.privacy.locations`: hundred blocks, grid cells, areas;
- :mod:`~cs360lib.publish.privacy.scrub` (with :mod:`~cs360lib.publish.privacy.names`):
  names, phone numbers, emails, street addresses and case numbers in free text;
- :mod:`~cs360lib.publish.privacy.columns`: personal columns never published.

Presidio and the name list load on first use of the scrubber, not on import.
See ``docs/privacy.md``.
"""

from cs360lib.publish.privacy.cells import TOTAL_LABEL
from cs360lib.publish.privacy.columns import drop_personal_columns, known_names, personal_columns
from cs360lib.publish.privacy.locations import (
    generalize_address,
    generalize_addresses,
    generalize_locations,
    snap_coordinates,
)
from cs360lib.publish.privacy.scrub import TAGS, Finding, Scrubber, scrub_text
from cs360lib.publish.privacy.suppression import (
    SECONDARY_MARKER,
    SuppressedTable,
    mask_rates,
    primary_marker,
    suppress_counts,
    suppress_linked,
)

__all__ = [
    "SECONDARY_MARKER",
    "TAGS",
    "TOTAL_LABEL",
    "Finding",
    "Scrubber",
    "SuppressedTable",
    "drop_personal_columns",
    "generalize_address",
    "generalize_addresses",
    "generalize_locations",
    "known_names",
    "mask_rates",
    "personal_columns",
    "primary_marker",
    "scrub_text",
    "snap_coordinates",
    "suppress_counts",
    "suppress_linked",
]
