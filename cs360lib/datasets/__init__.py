"""Synthetic departments with known, planted truth (for tests, demos and workshops)."""
