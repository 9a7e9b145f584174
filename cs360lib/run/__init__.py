"""Running engagements: notebook setup, execution, batch, manifest and offline reports."""
