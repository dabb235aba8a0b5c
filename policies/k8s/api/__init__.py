"""Policies on Kubernetes API versions (J27)."""
