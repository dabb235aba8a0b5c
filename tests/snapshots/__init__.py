"""Committed snapshots of what the stacks declare (URNs), and the command that refreshes them."""
