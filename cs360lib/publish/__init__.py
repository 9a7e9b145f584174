"""Publishing: charts (one theme), widgets with static fallbacks, privacy and tables."""
