"""One module per CS360 step: intake (00), scanning, prioritization, problem analysis, review."""
