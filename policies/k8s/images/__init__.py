"""Policies on container images: approved registries, pinned references (G7, G8)."""
