"""API views, one module per resource: developments, timelines, the change feed."""
