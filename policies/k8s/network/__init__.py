"""Policies for Kubernetes networking: NetworkPolicies, load balancers."""
