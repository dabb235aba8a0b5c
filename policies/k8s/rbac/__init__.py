"""Policies for Kubernetes:rbac resources."""
