"""Policies for Kubernetes resources."""
