"""Policies on Kubernetes Namespaces: Pod Security Admission labels (J22)."""
