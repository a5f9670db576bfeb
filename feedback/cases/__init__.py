"""The case: how it is received, routed, tracked, kept, exported and deleted."""
