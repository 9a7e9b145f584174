"""Scanning: code interview responses, check the coding, find themes, synthesise."""
