"""Policies for aws:eks:cluster resources."""
