"""Flagging: the watch-list rules, their regex pre-filter, scoring an item, and the dates its text gives."""
