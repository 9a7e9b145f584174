"""Privacy by default for everything published: suppress, generalize, scrub."""

from cs360lib.publish.privacy.suppression import (
    SECONDARY_MARKER,
    SuppressedTable,
    mask_rates,
    primary_marker,
    suppress_counts,
    suppress_linked,
)
from cs360lib.publish.privacy.tables import TOTAL_LABEL

__all__ = [
    "SECONDARY_MARKER",
    "TOTAL_LABEL",
    "SuppressedTable",
    "mask_rates",
    "primary_marker",
    "suppress_counts",
    "suppress_linked",
]
