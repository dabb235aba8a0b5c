"""Policies for aws:fsx resources."""
