"""Configuration as data: the engagement file, column mappings, a new engagement's scaffold."""
