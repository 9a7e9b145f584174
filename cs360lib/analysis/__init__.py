"""Crime-analysis methods on typed frames: place (concentration, hot spots) and time patterns."""
