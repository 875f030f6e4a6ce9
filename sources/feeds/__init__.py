"""Feeds: fetch safely, parse, sanitise, deduplicate, schedule and lock, then run an item through the pipeline."""
