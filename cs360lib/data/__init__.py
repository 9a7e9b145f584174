"""Data: canonical schemas, readers, loaders (map, coerce, validate, quarantine), mappings."""
