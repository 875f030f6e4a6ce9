"""Source kinds beyond news feeds: each turns a source's bytes into entries (and, for lists, a snapshot diff)."""
