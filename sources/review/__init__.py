"""Review: the analysts' decisions on candidates (promote, attach, reject, snooze) and what they read to decide."""
