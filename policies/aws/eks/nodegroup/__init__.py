"""Policies for aws:eks:nodegroup resources."""
